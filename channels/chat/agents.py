"""The agents' side of a live chat: who may work a chat, accept, replies and their live delivery
claim, read receipts, transfer to an agent or a queue, inviting a supervisor, ending, and what
the chat desk shows on load (with the supervisor's deflection figures).

Every agent message goes through ``desk.services.replies.record`` with channel ``chat`` and
``agent:<id>:<client_id>`` as external id.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from channels.chat.conversation import (
    LIVE, ChatRow, _chat_payload, _client_id, _end, _int, _locked, _text, active_count, chat_row, eligible_agents,
    mark_read,
)
from desk.errors import Conflict, Forbidden, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import Agent, ChatDeflection, ChatSession, Interaction, OutboxItem, Queue, Ticket, utcnow
from desk.schemas import ticket_dict
from desk.services import presence, replies
from desk.services.prepared import Prepared, write_connection

# -- who works a chat ----------------------------------------------------------------------------

def _can_work(agent: Agent, cs: ChatSession | ChatRow) -> bool:
    return agent.has_role("supervisor") or cs.queue_id in agent.queue_ids


def get_for_agent(agent: Agent, chat_id, *, row: bool = False) -> ChatSession | ChatRow:
    """The chat, if the agent may see it. ``row``: only its ``ChatRow``, read with one prepared
    statement (a message, typing or a read receipt needs no more)."""
    if type(chat_id) is not int:
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise Invalid("chat must be a chat id", field="chat") from None
    if row:
        cs = chat_row(chat_id)
    else:
        cs = db.session.get(ChatSession, chat_id)
    if cs is None or not (_can_work(agent, cs) or cs.agent_id == agent.id or agent.id in (cs.participants or [])):
        raise NotFound("no such chat")
    return cs


def _require_participant(agent: Agent, cs: ChatSession) -> None:
    if cs.agent_id != agent.id and agent.id not in (cs.participants or []) and not agent.has_role("supervisor"):
        raise Forbidden("accept the chat first")


# -- the conversation ----------------------------------------------------------------------------

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


def agent_send(agent: Agent, chat_id, client_id, body) -> replies.Sent:
    cs = get_for_agent(agent, chat_id, row=True)
    _require_participant(agent, cs)
    client_id = _client_id(client_id)
    if cs.status == "ended":
        raise Conflict("this chat has ended", code="chat_ended")
    body = _text(body, "body", current_app.config["CHAT_MAX_MESSAGE_CHARS"], required=True)
    return replies.record(cs.ticket_id, actor=agent, body=body, channel="chat",
                          external_id=f"agent:{agent.id}:{client_id}")


_OUTBOX, _INTERACTION = OutboxItem.__table__, Interaction.__table__
# Every agent chat message runs these two: compiled once, run on the driver's cursor.
_CLAIM = Prepared(update(_OUTBOX).where(_OUTBOX.c.interaction_id == bindparam("iid"), _OUTBOX.c.status == "pending")
                  .values(status="sent", sent_at=bindparam("now"), claimed_by="chat-live",
                          attempts=_OUTBOX.c.attempts + 1))
_SENT = Prepared(update(_INTERACTION).where(_INTERACTION.c.id == bindparam("iid")).values(delivery_status="sent"))


def claim_live(interaction_id: int) -> bool:
    """Take a chat reply's outbox item for immediate delivery by the web process. Exactly one of
    this and the outbox worker wins the item, so the message is pushed once."""
    def unit() -> bool:
        with write_connection(db.session()) as raw:
            done = _CLAIM.execute(raw, {"iid": interaction_id, "now": utcnow()})
            if done:
                _SENT.execute(raw, {"iid": interaction_id})
        return bool(done)
    return db.retrying(unit)


def agent_read(agent: Agent, chat_id, last_id) -> int | None:
    return mark_read(get_for_agent(agent, chat_id, row=True), "agent", last_id)


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
                if not (target.has_role("supervisor") or row.queue_id in target.queue_ids):
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


# -- the chat desk -------------------------------------------------------------------------------

def desk_state(agent: Agent) -> dict:
    """What the chat desk shows on load: chats waiting in the agent's queues and the agent's own."""
    session = db.session
    stmt = select(ChatSession).where(ChatSession.status.in_(LIVE))
    if not agent.has_role("supervisor"):
        queue_ids = sorted(agent.queue_ids) or [-1]
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
