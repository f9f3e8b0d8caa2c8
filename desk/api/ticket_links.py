"""Merging, splitting and linking tickets."""
from __future__ import annotations

from flask import jsonify

from desk.api import bp, shapes
from desk.api.spec import ID, PATH_PARAMS, current_agent, parse_id, route
from desk.api.tickets import _visible
from desk.errors import NotFound
from desk.extensions import db
from desk.models import Interaction
from desk.schemas import ticket_dict
from desk.services import access, ticket_links, tickets

OTHER = {"oneOf": [ID, {"type": "string", "pattern": "^#?[0-9]{1,10}$"}],
         "description": "a ticket id, else its number ('#1234' is always the number)"}
MERGE = {
    "type": "object",
    "required": ["into"],
    "additionalProperties": False,
    "properties": {
        "into": OTHER,
        "confirm_different_customers": {
            "type": "boolean",
            "description": "merge even though the tickets belong to different customers"},
    },
}
LINKS = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": shapes.ref("TicketLink")}}}
shapes.SCHEMAS["TicketLink"] = shapes._obj({
    "kind": {"enum": ["merged_into", "merged_from", "split_from", "split_to", "related"],
             "description": "what the other ticket is to this one"},
    "ticket": shapes.ref("Ticket")})
PATH_PARAMS.setdefault("other_key", PATH_PARAMS["ticket_key"])
LINK = {"type": "object", "required": ["ticket"], "additionalProperties": False, "properties": {"ticket": OTHER}}


def _other(value, field: str):
    try:
        return _visible(str(value))
    except NotFound:
        raise NotFound(f"{field}: ticket {str(value)[:20]} not found") from None


def _links(ticket) -> list[dict]:
    return [{"kind": link.kind, "ticket": ticket_dict(link.ticket)}
            for link in ticket_links.links_of(db.session, ticket, current_agent())]


@route(bp, "/tickets/<ticket_key>/merge", "POST", summary="Merge this ticket into another: its interactions "
       "move there and this ticket is closed; merging the same pair again changes nothing",
       body=MERGE, response=shapes.ref("Ticket"),
       errors={409: "a closed or already merged ticket (codes ticket_closed, target_closed, already_merged, "
                    "target_merged), or different customers without confirm_different_customers "
                    "(code different_customers)"})
def merge_ticket(ticket_key: str, body):
    source = _visible(ticket_key)
    target = _other(body["into"], "into")
    merged = ticket_links.merge(source.id, target.id, current_agent(),
                                across_customers=body.get("confirm_different_customers", False))
    return jsonify(ticket_dict(merged))


@route(bp, "/tickets/<ticket_key>/links", "GET", summary="The tickets linked to this one (merged, split, related)",
       response=LINKS)
def list_links(ticket_key: str):
    return jsonify(items=_links(_visible(ticket_key)))


@route(bp, "/tickets/<ticket_key>/links", "POST", summary="Link a related ticket (both ways); 201 when new, 200 when it was already linked",
       body=LINK, response=LINKS, status=201)
def link_ticket(ticket_key: str, body):
    ticket = _visible(ticket_key)
    other = _other(body["ticket"], "ticket")
    created = ticket_links.link(ticket.id, other.id, current_agent())
    db.session.expire_all()
    return jsonify(items=_links(ticket)), 201 if created else 200


@route(bp, "/tickets/<ticket_key>/links/<other_key>", "DELETE", summary="Remove the related link between two tickets",
       response=None, status=204)
def unlink_ticket(ticket_key: str, other_key: str):
    ticket = _visible(ticket_key)
    other = _other(other_key, "other")
    ticket_links.unlink(ticket.id, other.id, current_agent())
    return "", 204


@route(bp, "/interactions/<interaction_id>/split", "POST",
       summary="Split a customer's message off into a new ticket (same customer, queue and channel)",
       response=shapes.ref("Ticket"), status=201,
       errors={409: "the only message of its ticket (code only_interaction), or a closed ticket (code ticket_closed)"})
def split_interaction(interaction_id: str):
    key = parse_id(interaction_id, "interaction")
    entry = db.session.get(Interaction, key)
    if entry is None or not access.can_view_ticket(current_agent(), tickets.find(db.session, entry.ticket_id)):
        raise NotFound(f"interaction {interaction_id[:20]} not found")
    new = ticket_links.split(entry.id, current_agent())
    return jsonify(ticket_dict(new)), 201
