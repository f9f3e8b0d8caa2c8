"""Console forms (Flask-WTF: every one carries a CSRF token)."""
from __future__ import annotations

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import (EmailField, HiddenField, IntegerField, PasswordField, RadioField, SelectChoice, SelectField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from desk.console.helpers import channel_labels, priority_labels, status_labels
from desk.i18n import gettext as _
from desk.i18n import lazy_gettext as _l
from desk.models import PRIORITIES, STATUSES, Agent, Queue, Ticket
from desk.services.replies import MAX_BODY, REPLY_CHANNELS

DRAFT_ID = re.compile(r"[0-9a-f]{32}")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""


class TicketForm(FlaskForm):
    status = SelectField(_l("Status"))
    priority = SelectField(_l("Priority"))
    queue = SelectField(_l("Queue"))
    assignee = SelectField(_l("Assignee"))
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class ReplyForm(FlaskForm):
    kind = RadioField(choices=[SelectChoice("reply", _l("Reply")), SelectChoice("note", _l("Internal note"))],
                      default="reply", validators=[InputRequired()])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Write a message first.")),
                                                    Length(max=MAX_BODY)])
    channel = SelectField(_l("Send via"), validate_choice=False)
    status = SelectField(_l("Then set status"), default="")
    # One id per composer as rendered: sending the same form again (a double click, a resend
    # after a dropped connection) finds the reply it already made instead of making a second one.
    draft = HiddenField()

    def draft_key(self, agent: Agent) -> str | None:
        value = (self.draft.data or "").strip()
        return f"console:{agent.id}:{value}" if DRAFT_ID.fullmatch(value) else None


def ticket_form(ticket: Ticket, agent: Agent, queues: list[Queue], assignees: list[Agent],
                formdata=None) -> TicketForm:
    """The properties form with choices this agent may pick and the ticket's current values."""
    defaults = {
        "status": ticket.status, "priority": ticket.priority,
        "queue": str(ticket.queue_id or ""), "assignee": str(ticket.assignee_id or ""),
        "version": ticket.version,
    }
    form = TicketForm(formdata=formdata, data=defaults)
    statuses = status_labels()
    form.status.choices = [SelectChoice(s, statuses[s]) for s in STATUSES]
    if ticket.status == "closed":
        form.status.choices = [SelectChoice("closed", statuses["closed"])]
    priorities = priority_labels()
    form.priority.choices = [SelectChoice(p, priorities[p]) for p in PRIORITIES]
    queue_choices = [SelectChoice(str(q.id), q.name) for q in queues]
    if ticket.queue is not None and str(ticket.queue_id) not in {c.value for c in queue_choices}:
        queue_choices.insert(0, SelectChoice(str(ticket.queue_id), ticket.queue.name))
    if ticket.queue is None:
        queue_choices.insert(0, SelectChoice("", "—"))
    form.queue.choices = queue_choices
    people = [SelectChoice("", _("Unassigned"))]
    seen = set()
    for person in [agent, ticket.assignee, *assignees]:
        if person is None or person.id in seen or not person.active:
            continue
        seen.add(person.id)
        name = _("%(name)s (me)", name=person.display_name) if person.id == agent.id else person.display_name
        people.append(SelectChoice(str(person.id), name))
    form.assignee.choices = people
    return form


def reply_channels(ticket: Ticket) -> list[str]:
    """Channels the customer can be answered on: those they have an identity for."""
    customer = ticket.customer
    return [channel for channel, kind in REPLY_CHANNELS.items() if customer.identity(kind)]


def default_reply_channel(ticket: Ticket, available: list[str]) -> str | None:
    if ticket.channel in available:
        return ticket.channel
    preferred = {"voice": "sms", "callback": "sms"}.get(ticket.channel)
    if preferred in available:
        return preferred
    return available[0] if available else None


def reply_form(ticket: Ticket, formdata=None) -> ReplyForm:
    available = reply_channels(ticket)
    form = ReplyForm(formdata=formdata)
    labels = channel_labels()
    form.channel.choices = [SelectChoice(c, labels[c]) for c in available]
    if formdata is None:
        form.draft.data = uuid.uuid4().hex
        form.channel.data = default_reply_channel(ticket, available)
        if not available:
            form.kind.data = "note"
    statuses = status_labels()
    form.status.choices = [SelectChoice("", _("Keep status"))] + [
        SelectChoice(s, statuses[s]) for s in ("open", "pending", "solved")]
    return form
