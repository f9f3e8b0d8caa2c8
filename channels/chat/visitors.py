"""The visitor's side of a live chat: starting (or resuming) a chat, the visitor's messages with
their rate limits, read receipts, typing, ending, suggested articles and deflections, and the
visitor's e-mail identity: linking an address, the confirmation mail and link, transcripts.

Every customer message goes through ``desk.services.intake`` (channel ``chat``, the
visitor as sender, ``<visitor>:<client_id>`` as external id so a retry is the same message, the
chat session as thread hint).
"""
from __future__ import annotations

import secrets

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import bindparam, select, update

from channels.base import InboundMessage, ThreadHints
from channels.chat import tokens
from channels.chat.conversation import (
    LIVE, OPEN, ChatRow, _chat_payload, _client_id, _end, _text, availability, eligible_agents, history, mark_read,
    visitor_row,
)
from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db, limiter
from desk.models import ChatDeflection, ChatSession, Customer, Interaction, Queue, Ticket, utcnow
from desk.services import identity, intake, replies
from desk.services.prepared import Prepared, write_connection

STARTED_TEXT = {"ko": "(채팅 시작)", "en": "(chat started)"}


# -- rate limits ---------------------------------------------------------------------------------

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


def limit_starts(address: str | None) -> None:
    """New chats per network address: starting chats is free for anyone, so it is rate-limited."""
    per_minute = current_app.config["CHAT_STARTS_PER_MINUTE"]
    if not _hit(f"{per_minute}/minute", "chat-start", address or "-"):
        raise Forbidden("too many new chats from your network; wait a moment", code="rate_limited")


# -- the conversation ----------------------------------------------------------------------------

_CS = ChatSession.__table__
_MOVE_TO_TICKET = Prepared(update(_CS).where(_CS.c.id == bindparam("id")).values(ticket_id=bindparam("ticket_id")))


def current_session(visitor_id: str, *, include_ended: bool = False) -> ChatSession | None:
    """The visitor's newest chat as a ChatSession (its open one unless ``include_ended``); a
    message, typing or read receipt needs only ``visitor_row``."""
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
        if not body:
            return existing, None
        posted = post(existing, client_id, body)
        if posted.ticket_id != existing.ticket_id and not posted.duplicate:
            db.session.refresh(existing)
        return existing, intake.objects(db.session(), posted)[1]

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


def post(cs: ChatSession | ChatRow, client_id, body) -> intake.Received:
    """A visitor's message: committed through intake before the caller acknowledges it. A retry
    (the same ``client_id`` again) gets the message stored the first time: intake finds it by
    its external id, in the write that would otherwise store it, so there is no lookup before.
    ``cs`` is the visitor's chat (``visitor_row``, or the ChatSession): its id, visitor, token,
    ticket and status."""
    config = current_app.config
    client_id = _client_id(client_id)
    body = _text(body, "body", config["CHAT_MAX_MESSAGE_CHARS"], required=True)
    external_id = f"{cs.visitor_id}:{client_id}"
    if cs.status == "ended":
        return _stored_or(external_id, Conflict("this chat has ended; start a new one", code="chat_ended"))
    try:
        _rate_limit(cs.visitor_id)
    except Forbidden as exc:
        return _stored_or(external_id, exc)  # a retry of a message we have is answered all the same
    received = intake.record(InboundMessage(
        channel="chat", external_id=external_id, sender=cs.visitor_id, sender_kind="chat_visitor",
        text=body, thread_hints=ThreadHints(session=cs.token),
        meta={"chat": {"session": cs.token, "client_id": client_id}}))
    if not received.duplicate and received.ticket_id != cs.ticket_id:
        # The old ticket was closed: the conversation goes on in a follow-up.
        with write_connection(db.session()) as raw:
            _MOVE_TO_TICKET.execute(raw, {"id": cs.id, "ticket_id": received.ticket_id})
    return received


def _stored_or(external_id: str, refusal: Exception) -> intake.Received:
    """The message stored before under this external id; when there is none, ``refusal`` is raised."""
    seen = intake.stored("chat", external_id)
    if seen is None:
        raise refusal
    return seen


def visitor_read(cs: ChatSession | ChatRow, last_id) -> int | None:
    return mark_read(cs, "visitor", last_id)


def visitor_typing(cs: ChatSession | ChatRow, typing: bool, preview=None) -> dict:
    preview = preview[:200] if isinstance(preview, str) and typing else ""
    return {"chat_id": cs.id, "ticket_id": cs.ticket_id, "typing": bool(typing), "preview": preview}


def end_by_visitor(cs: ChatSession | ChatRow, *, transcript: bool = False) -> ChatSession:
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


def _mail_confirmation(cs: ChatSession, email: str) -> Interaction | None:
    config = current_app.config
    token = tokens.confirm_token(config["SECRET_KEY"], cs.id, cs.visitor_id, email)
    url = f"{config['PUBLIC_URL']}/chat/confirm/{token}"
    locale = cs.locale if cs.locale in CONFIRM_TEXT else config["LOCALE"] if config["LOCALE"] in CONFIRM_TEXT else "en"
    subject = "이메일 주소 확인" if locale == "ko" else "Confirm your email address"
    chat_id, ticket_id = cs.id, cs.ticket_id
    with db.write() as session:  # asked for by the visitor: sent whatever their automatic-mail opt-out
        return replies.queue_automatic_mail(session, session.get(Ticket, ticket_id), subject=subject,
                                            text=CONFIRM_TEXT[locale].format(url=url), meta={"chat_confirm": chat_id},
                                            to=email, requested=True)


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
    ticket_id = cs.ticket_id
    with db.write() as session:
        # Marked sent and queued in one transaction, and only by the request that marks it: two
        # requests at once (two tabs, a double click) mail it once, and a failure marks nothing.
        marked = session.execute(update(ChatSession).where(ChatSession.id == chat_id,
                                                           ChatSession.transcript_sent_at.is_(None))
                                 .values(transcript_sent_at=utcnow())).rowcount
        if not marked:
            return None
        return replies.queue_automatic_mail(session, session.get(Ticket, ticket_id), subject=subject,
                                            text=intro + "\n\n" + "\n".join(lines),
                                            meta={"chat_transcript": chat_id}, to=to, requested=True)
