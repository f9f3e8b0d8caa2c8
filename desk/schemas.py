"""Plain-dict views of models, shared by the JSON API and the realtime events."""
from __future__ import annotations

from datetime import datetime

from desk.models import Agent, Attachment, Customer, Interaction, Queue, Ticket


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def queue_dict(q: Queue | None) -> dict | None:
    if q is None:
        return None
    return {"id": q.id, "slug": q.slug, "name": q.name}


def agent_ref(a: Agent | None) -> dict | None:
    if a is None:
        return None
    return {"id": a.id, "name": a.display_name, "email": a.email}


def agent_dict(a: Agent) -> dict:
    return {**agent_ref(a), "role": a.role, "active": a.active, "chat_capacity": a.chat_capacity,
            "skills": list(a.skills or []), "queues": [queue_dict(q) for q in a.queues]}


def customer_ref(c: Customer) -> dict:
    return {"id": c.id, "name": c.display_name, "email": c.email, "phone": c.phone}


def customer_dict(c: Customer) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "display_name": c.display_name,
        "locale": c.locale,
        "timezone": c.timezone,
        "attributes": c.attributes or {},
        "opt_outs": list(c.opt_outs or []),
        "merged_into": c.merged_into_id,
        "identities": [{"kind": i.kind, "value": i.value, "verified": i.verified} for i in c.identities],
        "created_at": iso(c.created_at),
    }


def ticket_dict(t: Ticket) -> dict:
    return {
        "id": t.id,
        "number": t.number,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "channel": t.channel,
        "tags": list(t.tags or []),
        "customer": customer_ref(t.customer),
        "queue": queue_dict(t.queue),
        "assignee": agent_ref(t.assignee),
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "last_inbound_at": iso(t.last_inbound_at),
        "first_response_at": iso(t.first_response_at),
        "solved_at": iso(t.solved_at),
        "version": t.version,
    }


def attachment_dict(a: Attachment) -> dict:
    return {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
            "url": f"/attachments/{a.id}/{a.filename}", "inline": a.inline}


def interaction_dict(i: Interaction) -> dict:
    return {
        "id": i.id,
        "ticket_id": i.ticket_id,
        "customer_id": i.customer_id,
        "channel": i.channel,
        "direction": i.direction,
        "internal": i.is_internal,
        "author": agent_ref(i.author),
        "subject": i.subject,
        "text": i.text,
        "html": i.html,
        "delivery_status": i.delivery_status,
        "threading": (i.meta or {}).get("threading"),
        "meta": {k: v for k, v in (i.meta or {}).items() if k != "threading"},
        "attachments": [attachment_dict(a) for a in i.attachments],
        "occurred_at": iso(i.occurred_at),
        "created_at": iso(i.created_at),
    }
