"""Public forms (Flask-WTF: each carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from desk.i18n import lazy_gettext as _l

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024


class ContactForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address so we can answer.")),
                                                Length(max=320)])
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Tell us in a few words what it is about.")),
                                                     Length(max=200)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(_l("Describe your question.")),
                                                       Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))
    nonce = HiddenField()


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")),
                                                Length(max=320)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that POSTs (signing in, signing out, closing)."""


class FeedbackForm(FlaskForm):
    helpful = RadioField(choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))], validators=[InputRequired()])
    comment = TextAreaField(_l("Anything we should add? (optional)"), validators=[Optional(), Length(max=2000)])


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(_l("Write a message first.")),
                                                       Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))
    nonce = HiddenField()


class CsatForm(FlaskForm):
    score = RadioField(_l("How satisfied are you?"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
                       validators=[InputRequired(_l("Pick a score from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
