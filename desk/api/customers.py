"""Customers: search, read, timeline, merge."""
from __future__ import annotations

from flask import jsonify, request

from desk.api import bp
from desk.api.spec import current_agent, query_param, route
from desk.extensions import db
from desk.schemas import customer_dict, interaction_dict, ticket_dict
from desk.services import customers, identity, tickets

CUSTOMER = {"type": "object", "description": "a customer with identities"}


@route(bp, "/customers", "GET", summary="Search customers by name, email or phone", tag="customers",
       params=[query_param("q", "name, email or phone fragment"),
               query_param("limit", "1-200, default 50", {"type": "integer"}),
               query_param("cursor", "next_cursor of the previous page")],
       response={"type": "object", "properties": {"items": {"type": "array", "items": CUSTOMER},
                                                  "next_cursor": {"type": ["string", "null"]}}})
def list_customers():
    items, next_cursor = customers.search(db.session, request.args.get("q"), cursor=request.args.get("cursor"),
                                          limit=tickets.parse_limit(request.args.get("limit")))
    return jsonify(items=[customer_dict(c) for c in items], next_cursor=next_cursor)


@route(bp, "/customers/<customer_id>", "GET", summary="A customer with identities and ticket counts",
       tag="customers", response=CUSTOMER)
def get_customer(customer_id: str):
    customer = customers.get(db.session, customer_id)
    recent, _ = tickets.list_tickets(db.session, current_agent(), customer=customer.id, limit=20)
    return jsonify(customer_dict(customer), ticket_counts=customers.ticket_counts(db.session, customer),
                   recent_tickets=[ticket_dict(t) for t in recent])


@route(bp, "/customers/<customer_id>/timeline", "GET", tag="customers",
       summary="Every interaction with the customer on any channel, newest first",
       params=[query_param("cursor", "next_cursor of the previous page"),
               query_param("limit", "1-200, default 50", {"type": "integer"})],
       response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}},
                                                  "next_cursor": {"type": ["string", "null"]}}})
def customer_timeline(customer_id: str):
    customer = customers.get(db.session, customer_id)
    items, next_cursor = customers.timeline(db.session, customer, current_agent(),
                                            cursor=request.args.get("cursor"),
                                            limit=tickets.parse_limit(request.args.get("limit")))
    return jsonify(items=[interaction_dict(i) for i in items], next_cursor=next_cursor)


MERGE = {"type": "object", "required": ["other_id"], "additionalProperties": False,
         "properties": {"other_id": {"type": "integer", "minimum": 1}}}


@route(bp, "/customers/<customer_id>/merge", "POST", tag="customers", body=MERGE, response=CUSTOMER,
       summary="Merge another customer into this one (identities, tickets, interactions move)")
def merge_customer(customer_id: str, body):
    target = customers.get(db.session, customer_id)
    merged = identity.merge(target.id, body["other_id"], actor_id=current_agent().id)
    db.session.expire_all()
    return jsonify(customer_dict(customers.get(db.session, merged.id)))
