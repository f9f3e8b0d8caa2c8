"""Chat events -> Socket.IO, through the one emitter (``desk.realtime.fanout.emit``).

``/chat`` rooms: ``chat:<ticket id>`` (the visitor's sockets for that conversation).
``/console`` rooms as elsewhere: ``staff``, ``queue:<id>``, ``agent:<id>``, ``ticket:<id>``.
"""
from __future__ import annotations

import logging

from flask import current_app

from channels.chat.service import message_dict
from desk.events import subscribe
from desk.extensions import socketio
from desk.realtime.fanout import emit

log = logging.getLogger(__name__)

CHAT = "/chat"


def chat_room(ticket_id: int) -> str:
    return f"chat:{ticket_id}"


def push_message(interaction: dict) -> None:
    """Send one chat message to the visitor's sockets."""
    emit("message", message_dict(interaction), [chat_room(interaction["ticket_id"])], namespace=CHAT)


@subscribe("interaction.created")
def _chat_interaction(name: str, payload: dict) -> None:  # noqa: ARG001
    interaction = payload["interaction"]
    if interaction["channel"] != "chat":
        return
    if interaction["direction"] == "inbound":
        push_message(interaction)  # the visitor's other tabs; the sending tab has it already
    elif interaction["direction"] == "outbound" and current_app.config.get("DESK_ROLE") == "web":
        # A reply made outside the chat desk (ticket page, API): push it now instead of waiting
        # for the outbox worker's next pass. Runs after this commit, outside the transaction.
        app = current_app._get_current_object()
        socketio.start_background_task(_deliver_later, app, interaction)


def _deliver_later(app, interaction: dict) -> None:
    from channels.chat.delivery import deliver_live

    with app.app_context():
        try:
            deliver_live(interaction)
        except Exception:
            log.exception("live chat delivery of %s failed; the outbox worker will deliver it", interaction["id"])


def _console_rooms(chat: dict) -> list[str]:
    rooms = ["staff"]
    if chat.get("queue"):
        rooms.append(f"queue:{chat['queue']['id']}")
    if chat.get("agent"):
        rooms.append(f"agent:{chat['agent']['id']}")
    rooms += [f"agent:{agent_id}" for agent_id in chat.get("participants") or []]
    return rooms


@subscribe("chat.offered")
def _offered(name: str, payload: dict) -> None:  # noqa: ARG001
    rooms = ["staff"] + [f"agent:{agent_id}" for agent_id in payload["agents"]]
    emit("chat.offered", {"chat": payload["chat"]}, rooms)


@subscribe("chat.updated")
def _updated(name: str, payload: dict) -> None:  # noqa: ARG001
    chat = payload["chat"]
    emit("chat.updated", {"chat": chat}, _console_rooms(chat))
    if chat.get("ticket_id"):
        emit("state", {"status": chat["status"], "agent": ({"name": chat["agent"]["name"]} if chat.get("agent")
                                                            else None)},
             [chat_room(chat["ticket_id"])], namespace=CHAT)


@subscribe("chat.invited")
def _invited(name: str, payload: dict) -> None:  # noqa: ARG001
    emit("chat.invited", {"chat": payload["chat"], "by": payload["by"]}, [f"agent:{payload['agent_id']}"])


@subscribe("chat.agent_joined")
def _agent_joined(name: str, payload: dict) -> None:  # noqa: ARG001
    emit("agent_joined", {"agent": payload["agent"]}, [chat_room(payload["ticket_id"])], namespace=CHAT)


@subscribe("chat.closed")
def _closed(name: str, payload: dict) -> None:  # noqa: ARG001
    emit("closed", {"by": payload["by"]}, [chat_room(payload["ticket_id"])], namespace=CHAT)


@subscribe("chat.read")
def _read(name: str, payload: dict) -> None:  # noqa: ARG001
    if payload["by"] == "visitor":
        emit("chat.read", {"chat_id": payload["chat_id"], "ticket_id": payload["ticket_id"], "id": payload["id"]},
             [f"ticket:{payload['ticket_id']}"])
    else:
        emit("read", {"id": payload["id"]}, [chat_room(payload["ticket_id"])], namespace=CHAT)


@subscribe("agent.presence")
def _presence(name: str, payload: dict) -> None:  # noqa: ARG001
    emit("presence", {"agent": payload["agent"], "status": payload["status"]},
         ["staff", f"agent:{payload['agent']['id']}"])
