"""The ``/console`` Socket.IO namespace for agents: authenticate, join rooms, hand on."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_socketio import Namespace, disconnect, join_room, leave_room

from desk.extensions import db, socketio
from desk.models import Agent, Ticket
from desk.realtime import viewers
from desk.services import access, auth


def _agent_from_auth(auth_data) -> Agent | None:
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()
    token = (auth_data or {}).get("token") if isinstance(auth_data, dict) else None
    return auth.agent_for_token(token) if token else None


def _origin_ok() -> bool:
    """Only our own pages (and ALLOWED_ORIGINS) may open the console socket: Engine.IO also admits
    the chat widget's sites, which must never ride on an agent's cookies."""
    from flask import current_app

    origin = request.headers.get("Origin")
    if not origin:
        return True
    own = f"{request.environ.get('wsgi.url_scheme', 'http')}://{request.host}"
    return origin.rstrip("/") in {own, *(current_app.config.get("ALLOWED_ORIGINS") or [])}


# Called when a console socket closes (a namespace has one disconnect handler).
DISCONNECT_HOOKS: list = []


class ConsoleNamespace(Namespace):
    def on_connect(self, auth_data=None):
        if not _origin_ok():
            return False
        agent = _agent_from_auth(auth_data)
        if agent is None or not agent.is_active:
            return False  # refuses the connection
        from flask import session as http_session

        http_session["console_agent_id"] = agent.id  # Socket.IO keeps a per-connection session
        join_room(f"agent:{agent.id}")
        if agent.has_role("supervisor"):
            join_room("staff")
        for queue in agent.queues:
            join_room(f"queue:{queue.id}")
        db.session.remove()
        return True

    def _agent(self) -> Agent | None:
        from flask import session as http_session

        agent_id = http_session.get("console_agent_id")
        agent = db.session.get(Agent, agent_id) if agent_id else None
        if agent is None or not agent.is_active:
            disconnect()
            return None
        return agent

    def _ticket(self, data) -> tuple[Agent, Ticket] | None:
        agent = self._agent()
        if agent is None:
            return None
        try:
            ticket_id = int((data or {}).get("ticket_id"))
        except (TypeError, ValueError, AttributeError):
            return None
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None or not access.can_view_ticket(agent, ticket):
            return None
        return agent, ticket

    def on_join_ticket(self, data):
        try:
            found = self._ticket(data)
            if found is None:
                return {"ok": False, "error": "forbidden"}
            join_room(f"ticket:{found[1].id}")
            viewers.joined(found[1].id, found[0], request.sid)  # collision: who else has it open
            return {"ok": True, "version": found[1].version}
        finally:
            db.session.remove()

    def on_leave_ticket(self, data):
        try:
            found = self._ticket(data)
            if found is not None:
                leave_room(f"ticket:{found[1].id}")
                viewers.left(found[1].id, request.sid)
            return {"ok": True}
        finally:
            db.session.remove()

    def on_disconnect(self, *args):
        viewers.gone(request.sid)
        for hook in DISCONNECT_HOOKS:  # e.g. presence: one handler per event, so others hook in here
            hook()

    def on_typing(self, data):
        try:
            found = self._ticket(data)
            if found is None:
                return {"ok": False, "error": "forbidden"}
            agent, ticket = found
            from desk.realtime import fanout

            fanout.emit("typing", {"ticket_id": ticket.id, "agent": {"id": agent.id, "name": agent.display_name},
                                   "sid": request.sid}, [f"ticket:{ticket.id}"])
            return {"ok": True}
        finally:
            db.session.remove()


def register() -> None:
    socketio.on_namespace(ConsoleNamespace("/console"))
