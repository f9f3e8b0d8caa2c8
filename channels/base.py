"""What every channel shares: the inbound message, the adapter protocol, the registry.

Transports (SMTP handler, Twilio webhooks, chat namespace, forms, API) build an
``InboundMessage`` and hand it to ``desk.services.intake.receive``. Outbound, the outbox
worker looks an adapter up by channel name and calls ``send``. The core never imports a
concrete channel; channels register themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Protocol, runtime_checkable


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ThreadHints:
    """What the transport knows about where the message belongs, strongest first."""

    ticket_id: int | None = None  # already verified by the transport (signed Message-ID, reply token)
    ticket_number: int | None = None  # weak: a [#number] subject token, honoured only for the ticket's customer
    session: str | None = None  # chat session / CallSid: same conversation, same ticket
    reason: str | None = None  # how the transport found ticket_id, recorded on the interaction


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    external_id: str | None
    sender: str  # email address, phone number (any format), or signed chat-visitor id
    recipient: str | None = None
    subject: str = ""
    text: str = ""
    html: str | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    thread_hints: ThreadHints = field(default_factory=ThreadHints)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    meta: dict[str, Any] = field(default_factory=dict)
    sender_name: str | None = None
    sender_kind: str | None = None  # "email" | "phone" | "chat_visitor"; guessed from channel if None
    queue: str | None = None  # queue slug requested by the transport (a form's topic, an API call)
    direction: str = "inbound"


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    provider_id: str | None = None
    status: str = "sent"  # delivery status to record on the interaction: sent | recorded | failed
    error: str | None = None
    permanent: bool = False  # a failure that retrying cannot fix (bad address, opt-out)


@runtime_checkable
class ChannelAdapter(Protocol):
    name: str

    def send(self, interaction, config: dict) -> DeliveryResult: ...


class RecordAdapter:
    """Stores and sends nothing: for channels whose transport is not configured."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, interaction, config: dict) -> DeliveryResult:  # noqa: ARG002
        return DeliveryResult(ok=True, status="recorded")


_registry: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> ChannelAdapter:
    _registry[adapter.name] = adapter
    return adapter


def adapter_for(channel: str) -> ChannelAdapter:
    """The registered adapter, or one that records deliveries without sending."""
    return _registry.get(channel) or RecordAdapter(channel)


def registered() -> dict[str, ChannelAdapter]:
    return dict(_registry)


@dataclass(frozen=True)
class SettingsSection:
    """A channel's part of the admin Channels page: ``describe(config)`` gathers what ``template``
    shows (read in the request, so texts come in the reader's language)."""

    name: str  # "email", "chat", "phone": the section's anchor on the page
    order: int
    template: str
    describe: Callable[[Mapping[str, Any]], dict]


def add_settings_section(app, section: SettingsSection) -> None:
    app.extensions.setdefault("desk_channel_settings", {})[section.name] = section


def settings_sections(app) -> list[SettingsSection]:
    return sorted(app.extensions.get("desk_channel_settings", {}).values(), key=lambda s: s.order)
