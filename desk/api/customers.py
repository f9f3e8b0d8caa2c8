"""Customers: search, read, timeline, merge."""
from __future__ import annotations

from flask import jsonify, request

from desk.api import bp, shapes
from desk.api.spec import ID, current_agent, parse_id, query_param, route
from desk.extensions import db
from desk.schemas import customer_dict, interaction_dict, ticket_dict
from desk.services import customers, identity, tickets


@route(bp, "/customers", "GET", summary="Search customers by name, email or phone", tag="customers",
       params=[query_param("q", "name, email or phone fragment"),
               query_param("limit", "1-200, default 50", shapes.LIMIT),
               query_param("cursor", "next_cursor of the previous page")],
       response=shapes.page("Customer"))
def list_customers():
    items, next_cursor = customers.search(db.session, request.args.get("q"), cursor=request.args.get("cursor"),
                                          limit=tickets.parse_limit(request.args.get("limit")))
    return jsonify(items=[customer_dict(c) for c in items], next_cursor=next_cursor)


@route(bp, "/customers/<customer_id>", "GET", summary="A customer with identities and ticket counts",
       tag="customers", response=shapes.ref("CustomerDetail"))
def get_customer(customer_id: str):
    customer = customers.get(db.session, parse_id(customer_id, "customer"))
    viewer = current_agent()
    recent, _ = tickets.list_tickets(db.session, viewer, customer=customer.id, limit=20)
    return jsonify({**customer_dict(customer), "ticket_counts": customers.ticket_counts(db.session, customer, viewer),
                    "recent_tickets": [ticket_dict(t) for t in recent]})


@route(bp, "/customers/<customer_id>/timeline", "GET", tag="customers",
       summary="Every interaction with the customer on any channel, newest first",
       params=[query_param("cursor", "next_cursor of the previous page"),
               query_param("limit", "1-200, default 50", shapes.LIMIT)],
       response=shapes.page("Interaction"))
def customer_timeline(customer_id: str):
    customer = customers.get(db.session, parse_id(customer_id, "customer"))
    items, next_cursor = customers.timeline(db.session, customer, current_agent(),
                                            cursor=request.args.get("cursor"),
                                            limit=tickets.parse_limit(request.args.get("limit")))
    return jsonify(items=[interaction_dict(i) for i in items], next_cursor=next_cursor)


MERGE = {"type": "object", "required": ["other_id"], "additionalProperties": False,
         "properties": {"other_id": {**ID, "description": "the customer that is merged away"}}}


@route(bp, "/customers/<customer_id>/merge", "POST", tag="customers", body=MERGE, response=shapes.ref("Customer"),
       errors={409: "one of the two was already merged into a third customer"},
       summary="Merge another customer into this one (identities, tickets, interactions move)")
def merge_customer(customer_id: str, body):
    target = customers.get(db.session, parse_id(customer_id, "customer"))
    merged = identity.merge(target.id, body["other_id"], actor_id=current_agent().id)
    db.session.expire_all()
    return jsonify(customer_dict(customers.get(db.session, merged.id)))
