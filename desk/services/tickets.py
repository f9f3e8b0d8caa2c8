"""Reading and changing tickets: the queue list (keyset-paginated), lookups, updates."""
from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from itertools import product

from sqlalchemy import exists, false, inspect, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from desk.errors import Conflict, Invalid, NotFound
from desk.events import publish
from desk.extensions import db
from desk.models import (
    CHANNELS, PRIORITIES, STATUSES, Agent, AuditLog, Customer, Identity, Interaction, Queue, Ticket,
    status_times, utcnow,
)
from desk.schemas import ticket_dict
from desk.services import MAX_ID, access, identity

MAX_LIMIT = 200

# What a list row shows: the ticket with its customer, queue and assignee, only the columns their
# references use, and not the assignees' own queues. The customers' identities are read after
# the rows (``_with_identities``), for every customer or only for those without a name.
LIST_LOAD = (
    joinedload(Ticket.customer).load_only(Customer.id, Customer.name).options(lazyload(Customer.identities)),
    joinedload(Ticket.queue).load_only(Queue.id, Queue.slug, Queue.name),
    joinedload(Ticket.assignee).load_only(Agent.id, Agent.name, Agent.email).options(lazyload(Agent.queues)),
)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["id"]
        if type(value) is not int or not 0 < value <= MAX_ID:  # bool is an int too
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise Invalid("cursor is not one this server gave out", field="cursor") from None


def parse_limit(raw, default: int = 50) -> int:
    if raw in (None, ""):
        return default
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise Invalid("limit must be a whole number", field="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def identity_match(q: str):
    """Identities matching ``q`` as typed, or as a phone number the way people write it
    (010-1234-5678 and 1234-5678 both find +821012345678)."""
    forms = {q}
    digits = re.sub(r"[\s\-().]", "", q)
    if re.fullmatch(r"\+?[0-9]{7,20}", digits):
        forms |= {digits.lstrip("+"), digits.lstrip("+").removeprefix("0")}
        try:
            forms.add(identity.normalize_phone(q))
        except Invalid:
            pass
    return or_(*(Identity.value.ilike(like_pattern(form), escape="\\") for form in sorted(forms) if form))


def find(session: Session, key: str | int) -> Ticket:
    """A ticket by id or by its number."""
    try:
        value = int(key)
    except (TypeError, ValueError):
        raise NotFound(f"ticket {str(key)[:40]!r} not found") from None
    ticket = session.get(Ticket, value) if 0 < value <= MAX_ID else None
    if ticket is None and 0 < value <= MAX_ID:
        ticket = session.scalar(select(Ticket).where(Ticket.number == value))
    if ticket is None:
        raise NotFound(f"ticket {value} not found")
    return ticket


def list_tickets(session: Session, viewer: Agent, *, status=None, queue=None, channel=None, assignee=None,
                 customer=None, q=None, cursor=None, limit=50, contacts: bool = True) -> tuple[list[Ticket], str | None]:
    """A page of tickets the viewer may see, newest first, and the cursor of the next page.
    ``contacts``: every row's customer comes with its identities (the API shows their email and
    phone); False reads them only for customers without a name, whose display name is one."""
    stmt = select(Ticket)
    statuses: list[str] = []
    if status:
        statuses = sorted({s for s in str(status).split(",") if s})
        if any(s not in STATUSES for s in statuses):
            raise Invalid(f"status must be among {', '.join(STATUSES)}", field="status")
        if len(statuses) == 1:
            stmt = stmt.where(Ticket.status == statuses[0])
    queue_id = _queue_id(session, queue) if queue else None
    if queue_id is not None:
        stmt = stmt.where(Ticket.queue_id == queue_id)
    branches = access.ticket_scope_branches(viewer, queue_id=queue_id, unassigned=assignee == "none")
    if branches is not None and not branches:  # another queue, unassigned: nothing the agent may see
        branches = [false()]
    if channel:
        if channel not in CHANNELS:
            raise Invalid(f"channel must be among {', '.join(CHANNELS)}", field="channel")
        stmt = stmt.where(Ticket.channel == channel)
    if assignee:
        if assignee == "none":
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        elif assignee == "me":
            stmt = stmt.where(Ticket.assignee_id == viewer.id)
        else:
            stmt = stmt.where(Ticket.assignee_id == _int(assignee, "assignee"))
    if customer:
        stmt = stmt.where(Ticket.customer_id == _int(customer, "customer"))
    if q:
        q = str(q).strip()[:200]
        pattern = like_pattern(q)
        matches = [
            Ticket.subject.ilike(pattern, escape="\\"),
            Ticket.customer_id.in_(
                select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
                .union(select(Identity.customer_id).where(identity_match(q)))
            ),
            exists().where(Interaction.ticket_id == Ticket.id, Interaction.direction != "internal",
                           Interaction.text.ilike(pattern, escape="\\")),
        ]
        digits = q.lstrip("#")
        if digits.isascii() and digits.isdigit() and len(digits) <= 10 and 0 < int(digits) <= MAX_ID:
            matches.append(Ticket.number == int(digits))
        stmt = stmt.where(or_(*matches))
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Ticket.id < after)
    if branches is not None and (assignee not in (None, "", "none") or customer):
        # One assignee's or one customer's tickets are few and have their own index: filter those.
        stmt, branches = stmt.where(or_(*branches)), None
    if statuses and (len(statuses) > 1 or branches):
        stmt = _newest_of_each(stmt, [
            [Ticket.status == value] + ([branch] if branch is not None else [])
            for branch, value in product(branches or [None], statuses)
        ], limit + 1)
    elif branches is not None:
        stmt = stmt.where(or_(*branches))
    # One customer's tickets share their customer: read it once (usually already in the session).
    load = (lazyload(Ticket.customer), *LIST_LOAD[1:]) if customer else LIST_LOAD
    stmt = stmt.options(*load).order_by(Ticket.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    rows = rows[:limit]
    _with_identities(session, [t.customer for t in rows], unnamed_only=not contacts)
    return rows, next_cursor


def _with_identities(session: Session, people: list[Customer], *, unnamed_only: bool) -> None:
    """Load the identities of these customers (those without a name, with ``unnamed_only``) in
    one query, as ``selectinload`` would."""
    need = {c.id: c for c in people
            if "identities" in inspect(c).unloaded and not (unnamed_only and c.name)}
    if not need:
        return
    found: dict[int, list[Identity]] = defaultdict(list)
    for ident in session.scalars(select(Identity).where(Identity.customer_id.in_(list(need))).order_by(Identity.id)):
        found[ident.customer_id].append(ident)
    for customer_id, person in need.items():
        set_committed_value(person, "identities", found[customer_id])


def _newest_of_each(stmt, parts: list[list], n: int):
    """``status IN (a, b) AND (queue_id IN (…) OR assignee_id = me) ORDER BY id DESC`` makes the
    database sort every matching row (a second on a million tickets). The newest ``n`` of each
    combination, each read in order from its (status, id), (queue_id, status, id) or
    (assignee_id, status, id) index, then merged, give the same page in a millisecond."""
    selects = []
    for conditions in parts:
        part = stmt.where(*conditions).with_only_columns(Ticket.id).order_by(Ticket.id.desc()).limit(n)
        selects.append(select(part.subquery().c.id))
    ids = selects[0] if len(selects) == 1 else union_all(*selects)
    return select(Ticket).where(Ticket.id.in_(ids.scalar_subquery()))


def _int(value, field: str) -> int:
    try:
        result = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be an id", field=field) from None
    if not 0 < result <= MAX_ID:
        raise Invalid(f"{field} must be an id", field=field)
    return result


def _queue_id(session: Session, value) -> int:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        queue = session.get(Queue, _int(value, "queue"))
    elif isinstance(value, str):
        queue = session.scalar(select(Queue).where(Queue.slug == value))
    else:
        raise Invalid("queue must be an id or a slug", field="queue")
    if queue is None:
        raise Invalid(f"no queue {value!r}", field="queue")
    return queue.id


def locked(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket as committed now, locked until the write ends (PostgreSQL: FOR UPDATE; SQLite's
    write() already holds the database lock). Never the session's cached copy, whose version and
    status may be what they were before another request changed them."""
    return session.get(Ticket, ticket_id, populate_existing=True, with_for_update={"of": Ticket})


UPDATABLE = ("status", "priority", "queue", "assignee", "tags", "subject")


def update(ticket_id: int, changes: dict, *, actor: Agent, expected_version: int | None = None) -> Ticket:
    """Change status, priority, queue, assignee, tags or subject; audited, evented."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    with db.write() as session:
        ticket = locked(session, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        access.require_ticket(actor, ticket)
        if expected_version is not None and expected_version != ticket.version:
            raise Conflict("the ticket changed since you loaded it", code="stale")
        diff = _apply(session, ticket, changes, actor)
        if diff:
            ticket.version += 1
            ticket.updated_at = utcnow()
            session.add(AuditLog(actor_agent_id=actor.id, action="ticket.updated", target_type="ticket",
                                 target_id=ticket.id, data=diff))
            session.flush()
            session.refresh(ticket)
            publish(session, "ticket.updated", {"ticket": ticket_dict(ticket), "changes": diff})
    return ticket


def _apply(session: Session, ticket: Ticket, changes: dict, actor: Agent) -> dict:
    diff: dict = {}

    def setattr_diff(name, new, shown_old=None, shown_new=None):
        old = getattr(ticket, name)
        if old != new:
            diff[name.removesuffix("_id")] = [shown_old if shown_old is not None else old,
                                               shown_new if shown_new is not None else new]
            setattr(ticket, name, new)

    if "status" in changes:
        status = changes["status"]
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
        if ticket.status == "closed" and status != "closed":
            raise Conflict("a closed ticket cannot be reopened; the customer's next message opens a follow-up")
        ticket.solved_at, ticket.closed_at = status_times(ticket.status, status, ticket.solved_at, ticket.closed_at,
                                                          utcnow())
        setattr_diff("status", status)
    if "priority" in changes:
        if changes["priority"] not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}", field="priority")
        setattr_diff("priority", changes["priority"])
    if "subject" in changes:
        subject = changes["subject"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 500:
            raise Invalid("subject must be text of 1 to 500 characters", field="subject")
        setattr_diff("subject", subject.strip())
    if "queue" in changes:
        queue_id = _queue_id(session, changes["queue"])
        if not actor.has_role("supervisor") and queue_id not in {q.id for q in actor.queues}:
            raise Invalid("you can only move tickets to your own queues", field="queue")
        setattr_diff("queue_id", queue_id)
    if "assignee" in changes:
        value = changes["assignee"]
        if value in (None, "", "none"):
            setattr_diff("assignee_id", None)
        else:
            agent = session.get(Agent, _int(value, "assignee"))
            if agent is None or not agent.active:
                raise Invalid("no such active agent", field="assignee")
            if agent.id != actor.id and not actor.has_role("supervisor") and not _shares_queue(agent, ticket):
                raise Invalid("that agent does not work this ticket's queue", field="assignee")
            setattr_diff("assignee_id", agent.id)
    if "tags" in changes:
        tags = changes["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 50 for t in tags):
            raise Invalid("tags must be a list of short texts", field="tags")
        if len(tags) > 50:
            raise Invalid("at most 50 tags", field="tags")
        setattr_diff("tags", sorted({t.strip().lower() for t in tags}))
    return diff


def _shares_queue(agent: Agent, ticket: Ticket) -> bool:
    return ticket.queue_id in {q.id for q in agent.queues}
