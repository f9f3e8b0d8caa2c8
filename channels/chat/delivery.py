"""Delivering agent replies to the visitor: the chat adapter (used by the outbox worker) and the
web process's immediate push, which takes the same outbox item first so a reply goes out once."""
from __future__ import annotations

from channels.base import DeliveryResult
from channels.chat.service import claim_live, conversation_lock
from desk.schemas import interaction_dict


class ChatAdapter:
    """Outbox delivery of a chat reply: emit it to the visitor's room (directly, through Redis or
    through the loopback relay, depending on the process). A visitor who is not connected gets it
    on reconnect from the database, so "sent" here means handed to the live channel."""

    name = "chat"

    def send(self, interaction, config) -> DeliveryResult:  # noqa: ARG002
        from channels.chat.live import push_message

        push_message(interaction_dict(interaction))
        return DeliveryResult(ok=True, status="sent")


def deliver_live(interaction: dict) -> bool:
    """Push a committed agent reply now, if the outbox worker has not taken it already."""
    from channels.chat.live import push_message

    with conversation_lock(interaction["ticket_id"]):
        if not claim_live(interaction["id"]):
            return False
        push_message(interaction)
    return True
