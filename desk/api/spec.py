"""Declare an API route once: it is registered on the blueprint, guarded, its JSON body
validated against its schema, and described in the OpenAPI document from the same data."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from jsonschema import Draft202012Validator

from desk.errors import DeskError, Forbidden, Invalid
from desk.extensions import csrf
from desk.services import auth

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthorized(DeskError):
    status = 401
    code = "unauthorized"


class PayloadTooLarge(DeskError):
    status = 413
    code = "too_large"


@dataclass
class Operation:
    path: str  # Flask rule, relative to the blueprint
    method: str
    endpoint: str
    summary: str
    role: str | None  # None: public
    params: list[dict] = field(default_factory=list)
    body: dict | None = None
    response: dict | None = None
    status: int = 200
    tag: str = "tickets"


OPERATIONS: list[Operation] = []


def query_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def current_agent():
    return g.api_agent


def _authenticate(role: str) -> None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        agent = auth.agent_for_token(header[7:].strip())
        if agent is None:
            raise Unauthorized("the bearer token is unknown or revoked")
    elif current_user and current_user.is_authenticated:
        agent = current_user._get_current_object()
        if request.method not in SAFE_METHODS:
            csrf.protect()  # a browser session must prove the request came from our pages
    else:
        raise Unauthorized("send Authorization: Bearer <token>")
    if not agent.has_role(role):
        raise Forbidden(f"this needs the {role} role")
    g.api_agent = agent


def _json_body(schema: dict) -> Any:
    limit = current_app.config["API_MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if not request.is_json:
        raise Invalid("send a JSON body with Content-Type: application/json", code="bad_request")
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("the body is not valid JSON", code="bad_request")
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.path)
        raise Invalid(f"{where + ': ' if where else ''}{err.message}", field=where or None)
    return data


def route(bp: Blueprint, path: str, method: str, *, summary: str, role: str | None = "agent",
          params: list[dict] | None = None, body: dict | None = None, response: dict | None = None,
          status: int = 200, tag: str = "tickets") -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(**kwargs):
            if role is not None:
                _authenticate(role)
            if body is not None:
                kwargs["body"] = _json_body(body)
            return view(**kwargs)

        endpoint = view.__name__
        bp.add_url_rule(path, endpoint, wrapped, methods=[method])
        OPERATIONS.append(Operation(path, method, endpoint, summary, role, params or [], body, response,
                                    status, tag))
        return wrapped

    return decorator


_RULE_VAR = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    return _RULE_VAR.sub(lambda m: "{" + m.group(2) + "}", rule)


def document(prefix: str) -> dict:
    paths: dict[str, dict] = {}
    error = {"$ref": "#/components/schemas/Error"}
    for op in OPERATIONS:
        path_params = [
            {"name": m.group(2), "in": "path", "required": True,
             "schema": {"type": "integer"} if m.group(1) == "int" else {"type": "string"}}
            for m in _RULE_VAR.finditer(op.path)
        ]
        responses: dict[str, Any] = {
            str(op.status): {"description": "success",
                             **({"content": {"application/json": {"schema": op.response}}} if op.response else {})},
            "400": {"description": "malformed request", "content": {"application/json": {"schema": error}}},
            "404": {"description": "not found", "content": {"application/json": {"schema": error}}},
            "422": {"description": "invalid input", "content": {"application/json": {"schema": error}}},
        }
        if op.role:
            responses["401"] = {"description": "no or bad token", "content": {"application/json": {"schema": error}}}
            responses["403"] = {"description": f"needs the {op.role} role",
                                "content": {"application/json": {"schema": error}}}
        item: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": path_params + op.params,
            "responses": responses,
            "security": [{"bearer": []}] if op.role else [],
        }
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        paths.setdefault(prefix + openapi_path(op.path), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "desk API", "version": "1",
                 "description": "Tickets, customers and their timeline across every channel."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}}},
        },
    }
