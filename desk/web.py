"""Application-wide web pieces: health check, relay endpoint, attachment downloads,
language switch, security headers and error pages."""
from __future__ import annotations

import socket

from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request,
                   send_file, session, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select, text
from werkzeug.exceptions import HTTPException

from desk.errors import DeskError
from desk.extensions import db
from desk.heartbeat import STALE as HEARTBEAT_STALE
from desk.models import Attachment, Heartbeat, Interaction, utcnow
from desk.services import access, attachments

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def healthz():
    status = {"database": "ok"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: this is what monitors read
        status["database"] = f"error: {type(exc).__name__}"
        healthy = False
    running = None
    if healthy:
        now = utcnow()
        running = set()
        for beat in db.session.scalars(select(Heartbeat).where(Heartbeat.role == "worker")):
            if now - beat.beat_at < HEARTBEAT_STALE:
                running.update((beat.info or {}).get("loops") or ["outbox"])
    # The loops may run in several worker processes (serve runs the mail drain on its own): all
    # of them must be alive for "ok".
    missing = sorted(worker_loops() - running) if running else []
    status["worker"] = "down" if not running else "degraded" if missing else "ok"
    if missing:
        status["worker_loops_down"] = missing
    status["smtp"] = _smtp_status()
    return jsonify(status=("ok" if healthy else "error"), **status), (200 if healthy else 503)


def worker_loops() -> set[str]:
    return {"outbox", *current_app.extensions.get("desk_workers", {})}


def _smtp_status() -> str:
    if not current_app.config.get("SMTP_ENABLED", False):
        return "disabled"
    try:
        with socket.create_connection((current_app.config["SMTP_HOST"], current_app.config["SMTP_PORT"]),
                                      timeout=1):
            return "ok"
    except OSError:
        return "down"


@bp.post("/internal/fanout")
def relay():
    from desk.realtime import fanout

    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(404)
    if not fanout.relay_in(request.get_data(), request.headers.get(fanout.RELAY_HEADER)):
        abort(403)
    return "", 204


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str):  # noqa: ARG001 (the name is for the browser)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.interaction_id is None:
        abort(404)
    interaction = db.session.get(Interaction, att.interaction_id)
    if not access.can_view_ticket(current_user, interaction.ticket):
        abort(404)
    path = attachments.path_for(att.sha256)
    if not path.exists():
        abort(404)
    if request.args.get("inline") and att.content_type in attachments.INLINE_IMAGE_TYPES:
        # A raster image shown in a mail body (cid:); never SVG or HTML, which could carry script.
        response = send_file(path, mimetype=att.content_type, as_attachment=False, max_age=0)
    else:
        response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                             download_name=att.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    target = request.args.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("console.index")
    return redirect(target)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/internal/") \
        or request.path == "/healthz"


def install(app) -> None:
    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            )
        return response

    @app.errorhandler(DeskError)
    def _desk_error(exc: DeskError):
        if _wants_json():
            return jsonify(exc.to_dict()), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            return jsonify({"error": {"code": code, "message": exc.description}}), exc.code
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": {"code": "internal", "message": "internal error; it has been logged"}}), 500
        return render_template("error.html", status=500, message="internal error; it has been logged"), 500
