"""Admin page "Channels": per channel, what customers write to and what is configured.

Each loaded channel contributes its section (``channels.base.add_settings_section``); this page
adds the two settings the database holds (the default queue, and per queue whether new mail is
acknowledged) and shows the rest, which comes from the environment, read-only. Admins only.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import login_required
from sqlalchemy import select

from channels.base import settings_sections
from desk.console.admin import CsrfForm, _admin, _done, _failed, _id, _posted, bp
from desk.errors import DeskError, Invalid
from desk.extensions import db
from desk.i18n import gettext as _
from desk.models import Queue
from desk.services import channel_settings


@bp.get("/channels")
@login_required
def channels():
    _admin()
    config = current_app.config
    sections = [(section, section.describe(config)) for section in settings_sections(current_app)]
    return render_template("console/admin/channels.html", sections=sections,
                           queues=list(db.session.scalars(select(Queue).order_by(Queue.name))),
                           default=channel_settings.default_queue(db.session), public_url=config["PUBLIC_URL"],
                           form=CsrfForm(), tab="channels")


@bp.post("/channels/default-queue")
@login_required
def save_default_queue():
    admin = _posted()
    try:
        queue_id = _id(request.form.get("queue"))
        if queue_id is None:
            raise Invalid("choose a queue", field="queue")
        queue = channel_settings.set_default_queue(queue_id, actor_id=admin.id)
    except DeskError as exc:
        return _failed(".channels", exc)
    return _done(".channels", _("New conversations that name no queue now go to %(queue)s.", queue=queue.name))


@bp.post("/channels/queues/<int:queue_id>/acknowledgement")
@login_required
def save_acknowledgement(queue_id: int):
    admin = _posted()
    try:
        queue = channel_settings.set_acknowledgement(queue_id, request.form.get("send_acknowledgement") == "1",
                                                     actor_id=admin.id)
    except DeskError as exc:
        return _failed(".channels", exc, _anchor="email")
    message = (_("%(queue)s acknowledges new mail.", queue=queue.name) if queue.send_acknowledgement
               else _("%(queue)s no longer acknowledges new mail.", queue=queue.name))
    return _done(".channels", message, _anchor="email")
