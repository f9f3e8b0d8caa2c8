"""Chat events on the agents' ``/console`` namespace: presence, the chat desk's state, accept,
send, typing, read receipts, transfer, invite, end. Each checks the agent's right to the chat."""
from __future__ import annotations

import logging
from functools import wraps

from flask import request
from flask import session as socket_session
from flask_socketio import join_room

from channels.chat import service
from desk.errors import DeskError
from desk.extensions import db, socketio
from desk.realtime.fanout import emit
from desk.services import access, presence
from desk.services.prepared import read_connection

log = logging.getLogger(__name__)
NS = "/console"


def _agent() -> access.Actor:
    """The socket's agent as they are now (role, queues, active), read for every event."""
    agent_id = socket_session.get("console_agent_id")
    agent = None
    if agent_id:
        with read_connection() as raw:
            agent = access.actor(raw, agent_id)
    if agent is None or not agent.is_active:
        raise DeskError("sign in again", code="unauthorized")
    return agent


def handler(fn):
    @wraps(fn)
    def wrapper(data=None):
        try:
            if data is not None and not isinstance(data, dict):
                return {"error": {"code": "bad_request", "message": "send an object"}}
            return fn(_agent(), data or {})
        except DeskError as exc:
            db.session.rollback()
            return exc.to_dict()
        except Exception:
            db.session.rollback()
            log.exception("console chat event %s failed", fn.__name__)
            return {"error": {"code": "internal", "message": "internal error; it has been logged"}}
        finally:
            db.session.remove()
    return wrapper


@handler
def presence_hello(agent, data):  # noqa: ARG001
    if not socket_session.get("presence_counted"):
        socket_session["presence_counted"] = True
        status = presence.connected(agent.id)
    else:
        status = presence.heartbeat(agent.id)
    return {"status": status}


@handler
def presence_ping(agent, data):  # noqa: ARG001
    return {"status": presence.heartbeat(agent.id)}


@handler
def presence_set(agent, data):
    return {"status": presence.set_status(agent.id, data.get("status"))}


@handler
def presence_board(agent, data):  # noqa: ARG001
    if not agent.has_role("supervisor"):
        raise DeskError("supervisors only", code="forbidden")
    return {"board": presence.board(db.session)}


def on_disconnect(*_args):
    agent_id = socket_session.get("console_agent_id")
    if agent_id and socket_session.get("presence_counted"):
        try:
            presence.disconnected(agent_id)
        except Exception:
            log.exception("presence update on disconnect failed")
        finally:
            db.session.remove()


@handler
def chat_list(agent, data):  # noqa: ARG001
    return service.desk_state(agent)


@handler
def chat_open(agent, data):
    """The desk shows a chat: its messages, and its ticket's live events from now on."""
    cs = service.get_for_agent(agent, data.get("chat"))
    join_room(f"ticket:{cs.ticket_id}")
    return {"chat": service._chat_payload(db.session, cs), "messages": service.history(cs)}


@handler
def chat_accept(agent, data):
    cs = service.accept(agent, data.get("chat"))
    join_room(f"ticket:{cs.ticket_id}")
    return {"chat": service._chat_payload(db.session, cs)}


@handler
def chat_send(agent, data):
    sent = service.agent_send(agent, data.get("chat"), data.get("client_id"), data.get("body"))
    return {"id": sent.interaction["id"]}


@handler
def chat_typing(agent, data):
    cs = service.get_for_agent(agent, data.get("chat"), row=True)
    emit("typing", {"typing": bool(data.get("typing")), "name": agent.display_name},
         [f"chat:{cs.ticket_id}"], namespace="/chat")
    emit("chat.typing", {"chat_id": cs.id, "ticket_id": cs.ticket_id, "typing": bool(data.get("typing")),
                         "agent": {"id": agent.id, "name": agent.display_name}, "sid": request.sid},
         [f"ticket:{cs.ticket_id}"])
    return {"ok": True}


@handler
def chat_read(agent, data):
    service.agent_read(agent, data.get("chat"), data.get("id"))
    return {"ok": True}


@handler
def chat_transfer(agent, data):
    cs = service.transfer(agent, data.get("chat"), to_agent=data.get("agent"), to_queue=data.get("queue"))
    return {"chat": service._chat_payload(db.session, cs)}


@handler
def chat_invite(agent, data):
    cs = service.invite(agent, data.get("chat"), data.get("agent"))
    return {"chat": service._chat_payload(db.session, cs)}


@handler
def chat_end(agent, data):
    cs = service.end_by_agent(agent, data.get("chat"))
    return {"chat": service._chat_payload(db.session, cs)}


EVENTS = {
    "presence.hello": presence_hello, "presence.ping": presence_ping, "presence.set": presence_set,
    "presence.board": presence_board, "chat.list": chat_list, "chat.open": chat_open, "chat.accept": chat_accept,
    "chat.send": chat_send, "chat.typing": chat_typing, "chat.read": chat_read, "chat.transfer": chat_transfer,
    "chat.invite": chat_invite, "chat.end": chat_end,
}


def register() -> None:
    for name, fn in EVENTS.items():
        socketio.on(name, namespace=NS)(fn)
    from desk.realtime.console import DISCONNECT_HOOKS

    if on_disconnect not in DISCONNECT_HOOKS:
        DISCONNECT_HOOKS.append(on_disconnect)
