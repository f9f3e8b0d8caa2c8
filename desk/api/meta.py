"""The OpenAPI document, the caller's own profile, and the queues."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from desk.api import bp, shapes
from desk.api.spec import current_agent, document, route
from desk.extensions import db
from desk.models import Queue
from desk.schemas import agent_dict, queue_dict


@route(bp, "/openapi.json", "GET", summary="This document", role=None, tag="meta",
       response={"type": "object", "description": "OpenAPI 3.1"})
def openapi():
    return jsonify(document())


@route(bp, "/me", "GET", summary="The agent the token belongs to", tag="meta", response=shapes.ref("Agent"))
def me():
    return jsonify(agent_dict(current_agent()))


@route(bp, "/queues", "GET", summary="All queues", tag="meta",
       response={"type": "object", "required": ["items"],
                 "properties": {"items": {"type": "array", "items": shapes.ref("QueueRef")}}})
def queues():
    return jsonify(items=[queue_dict(q) for q in db.session.scalars(select(Queue).order_by(Queue.name))])
