"""Live chat sessions: start, visitor messages, agent replies, accept / transfer / invite / end,
read receipts, transcripts, deflections and the visitor's e-mail identity.

Callers (the sockets, pages, reply delivery, demo and tests) use this module; the work is done in
three others:

- ``channels.chat.conversation``: what both sides share: the per-conversation lock, the shapes
  of chats and messages, the history, availability, input checks, ending a chat;
- ``channels.chat.visitors``: the visitor's side: start, messages, read receipts, typing, end,
  deflections, suggestions, the e-mail identity and transcripts;
- ``channels.chat.agents``: the agents' side: accept, replies, read receipts, transfer, invite,
  end, and the chat desk's state.

Every customer message goes through ``desk.services.intake`` (channel ``chat``, the
visitor as sender, ``<visitor>:<client_id>`` as external id so a retry is the same message, the
chat session as thread hint); every agent message through ``desk.services.replies.record`` with
channel ``chat`` and ``agent:<id>:<client_id>`` as external id. Their Interaction ids are the
message ids the visitor sees; they increase, so ``last_id`` says exactly what a client missed.
"""
from __future__ import annotations

from channels.chat.agents import (
    accept, agent_read, agent_send, claim_live, deflection_stats, desk_state, end_by_agent, get_for_agent, invite,
    transfer,
)
from channels.chat.conversation import (
    ChatRow, _chat_payload, availability, chat_row, conversation_lock, history, message_dict, visitor_row,
)
from channels.chat.visitors import (
    confirm_email, current_session, deflected, end_by_visitor, limit_starts, post, send_transcript, start,
    suggestions, visitor_read, visitor_typing,
)

__all__ = [
    "ChatRow", "_chat_payload", "accept", "agent_read", "agent_send", "availability", "claim_live", "confirm_email",
    "conversation_lock", "current_session", "deflected", "deflection_stats", "desk_state", "end_by_agent",
    "end_by_visitor", "get_for_agent", "history", "invite", "limit_starts", "message_dict", "post",
    "send_transcript", "start", "suggestions", "transfer", "visitor_read", "visitor_row", "visitor_typing",
]
