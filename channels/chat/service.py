"""Live chat sessions: start, visitor messages, agent replies, accept / transfer / invite / end,
read receipts, transcripts, deflections and the visitor's e-mail identity.

Every customer message goes through ``desk.services.intake.receive`` (channel ``chat``, the
visitor as sender, ``<visitor>:<client_id>`` as external id so a retry is the same message, the
chat session as thread hint); every agent message through ``desk.services.replies.send`` with
channel ``chat`` and ``agent:<id>:<client_id>`` as external id. Their Interaction ids are the
message ids the visitor sees; they increase, so ``last_id`` says exactly what a client missed.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import func, select, update

from channels.base import InboundMessage, ThreadHints
from channels.chat import hours, tokens
from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db, limiter
from desk.models import (
    Agent, ChatDeflection, ChatSession, Customer, Interaction, OutboxItem, Queue, Ticket, utcnow,
)
from desk.schemas import iso, ticket_dict
from desk.services import identity, intake, presence, replies

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
LIVE = ("waiting", "active")
OPEN = ("waiting", "active", "offline")
STARTED_TEXT = {"ko": "(채팅 시작)", "en": "(chat started)"}

# Per-ticket ordering inside one process: commit and emit of one conversation's messages happen
# in commit order, and a reconnecting visitor's replay cannot interleave with a live message.
_STRIPES = [threading.Lock() for _ in range(4096)]


@contextmanager
def conversation_lock(ticket_id: int | None) -> Iterator[None]:
    """Hold the conversation's lock. The session's transaction ends first: a greenlet must never
    wait for this lock while keeping a pooled connection, or waiters could hold every connection
    the lock's holder needs."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    with _STRIPES[(ticket_id or 0) % len(_STRIPES)]:
        yield


# -- shapes --------------------------------------------------------------------------------------

def message_dict(i: dict) -> dict:
    """What a visitor sees of an interaction (from its event payload or ``interaction_dict``)."""
    meta = i.get("meta") or {}
    chat = meta.get("chat") or {}
    if chat.get("event"):
        kind, name = "system", ""
    elif i["direction"] == "outbound":
        kind, name = "agent", (i.get("author") or {}).get("name") or ""
    else:
        kind, name = "visitor", ""
    out = {"id": i["id"], "body": i.get("text") or "", "author": {"kind": kind, "name": name},
           "at": i.get("created_at")}
    if chat.get("client_id"):
        out["client_id"] = chat["client_id"]
    if chat.get("event"):
        out["event"] = chat["event"]
    return out


def _interaction_view(i: Interaction) -> dict:
    return {"id": i.id, "direction": i.direction, "text": i.text, "meta": i.meta,
            "author": {"name": i.author.display_name} if i.author else None, "created_at": iso(i.created_at)}


def chat_dict(cs: ChatSession, ticket: Ticket | None = None) -> dict:
    return {
        "id": cs.id, "status": cs.status, "name": cs.name, "email": cs.email, "email_verified": cs.email_verified,
        "topic": cs.topic, "locale": cs.locale, "origin": cs.origin,
        "queue": {"id": cs.queue.id, "name": cs.queue.name} if cs.queue else None,
        "agent": {"id": cs.agent.id, "name": cs.agent.display_name} if cs.agent else None,
        "participants": list(cs.participants or []), "ticket_id": cs.ticket_id,
        "ticket_number": ticket.number if ticket is not None else None,
        "ticket_subject": ticket.subject if ticket is not None else None,
        "customer_id": cs.customer_id, "created_at": iso(cs.created_at), "accepted_at": iso(cs.accepted_at),
        "ended_at": iso(cs.ended_at), "visitor_read_id": cs.visitor_read_id, "agent_read_id": cs.agent_read_id,
    }


def _chat_payload(session, cs: ChatSession) -> dict:
    if cs in session:
        session.flush()
        session.refresh(cs, ["agent", "queue"])  # the ids may have changed in this unit of work
    ticket = session.get(Ticket, cs.ticket_id) if cs.ticket_id else None
    return chat_dict(cs, ticket)


# -- availability --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Availability:
    open: bool
    reason: str | None  # "closed_hours" | "no_agent"


def availability(session, queue_id: int | None) -> Availability:
    config = current_app.config
    if not hours.is_open(config["CHAT_HOURS"], config["TIMEZONE"], utcnow()):
        return Availability(False, "closed_hours")
    if not presence.online_in_queue(session, queue_id):
        return Availability(False, "no_agent")
    return Availability(True, None)


def active_count(session, agent_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ChatSession).where(
        ChatSession.agent_id == agent_id, ChatSession.status == "active")) or 0


def eligible_agents(session, cs: ChatSession) -> list[int]:
    """Online agents of the chat's queue with room for one more chat."""
    out = []
    for agent_id in presence.online_in_queue(session, cs.queue_id):
        agent = session.get(Agent, agent_id)
        if agent is not None and active_count(session, agent_id) < (agent.chat_capacity or 0):
            out.append(agent_id)
    return out


# -- validation ----------------------------------------------------------------------------------

def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field} is empty", field=field)
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit} characters", field=field, code="too_large")
    return value


def _client_id(value) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise Invalid("client_id must be 1 to 64 letters, digits or -_.:", field="client_id")
    return value


def _hit(limit: str, *keys: str) -> bool:
    """Count one hit against a shared limit (Redis when configured); always allowed when rate
    limiting is switched off (RATELIMIT_ENABLED)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    return limiter.limiter.hit(parse_limit(limit), *keys)


def _rate_limit(visitor_id: str) -> None:
    per_minute = current_app.config["CHAT_MESSAGES_PER_MINUTE"]
    if not _hit(f"{per_minute}/minute", "chat-visitor", visitor_id):
        raise Forbidden("too many messages; wait a moment", code="rate_limited")


# -- visitor side --------------------------------------------------------------------------------

def limit_starts(address: str | None) -> None:
    """New chats per network address: starting chats is free for anyone, so it is rate-limited."""
    per_minute = current_app.config["CHAT_STARTS_PER_MINUTE"]
    if not _hit(f"{per_minute}/minute", "chat-start", address or "-"):
        raise Forbidden("too many new chats from your network; wait a moment", code="rate_limited")


def current_session(visitor_id: str, *, include_ended: bool = False) -> ChatSession | None:
    stmt = select(ChatSession).where(ChatSession.visitor_id == visitor_id)
    if not include_ended:
        stmt = stmt.where(ChatSession.status.in_(OPEN))
    return db.session.scalar(stmt.order_by(ChatSession.id.desc()).limit(1))


def start(visitor_id: str, *, name=None, email=None, email_hmac=None, topic=None, locale=None, body=None,
          client_id=None, origin: str | None = None) -> tuple[ChatSession, Interaction | None]:
    """Open (or resume) the visitor's chat; the first message (or a start marker) opens the ticket."""
    config = current_app.config
    name = _text(name, "name", 200)
    email_raw = _text(email, "email", 320)
    email_norm = identity.normalize_email(email_raw) if email_raw else None
    topic = _text(topic, "topic", 64) or None
    locale = locale if locale in config["LANGUAGES"] else None
    body = _text(body, "body", config["CHAT_MAX_MESSAGE_CHARS"]) if body is not None else ""
    if body:
        client_id = _client_id(client_id)
    queue = db.session.scalar(select(Queue).where(Queue.slug == topic)) if topic else None
    vouched = bool(email_norm) and tokens.email_vouched(config.get("CHAT_IDENTITY_SECRET"), email_norm, email_hmac)

    existing = current_session(visitor_id)
    if existing is not None and existing.status in LIVE:
        message = post(existing, client_id, body) if body else None
        return existing, message

    token = secrets.token_urlsafe(18)
    external_id = f"{visitor_id}:{client_id}" if body else f"{visitor_id}:start:{token}"
    text = body or STARTED_TEXT.get(locale or config["LOCALE"], STARTED_TEXT["en"])
    meta = {"chat": {"session": token, **({"client_id": client_id} if body else {"event": "started"})}}
    if body:
        _rate_limit(visitor_id)
    ticket, first = intake.receive(InboundMessage(
        channel="chat", external_id=external_id, sender=visitor_id, sender_kind="chat_visitor",
        sender_name=name or None, text=text, thread_hints=ThreadHints(session=token),
        queue=queue.slug if queue else None, meta=meta))

    def unit() -> ChatSession:
        with db.write() as session:
            open_now = availability(session, ticket.queue_id)
            cs = ChatSession(
                token=token, visitor_id=visitor_id, customer_id=ticket.customer_id, ticket_id=ticket.id,
                queue_id=ticket.queue_id, status="waiting" if open_now.open else "offline", name=name,
                email=email_norm, email_verified=vouched, topic=topic, locale=locale, origin=(origin or "")[:200] or None,
                participants=[], created_at=utcnow())
            session.add(cs)
            session.flush()
            # Articles opened before this chat did not answer the visitor after all: not deflections.
            session.execute(update(ChatDeflection).where(ChatDeflection.visitor_id == visitor_id,
                                                         ChatDeflection.session_id.is_(None))
                            .values(session_id=cs.id))
            customer = session.get(Customer, ticket.customer_id)
            if locale and not customer.locale:
                customer.locale = locale
            payload = _chat_payload(session, cs)
            payload["offline_reason"] = open_now.reason
            if cs.status == "waiting":
                publish(session, "chat.offered", {"chat": payload, "agents": eligible_agents(session, cs)})
            else:
                publish(session, "chat.updated", {"chat": payload})
            return cs
    cs = db.retrying(unit)
    if email_norm:
        link_email(cs.id, email_norm, vouched=vouched)
    db.session.expire_all()
    return db.session.get(ChatSession, cs.id), first


def post(cs: ChatSession, client_id, body) -> Interaction:
    """A visitor's message: committed through intake before the caller acknowledges it."""
    config = current_app.config
    client_id = _client_id(client_id)
    body = _text(body, "body", config["CHAT_MAX_MESSAGE_CHARS"], required=True)
    external_id = f"{cs.visitor_id}:{client_id}"
    seen = db.session.scalar(select(Interaction).where(Interaction.channel == "chat",
                                                       Interaction.external_id == external_id))
    if seen is not None:
        return seen  # a retry of a message we already have: same id, nothing new
    if cs.status == "ended":
        raise Conflict("this chat has ended; start a new one", code="chat_ended")
    _rate_limit(cs.visitor_id)
    ticket, interaction = intake.receive(InboundMessage(
        channel="chat", external_id=external_id, sender=cs.visitor_id, sender_kind="chat_visitor",
        text=body, thread_hints=ThreadHints(session=cs.token),
        meta={"chat": {"session": cs.token, "client_id": client_id}}))
    if ticket.id != cs.ticket_id:  # the old ticket was closed: the conversation goes on in a follow-up
        with db.write() as session:
            session.execute(update(ChatSession).where(ChatSession.id == cs.id).values(ticket_id=ticket.id))
        cs.ticket_id = ticket.id
    return interaction


def history(cs: ChatSession, after: int = 0, limit: int = 500) -> list[dict]:
    """The conversation's chat messages after ``after``, oldest first (never internal notes)."""
    if cs.ticket_id is None:
        return []
    rows = db.session.scalars(
        select(Interaction).where(Interaction.ticket_id == cs.ticket_id, Interaction.channel == "chat",
                                  Interaction.direction.in_(("inbound", "outbound")), Interaction.id > after)
        .order_by(Interaction.id).limit(limit))
    return [message_dict(_interaction_view(i)) for i in rows]


def visitor_read(cs: ChatSession, last_id) -> int | None:
    if type(last_id) is not int or last_id <= cs.visitor_read_id:
        return None
    with db.write() as session:
        session.execute(update(ChatSession).where(ChatSession.id == cs.id, ChatSession.visitor_read_id < last_id)
                        .values(visitor_read_id=last_id))
        publish(session, "chat.read", {"chat_id": cs.id, "ticket_id": cs.ticket_id, "by": "visitor", "id": last_id})
    return last_id


def visitor_typing(cs: ChatSession, typing: bool, preview=None) -> dict:
    preview = preview[:200] if isinstance(preview, str) and typing else ""
    return {"chat_id": cs.id, "ticket_id": cs.ticket_id, "typing": bool(typing), "preview": preview}


def end_by_visitor(cs: ChatSession, *, transcript: bool = False) -> ChatSession:
    cs = _end(cs.id, by="visitor")
    if transcript:
        send_transcript(cs.id)
    return cs


def deflected(visitor_id: str, article_id, title=None, query=None) -> ChatDeflection:
    """The visitor opened a suggested article; recorded on their open chat, if any."""
    article_id = _text(article_id if isinstance(article_id, str) else str(article_id or ""), "article_id", 200,
                       required=True)
    cs = current_session(visitor_id)
    with db.write() as session:
        row = ChatDeflection(visitor_id=visitor_id, session_id=cs.id if cs else None, article_id=article_id,
                             title=_text(title, "title", 300), query=_text(query, "query", 500))
        session.add(row)
        if cs is not None:
            session.execute(update(ChatSession).where(ChatSession.id == cs.id)
                            .values(deflected_article=article_id))
    return row


def suggestions(query, locale=None, limit: int = 5) -> list[dict]:
    """Knowledge-base articles for what the visitor is typing, when a knowledge base is installed."""
    suggest = current_app.extensions.get("desk_kb_suggest")
    query = query.strip()[:200] if isinstance(query, str) else ""
    if suggest is None or len(query) < 2:
        return []
    try:
        items = suggest(query, locale if locale in current_app.config["LANGUAGES"] else None, limit=limit)
    except Exception:  # a failing suggestion must never break the chat
        current_app.logger.exception("knowledge-base suggestions failed")
        return []
    out = []
    for item in items or []:
        if isinstance(item, dict) and item.get("id") is not None and item.get("title"):
            out.append({k: str(item.get(k) or "")[:500] for k in ("id", "title", "url", "snippet")})
    return out[:limit]


# -- e-mail identity -----------------------------------------------------------------------------

def link_email(chat_id: int, email: str, *, vouched: bool) -> str:
    """Attach the visitor's e-mail. Vouched by the site's HMAC: merge with that customer now.
    Unverified: attach it when nobody has it; when a customer already has it, mail them a
    confirmation link and link only after they click it. Returns what happened."""
    cs = db.session.get(ChatSession, chat_id)
    owner = identity.find(db.session, "email", email)
    visitor_customer = identity.find(db.session, "chat_visitor", cs.visitor_id)
    if owner is not None and visitor_customer is not None and owner.id == visitor_customer.id:
        return "linked"
    if owner is None:
        with db.write() as session:
            customer = session.get(Customer, visitor_customer.id)
            identity.add_identity(session, customer, "email", email)
            if vouched:
                session.execute(update(ChatSession).where(ChatSession.id == chat_id).values(email_verified=True))
        return "added"
    if vouched:
        identity.merge(owner.id, visitor_customer.id)
        return "merged"
    _mail_confirmation(cs, email)
    return "confirmation_sent"


CONFIRM_TEXT = {
    "ko": ("안녕하세요.\n\n채팅 상담에서 이 이메일 주소를 알려주셨습니다. 본인이 맞다면 아래 링크를 눌러 확인해 주세요. "
           "확인하시면 이번 상담이 기존 상담 기록과 합쳐집니다.\n\n{url}\n\n본인이 아니라면 이 메일은 무시하셔도 됩니다."),
    "en": ("Hello,\n\nThis email address was given in a live chat with us. If that was you, confirm it with the "
           "link below and the chat joins your earlier conversations with us.\n\n{url}\n\n"
           "If it was not you, ignore this message."),
}


def _mail_confirmation(cs: ChatSession, email: str) -> Interaction:
    config = current_app.config
    token = tokens.confirm_token(config["SECRET_KEY"], cs.id, cs.visitor_id, email)
    url = f"{config['PUBLIC_URL']}/chat/confirm/{token}"
    locale = cs.locale if cs.locale in CONFIRM_TEXT else config["LOCALE"] if config["LOCALE"] in CONFIRM_TEXT else "en"
    subject = "이메일 주소 확인" if locale == "ko" else "Confirm your email address"
    return _queue_mail(cs, email, subject, CONFIRM_TEXT[locale].format(url=url), {"chat_confirm": cs.id})


def confirm_email(token: str) -> Customer:
    """The confirmation link was opened: the visitor's customer joins the e-mail's customer."""
    found = tokens.confirm_from(current_app.config["SECRET_KEY"], token)
    if found is None:
        raise Invalid("this confirmation link is not valid or has expired", field="token")
    chat_id, visitor_id, email = found
    owner = identity.find(db.session, "email", email)
    visitor_customer = identity.find(db.session, "chat_visitor", visitor_id)
    if visitor_customer is None:
        raise NotFound("the chat of this link no longer exists")
    if owner is None:
        with db.write() as session:
            identity.add_identity(session, session.get(Customer, visitor_customer.id), "email", email)
        target = visitor_customer
    elif owner.id != visitor_customer.id:
        target = identity.merge(owner.id, visitor_customer.id)
    else:
        target = owner
    with db.write() as session:
        session.execute(update(ChatSession).where(ChatSession.id == chat_id).values(email_verified=True))
    return target


def _queue_mail(cs: ChatSession, to: str, subject: str, text: str, meta: dict) -> Interaction:
    """An automatic e-mail on the chat's ticket, delivered by the outbox like every reply."""
    with db.write() as session:
        now = utcnow()
        ticket = session.get(Ticket, cs.ticket_id)
        interaction = Interaction(
            ticket_id=ticket.id, customer_id=ticket.customer_id, channel="email", direction="outbound",
            subject=subject, text=text, delivery_status="queued", meta={"to": to, "auto": True, **meta},
            created_at=now, occurred_at=now)
        session.add(interaction)
        session.flush()
        session.add(OutboxItem(interaction_id=interaction.id, channel="email", next_attempt_at=now))
        from desk.schemas import interaction_dict

        session.flush()
        publish(session, "interaction.created", {"interaction": interaction_dict(interaction),
                                                 "ticket": ticket_dict(ticket)})
    return interaction


def send_transcript(chat_id: int) -> Interaction | None:
    """Mail the conversation to the visitor's e-mail address, once per chat."""
    cs = db.session.get(ChatSession, chat_id)
    if cs is None or cs.transcript_sent_at is not None:
        return None
    customer = db.session.get(Customer, cs.customer_id)
    to = customer.email or (cs.email if cs.email_verified else None)
    if not to:
        raise Invalid("we have no confirmed e-mail address to send the transcript to", field="email")
    ko = (cs.locale or current_app.config["LOCALE"]) == "ko"
    lines = []
    for m in history(cs):
        if m.get("event"):
            continue
        who = m["author"]["name"] or ("상담원" if ko else "Agent") if m["author"]["kind"] == "agent" \
            else (cs.name or ("고객" if ko else "You"))
        lines.append(f"[{m['at'][:16].replace('T', ' ')} UTC] {who}: {m['body']}")
    intro = "채팅 상담 내용입니다." if ko else "Here is the transcript of your chat with us."
    subject = "채팅 상담 기록" if ko else "Your chat transcript"
    with db.write() as session:
        session.execute(update(ChatSession).where(ChatSession.id == chat_id).values(transcript_sent_at=utcnow()))
    return _queue_mail(cs, to, subject, intro + "\n\n" + "\n".join(lines), {"chat_transcript": chat_id})


# -- agent side ----------------------------------------------------------------------------------

def _can_work(agent: Agent, cs: ChatSession) -> bool:
    return agent.has_role("supervisor") or cs.queue_id in {q.id for q in agent.queues}


def get_for_agent(agent: Agent, chat_id) -> ChatSession:
    if type(chat_id) is not int:
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise Invalid("chat must be a chat id", field="chat") from None
    cs = db.session.get(ChatSession, chat_id)
    if cs is None or not (_can_work(agent, cs) or cs.agent_id == agent.id or agent.id in (cs.participants or [])):
        raise NotFound("no such chat")
    return cs


def _require_participant(agent: Agent, cs: ChatSession) -> None:
    if cs.agent_id != agent.id and agent.id not in (cs.participants or []) and not agent.has_role("supervisor"):
        raise Forbidden("accept the chat first")


def accept(agent: Agent, chat_id) -> ChatSession:
    cs = get_for_agent(agent, chat_id)
    if not _can_work(agent, cs):
        raise Forbidden("this chat is not in one of your queues")

    def unit() -> ChatSession:
        with db.write() as session:
            row = _locked(session, cs.id)
            if row.status != "waiting":
                raise Conflict("someone else has already taken this chat" if row.status == "active"
                               else "this chat is no longer waiting", code="chat_taken")
            if active_count(session, agent.id) >= (agent.chat_capacity or 0):
                raise Conflict("you are at your chat capacity", code="at_capacity")
            row.status, row.agent_id, row.accepted_at = "active", agent.id, utcnow()
            _assign_ticket(session, row.ticket_id, agent.id)
            session.flush()
            publish(session, "chat.updated", {"chat": _chat_payload(session, row)})
            publish(session, "chat.agent_joined", {"chat_id": row.id, "ticket_id": row.ticket_id,
                                                   "agent": {"name": agent.display_name}})
            return row
    return db.retrying(unit)


def _assign_ticket(session, ticket_id: int | None, agent_id: int) -> None:
    if ticket_id is None:
        return
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None and ticket.assignee_id != agent_id:
        before = ticket.assignee_id
        ticket.assignee_id = agent_id
        ticket.version += 1
        ticket.updated_at = utcnow()
        session.flush()
        session.refresh(ticket)
        publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": {"assignee": [before, agent_id]}})


def agent_send(agent: Agent, chat_id, client_id, body) -> Interaction:
    cs = get_for_agent(agent, chat_id)
    _require_participant(agent, cs)
    client_id = _client_id(client_id)
    if cs.status == "ended":
        raise Conflict("this chat has ended", code="chat_ended")
    body = _text(body, "body", current_app.config["CHAT_MAX_MESSAGE_CHARS"], required=True)
    return replies.send(cs.ticket_id, actor=agent, body=body, channel="chat",
                        external_id=f"agent:{agent.id}:{client_id}")


def claim_live(interaction_id: int) -> bool:
    """Take a chat reply's outbox item for immediate delivery by the web process. Exactly one of
    this and the outbox worker wins the item, so the message is pushed once."""
    with db.write() as session:
        done = session.execute(
            update(OutboxItem).where(OutboxItem.interaction_id == interaction_id, OutboxItem.status == "pending")
            .values(status="sent", sent_at=utcnow(), claimed_by="chat-live", attempts=OutboxItem.attempts + 1)
        ).rowcount
        if done:
            session.execute(update(Interaction).where(Interaction.id == interaction_id).values(delivery_status="sent"))
    return bool(done)


def agent_read(agent: Agent, chat_id, last_id) -> int | None:
    cs = get_for_agent(agent, chat_id)
    if type(last_id) is not int or last_id <= cs.agent_read_id:
        return None
    with db.write() as session:
        session.execute(update(ChatSession).where(ChatSession.id == cs.id, ChatSession.agent_read_id < last_id)
                        .values(agent_read_id=last_id))
        publish(session, "chat.read", {"chat_id": cs.id, "ticket_id": cs.ticket_id, "by": "agent", "id": last_id})
    return last_id


def transfer(agent: Agent, chat_id, *, to_agent=None, to_queue=None) -> ChatSession:
    cs = get_for_agent(agent, chat_id)
    _require_participant(agent, cs)

    def unit() -> ChatSession:
        with db.write() as session:
            row = _locked(session, cs.id)
            if row.status not in LIVE:
                raise Conflict("this chat is no longer live", code="chat_ended")
            if to_agent is not None:
                target = session.get(Agent, _int(to_agent, "agent"))
                if target is None or not target.active:
                    raise Invalid("no such agent", field="agent")
                if not (target.has_role("supervisor") or row.queue_id in {q.id for q in target.queues}):
                    raise Invalid("that agent does not work this chat's queue", field="agent")
                if presence.status_of(session, target.id) != "online":
                    raise Conflict("that agent is not online", code="agent_offline")
                if active_count(session, target.id) >= (target.chat_capacity or 0):
                    raise Conflict("that agent is at their chat capacity", code="at_capacity")
                row.agent_id, row.status, row.accepted_at = target.id, "active", utcnow()
                _assign_ticket(session, row.ticket_id, target.id)
                session.flush()
                publish(session, "chat.agent_joined", {"chat_id": row.id, "ticket_id": row.ticket_id,
                                                       "agent": {"name": target.display_name}})
                publish(session, "chat.updated", {"chat": _chat_payload(session, row), "transferred_to": target.id})
            elif to_queue is not None:
                queue = session.get(Queue, _int(to_queue, "queue"))
                if queue is None:
                    raise Invalid("no such queue", field="queue")
                row.queue_id, row.agent_id, row.status = queue.id, None, "waiting"
                ticket = session.get(Ticket, row.ticket_id)
                ticket.queue_id, ticket.assignee_id = queue.id, None
                ticket.version += 1
                session.flush()
                session.refresh(ticket)
                session.refresh(row)
                publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": {"queue": [None, queue.id]}})
                payload = _chat_payload(session, row)
                publish(session, "chat.updated", {"chat": payload})
                publish(session, "chat.offered", {"chat": payload, "agents": eligible_agents(session, row)})
            else:
                raise Invalid("say whom to transfer to: agent or queue", field="agent")
            return row
    return db.retrying(unit)


def invite(agent: Agent, chat_id, supervisor_id) -> ChatSession:
    cs = get_for_agent(agent, chat_id)
    _require_participant(agent, cs)
    with db.write() as session:
        target = session.get(Agent, _int(supervisor_id, "agent"))
        if target is None or not target.active or not target.has_role("supervisor"):
            raise Invalid("invite a supervisor", field="agent")
        row = session.get(ChatSession, cs.id, populate_existing=True)
        if target.id not in (row.participants or []):
            row.participants = [*(row.participants or []), target.id]
        session.flush()
        payload = _chat_payload(session, row)
        publish(session, "chat.updated", {"chat": payload})
        publish(session, "chat.invited", {"chat": payload, "agent_id": target.id,
                                          "by": {"id": agent.id, "name": agent.display_name}})
    return row


def end_by_agent(agent: Agent, chat_id) -> ChatSession:
    cs = get_for_agent(agent, chat_id)
    _require_participant(agent, cs)
    return _end(cs.id, by="agent")


def _end(chat_id: int, *, by: str) -> ChatSession:
    def unit() -> ChatSession:
        with db.write() as session:
            row = _locked(session, chat_id)
            if row.status == "ended":
                return row
            row.status, row.ended_at, row.ended_by = "ended", utcnow(), by
            session.flush()
            publish(session, "chat.updated", {"chat": _chat_payload(session, row)})
            publish(session, "chat.closed", {"chat_id": row.id, "ticket_id": row.ticket_id, "by": by,
                                             "deflected": bool(row.deflected_article)})
            return row
    return db.retrying(unit)


def _locked(session, chat_id: int) -> ChatSession:
    """The chat row, re-read and locked until commit (only the row: PostgreSQL cannot lock the outer
    side of the eager joins)."""
    return session.scalar(select(ChatSession).where(ChatSession.id == chat_id).with_for_update(of=ChatSession)
                          .execution_options(populate_existing=True))


def _int(value, field: str) -> int:
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be an id", field=field) from None
    if not 0 < out < 2**31:
        raise Invalid(f"{field} must be an id", field=field)
    return out


def desk_state(agent: Agent) -> dict:
    """What the chat desk shows on load: chats waiting in the agent's queues and the agent's own."""
    session = db.session
    stmt = select(ChatSession).where(ChatSession.status.in_(LIVE))
    if not agent.has_role("supervisor"):
        queue_ids = [q.id for q in agent.queues] or [-1]
        stmt = stmt.where((ChatSession.queue_id.in_(queue_ids) & (ChatSession.status == "waiting"))
                          | (ChatSession.agent_id == agent.id))
    chats = [_chat_payload(session, cs) for cs in session.scalars(stmt.order_by(ChatSession.id))]
    if not agent.has_role("supervisor"):
        invited = session.scalars(select(ChatSession).where(ChatSession.status.in_(LIVE)))
        chats += [_chat_payload(session, cs) for cs in invited
                  if agent.id in (cs.participants or []) and cs.agent_id != agent.id]
    return {"chats": chats, "presence": presence.status_of(session, agent.id),
            "capacity": agent.chat_capacity, "active": active_count(session, agent.id),
            "board": presence.board(session) if agent.has_role("supervisor") else None,
            "deflection": deflection_stats(session) if agent.has_role("supervisor") else None}


def deflection_stats(session) -> dict:
    """Suggested articles opened, and how many visitors an article answered: no chat after it
    (counted per visitor), or a chat that ended on the article."""
    total = session.scalar(select(func.count()).select_from(ChatDeflection)) or 0
    before_chat = session.scalar(select(func.count(func.distinct(ChatDeflection.visitor_id)))
                                 .where(ChatDeflection.session_id.is_(None))) or 0
    ended_on_article = session.scalar(select(func.count()).select_from(ChatSession).where(
        ChatSession.status == "ended", ChatSession.deflected_article.is_not(None))) or 0
    return {"articles_opened": total, "deflected": before_chat + ended_on_article}
