"""The ``/chat`` Socket.IO namespace for website visitors (the widget and the /chat page).

Handlers check the Origin and the signed visitor id, call the chat service and answer with an
acknowledgement; they hold no logic of their own. Errors come back as
``{"error": {"code", "message"}}`` in the acknowledgement, never as a dropped connection.
"""
from __future__ import annotations

import logging
from functools import wraps

from flask import current_app, request
from flask import session as socket_session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from channels.chat import service, tokens
from channels.chat.live import chat_room
from desk.errors import DeskError
from desk.extensions import db, socketio

log = logging.getLogger(__name__)


def origin_allowed(origin: str | None, environ: dict) -> bool:
    """No Origin (not a browser) is fine; a browser's Origin must be ours or a configured site."""
    if not origin:
        return True
    config = current_app.config
    allowed = set(config.get("CHAT_ALLOWED_ORIGINS") or []) | set(config.get("ALLOWED_ORIGINS") or [])
    host = environ.get("HTTP_HOST")
    if host:
        allowed.add(f"{environ.get('wsgi.url_scheme', 'http')}://{host}")
    return origin.rstrip("/") in allowed


def _error(exc: DeskError) -> dict:
    return exc.to_dict()


def handler(fn):
    """Turn service errors into error acknowledgements; always release the database session."""
    @wraps(fn)
    def wrapper(self, data=None):
        try:
            if data is not None and not isinstance(data, dict):
                return {"error": {"code": "bad_request", "message": "send an object"}}
            return fn(self, data or {})
        except DeskError as exc:
            db.session.rollback()
            return _error(exc)
        except Exception:
            db.session.rollback()
            log.exception("chat event %s failed", fn.__name__)
            return {"error": {"code": "internal", "message": "internal error; it has been logged"}}
        finally:
            db.session.remove()
    return wrapper


class ChatNamespace(Namespace):
    def on_connect(self, auth=None):
        if not origin_allowed(request.headers.get("Origin"), request.environ):
            raise ConnectionRefusedError("origin_not_allowed")
        auth = auth if isinstance(auth, dict) else {}
        visitor = None
        if auth.get("visitor") is not None:
            visitor = tokens.visitor_from(current_app.config["SECRET_KEY"], auth.get("visitor"))
            if visitor is None:
                raise ConnectionRefusedError("bad_visitor")
        socket_session["chat_visitor"] = visitor
        socket_session["chat_origin"] = request.headers.get("Origin")
        if visitor is None:
            return True
        try:
            cs = service.current_session(visitor, include_ended=True)
            if cs is not None and cs.ticket_id is not None:
                last_id = auth.get("last_id")
                last_id = last_id if type(last_id) is int and last_id >= 0 else 0
                self._resume(cs, last_id)
        finally:
            db.session.remove()
        return True

    def _resume(self, cs, last_id: int) -> None:
        # Replay and join under the conversation's lock: nothing committed in this process can
        # slip in between (missed) or be sent twice (replayed and live).
        with service.conversation_lock(cs.ticket_id):
            for message in service.history(cs, after=last_id):
                emit("message", message)
            join_room(chat_room(cs.ticket_id))
        emit("state", {"status": cs.status, "ticket": _number(cs),
                       "agent": {"name": cs.agent.display_name} if cs.agent else None})

    def _visitor(self) -> str:
        visitor = socket_session.get("chat_visitor")
        if not visitor:
            raise DeskError("start a chat first", code="no_chat")
        return visitor

    def _session(self) -> service.ChatRow:
        """The visitor's open chat as its ``ChatRow`` (one prepared statement, read for every event):
        the socket's signed visitor id selects it, so a visitor only ever reaches their own chat."""
        cs = service.visitor_row(self._visitor())
        if cs is None:
            raise DeskError("start a chat first", code="no_chat")
        return cs

    @handler
    def on_start(self, data):
        visitor = socket_session.get("chat_visitor")
        if not visitor or service.current_session(visitor) is None:
            service.limit_starts(request.remote_addr)
        if not visitor:
            visitor = tokens.new_visitor_id()
            socket_session["chat_visitor"] = visitor
        cs, first = service.start(
            visitor, name=data.get("name"), email=data.get("email"), email_hmac=data.get("email_hmac"),
            topic=data.get("topic"), locale=data.get("locale"), body=data.get("body"),
            client_id=data.get("client_id"), origin=socket_session.get("chat_origin"))
        join_room(chat_room(cs.ticket_id))
        ack = {"visitor": tokens.sign_visitor(current_app.config["SECRET_KEY"], visitor), "ticket": _number(cs),
               "status": cs.status}
        if first is not None:
            ack["id"] = first.id
        if cs.status == "offline":
            ack["offline_reason"] = service.availability(db.session, cs.queue_id).reason or "no_agent"
            ack["email_known"] = bool(cs.email)
        return ack

    @handler
    def on_message(self, data):
        cs = self._session()
        with service.conversation_lock(cs.ticket_id):
            received = service.post(cs, data.get("client_id"), data.get("body"))
        if received.ticket_id != cs.ticket_id:
            join_room(chat_room(received.ticket_id))
        return {"id": received.interaction_id}

    @handler
    def on_typing(self, data):
        cs = self._session()
        from desk.realtime.fanout import emit as fan

        fan("chat.typing", service.visitor_typing(cs, bool(data.get("typing")), data.get("preview")),
            [f"ticket:{cs.ticket_id}"])
        return {"ok": True}

    @handler
    def on_read(self, data):
        cs = self._session()
        service.visitor_read(cs, data.get("id"))
        return {"ok": True}

    @handler
    def on_end(self, data):
        cs = self._session()
        service.end_by_visitor(cs, transcript=bool(data.get("transcript")))
        return {"ok": True}

    @handler
    def on_transcript(self, data):  # noqa: ARG002
        cs = service.current_session(self._visitor(), include_ended=True)
        if cs is None:
            raise DeskError("start a chat first", code="no_chat")
        sent = service.send_transcript(cs.id)
        return {"ok": True, "sent": sent is not None}

    @handler
    def on_config(self, data):
        """What the widget shows before a chat: texts in the visitor's language, topics, availability."""
        from channels.chat.strings import topic_list
        from channels.chat.views import widget_strings

        now = service.availability(db.session, None)
        return {"strings": widget_strings(data.get("locale")), "topics": topic_list(db.session),
                "open": now.open, "offline_reason": now.reason,
                "max_chars": current_app.config["CHAT_MAX_MESSAGE_CHARS"]}

    @handler
    def on_suggest(self, data):
        return {"items": service.suggestions(data.get("query"), data.get("locale"))}

    @handler
    def on_deflected(self, data):
        visitor = socket_session.get("chat_visitor")
        if not visitor:
            visitor = tokens.new_visitor_id()
            socket_session["chat_visitor"] = visitor
        service.deflected(visitor, data.get("article_id"), data.get("title"), data.get("query"))
        return {"ok": True, "visitor": tokens.sign_visitor(current_app.config["SECRET_KEY"], visitor)}


def _number(cs) -> int | None:
    if cs.ticket_id is None:
        return None
    from desk.models import Ticket

    ticket = db.session.get(Ticket, cs.ticket_id)
    return ticket.number if ticket else None


def register() -> None:
    socketio.on_namespace(ChatNamespace("/chat"))
