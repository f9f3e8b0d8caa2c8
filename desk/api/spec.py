"""Declare an API route once: it is registered on the blueprint, guarded, its JSON body
validated against its schema, and described in the OpenAPI document from the same data."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from werkzeug.exceptions import RequestEntityTooLarge

from desk.api import shapes
from desk.errors import DeskError, Forbidden, Invalid, NotFound
from desk.extensions import csrf
from desk.services import MAX_ID, auth

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthorized(DeskError):
    status = 401
    code = "unauthorized"


class BadRequest(DeskError):
    status = 400
    code = "bad_request"


class PayloadTooLarge(DeskError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DeskError):
    status = 415
    code = "unsupported_media_type"


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@dataclass
class Operation:
    prefix: str  # the blueprint's url_prefix
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
    errors: dict[int, str] = field(default_factory=dict)  # more documented answers, e.g. {409: "..."}
    body_required: bool = True


OPERATIONS: list[Operation] = []


def query_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def current_agent():
    return g.api_agent


def parse_id(raw: str, what: str) -> int:
    """A path id as the database can hold it; anything else names nothing, so 404."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"{what} {raw[:40]!r} not found")
    return int(raw)


def _authenticate(role: str) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    if header.strip():
        if scheme.lower() != "bearer":
            raise Unauthorized(f"the {scheme[:20]!r} scheme is not supported; send Authorization: Bearer <token>")
        if not credentials.strip():
            raise Unauthorized("the bearer token is missing; send Authorization: Bearer <token>")
        agent = auth.agent_for_token(credentials.strip())
        if agent is None:
            raise Unauthorized("the bearer token is unknown or revoked")
    elif current_user and current_user.is_authenticated:
        agent = current_user._get_current_object()
        if request.method not in SAFE_METHODS:
            try:
                csrf.protect()  # a browser session must prove the request came from our pages
            except CSRFError as exc:
                raise Forbidden(f"{exc.description} A browser session must send the X-CSRFToken header.",
                                code="csrf_failed") from None
    else:
        raise Unauthorized("send Authorization: Bearer <token>")
    if not agent.has_role(role):
        raise Forbidden(f"this needs the {role} role")
    g.api_agent = agent


def _json_body(schema: dict) -> Any:
    limit = current_app.config["API_MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if not request.is_json:
        raise UnsupportedMediaType("send a JSON body with Content-Type: application/json")
    # A chunked body has no Content-Length; werkzeug then stops reading at max_content_length
    # without saying whether more was coming, so read one byte past the limit to find out.
    request.max_content_length = limit + 1
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes") from None
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         code="bad_json") from None
    except RecursionError:
        raise BadRequest("the body is not valid JSON: nested too deeply", code="bad_json") from None
    except ValueError:  # not UTF-8, or a number with thousands of digits
        raise BadRequest("the body is not valid JSON", code="bad_json") from None
    if not isinstance(data, dict):
        raise BadRequest(f"the body must be a JSON object, not {_json_type(data)}", code="bad_json")
    _check_text(data)
    error = best_match(Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        field_name, message = _describe(error)
        raise Invalid(message, field=field_name)
    return data


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), "null")


def _check_text(data: Any) -> None:
    """Refuse text no database can store: NUL characters and unpaired surrogates. Iterative:
    a body nested nearly as deep as the parser allows must not exhaust the stack here."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if "\x00" in value or _SURROGATE.search(value):
                raise Invalid(f"{where or 'the body'}: contains a NUL or an invalid unicode character",
                              field=where or None)
        elif isinstance(value, dict):
            stack.extend((key, where) for key in value)
            stack.extend((item, f"{where}.{key}"[:100].lstrip(".")) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{where}.{index}"[:100]) for index, item in enumerate(value))


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _describe(error) -> tuple[str | None, str]:
    """A short message naming the field, without echoing the (possibly huge) value back."""
    where = ".".join(str(p) for p in error.absolute_path)[:100]
    top = error
    while top.parent is not None:
        top = top.parent
    if top.validator in ("oneOf", "anyOf") and "description" in top.schema:
        where = ".".join(str(p) for p in top.absolute_path)[:100]
        return where or None, f"{where or 'the body'}: must be {top.schema['description']}"
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        missing = next((name for name in expected if name not in error.instance), expected[0])
        where = f"{where}.{missing}" if where else missing
        return where, f"{where}: is required"
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k)[:60] for k in error.instance if k not in allowed)
        name = f"{where}.{extra[0]}" if where else extra[0]
        return name, f"{name}: unknown field; allowed: {', '.join(sorted(allowed))}"
    label = where or "the body"
    messages = {
        "type": lambda: "must be " + " or ".join(_TYPE_NAMES.get(t, t) for t in _as_list(expected)),
        "enum": lambda: "must be one of " + ", ".join(map(str, expected)),
        "minLength": lambda: "must not be empty" if expected == 1 else f"needs at least {expected} characters",
        "maxLength": lambda: f"must be at most {expected} characters",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "minProperties": lambda: "must not be empty",
        "maxItems": lambda: f"must have at most {expected} items",
        "pattern": lambda: "must not be blank",
    }
    message = messages[kind]() if kind in messages else error.message[:200]
    return where or None, f"{label}: {message}"


_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "null"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def route(bp: Blueprint, path: str, method: str, *, summary: str, role: str | None = "agent",
          params: list[dict] | None = None, body: dict | None = None, response: dict | None = None,
          status: int = 200, tag: str = "tickets", errors: dict[int, str] | None = None,
          body_required: bool = True) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(**kwargs):
            _check_query()
            if role is not None:
                _authenticate(role)
            if body is not None:
                empty = not request.content_length and not request.headers.get("Transfer-Encoding")
                kwargs["body"] = {} if (empty and not body_required) else _json_body(body)
            return view(**kwargs)

        endpoint = view.__name__
        bp.add_url_rule(path, endpoint, wrapped, methods=[method])
        OPERATIONS.append(Operation(bp.url_prefix or "", path, method, endpoint, summary, role, params or [],
                                    body, response, status, tag, errors or {}, body_required))
        return wrapped

    return decorator


def _check_query() -> None:
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"query parameter {name[:40]!r} contains a NUL character", field=name[:40])


PATH_PARAMS = {"ticket_key": {
    "description": "the ticket's id, else its number; '#1234' (sent as %231234) is always the number",
    "schema": {"type": "string", "pattern": "^#?[0-9]+$"}}}
_RULE_VAR = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    return _RULE_VAR.sub(lambda m: "{" + m.group(2) + "}", rule)


def document() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path_params = [{"name": m.group(2), "in": "path", "required": True, **PATH_PARAMS.get(m.group(2), {
            "description": "an id", "schema": {"type": "string", "pattern": "^[0-9]+$"}})}
            for m in _RULE_VAR.finditer(op.path)]
        errors = {400: "malformed request", 422: "invalid input", **op.errors}
        if path_params:
            errors[404] = "not found (or not visible to you)"
        if op.role:
            errors |= {401: "no, unknown or revoked bearer token", 403: f"needs the {op.role} role, or a browser "
                                                                        "session sent no CSRF token"}
        if op.body is not None:
            errors |= {413: "body larger than the limit", 415: "body is not application/json"}
        responses: dict[str, Any] = {
            str(op.status): {"description": "success",
                             **({"content": {"application/json": {"schema": op.response}}} if op.response else {})},
            **{str(code): {"description": text, "content": {"application/json": {"schema": shapes.ref("Error")}}}
               for code, text in sorted(errors.items())},
        }
        item: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": path_params + op.params,
            "responses": responses,
            "security": [{"bearer": []}] if op.role else [],
        }
        if op.body is not None:
            item["requestBody"] = {"required": op.body_required,
                                   "content": {"application/json": {"schema": op.body}}}
        paths.setdefault(op.prefix + openapi_path(op.path), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "desk API", "version": "1",
                 "description": "Tickets, customers and their timeline across every channel. Errors are "
                                "JSON {\"error\": {\"code\", \"message\", \"field\"?}}."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": shapes.SCHEMAS,
        },
    }
