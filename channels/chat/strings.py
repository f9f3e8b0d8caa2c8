"""Every text the widget and the chat desk show, through Flask-Babel (Korean and English)."""
from __future__ import annotations

from desk.i18n import gettext as _
from desk.i18n import pgettext


def widget_strings() -> dict[str, str]:
    return {
        "launcher": _("Chat with us"),
        "title": _("Customer support"),
        "subtitle": _("We usually answer within a few minutes"),
        "close": _("Close chat window"),
        "minimize": _("Minimize"),
        "name": _("Name"),
        "email": _("Email (optional)"),
        "email_required": _("Email"),
        "topic": _("Topic"),
        "question": _("Your question"),
        "question_placeholder": _("Tell us what you need help with"),
        "start": _("Start chat"),
        "suggested": _("These articles may answer your question"),
        "solved": _("This answered my question"),
        "message": _("Message"),
        "message_placeholder": _("Type a message…"),
        "send": _("Send"),
        "sending": _("Sending…"),
        "failed": _("Not sent yet; retrying"),
        "read": _("Read"),
        "typing": _("{name} is typing…"),
        "agent": _("Agent"),
        "you": _("You"),
        "waiting": _("Waiting for an agent…"),
        "joined": _("{name} joined the chat"),
        "offline_no_agent": _("No agent is available right now. Leave your message and we will answer by email."),
        "offline_closed_hours": _("We are outside our chat hours. Leave your message and we will answer by email."),
        "offline_closed_holiday": _("We are closed today for a holiday. Leave your message and we will answer by email."),
        "offline_need_email": _("Add your email address so we can answer you."),
        "end": _("End chat"),
        "ended": _("The chat has ended."),
        "ended_by_agent": _("The agent ended the chat."),
        "transcript": _("Email me the transcript"),
        "transcript_sent": _("The transcript is on its way to your inbox."),
        "transcript_failed": _("We have no confirmed email address for you."),
        "new_chat": _("Start a new chat"),
        "reconnecting": _("Reconnecting…"),
        "connected": _("Connected"),
        "error_too_large": _("That message is too long."),
        "error_rate": _("You are sending messages too quickly. Wait a moment."),
        "error_generic": _("Something went wrong. Try again."),
        "thanks_article": _("Glad that helped! You can still start a chat any time."),
        "chat_started": _("Chat started"),
        "new_message": _("New message"),
    }


def desk_strings() -> dict[str, str]:
    return {
        "waiting": pgettext("chat", "Waiting"), "mine": _("My chats"), "accept": _("Accept"), "end": _("End"),
        "transfer": _("Transfer"), "invite": _("Invite supervisor"), "send": _("Send"),
        "typing": _("{name} is typing…"), "visitor_typing": _("The customer is typing…"),
        "read": _("Read"), "ended": _("Chat ended"), "waited": _("waiting {t}"),
        "new_chat": _("New chat from {name}"), "taken": _("Someone else has already taken this chat."),
        "capacity": _("You are at your chat capacity."), "no_chats": _("No chats right now."),
        "visitor": _("Visitor"), "canned": _("Canned replies"), "timeline": _("Customer timeline"),
        "to_agent": _("To agent…"), "to_queue": _("To queue…"), "joined": _("{name} joined"),
        "offline": pgettext("presence", "Offline"), "online": _("Online"), "away": _("Away"), "error": _("Something went wrong."),
        "message_placeholder": _("Reply to the customer… (Enter sends, Shift+Enter for a new line)"),
        "ticket": _("Ticket"), "closed_by_visitor": _("The customer left the chat."),
        "invited": _("{name} invited you to a chat"),
    }


def canned_replies() -> list[str]:
    return [
        _("Hello! Thank you for contacting us. How can I help you?"),
        _("Let me check that for you. One moment, please."),
        _("Could you tell me your order number?"),
        _("Thank you for waiting."),
        _("Is there anything else I can help you with?"),
        _("Thank you for chatting with us. Have a good day!"),
    ]


def topic_list(session) -> list[dict]:
    from sqlalchemy import select

    from desk.models import Queue

    return [{"slug": q.slug, "name": q.name} for q in session.scalars(select(Queue).order_by(Queue.is_default.desc(),
                                                                                              Queue.name))]
