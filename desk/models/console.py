"""The console's tables in one import: SLA clocks, routing settings, the agents' workspace."""
from .routing import AgentSettings, QueueSettings  # noqa: F401
from .service_levels import BusinessCalendar, Holiday, SlaPolicy, TicketSla, TicketTally, WorkerCursor  # noqa: F401
from .workspace import Macro, Notification, SavedView  # noqa: F401

__all__ = ["AgentSettings", "BusinessCalendar", "Holiday", "Macro", "Notification", "QueueSettings",
           "SavedView", "SlaPolicy", "TicketSla", "TicketTally", "WorkerCursor"]

# Indexes the console's background loop and reports read the ticket table by.
from sqlalchemy import Index  # noqa: E402

from .system import AuditLog  # noqa: E402
from .ticket import Ticket  # noqa: E402

Index("ix_ticket_updated_at", Ticket.updated_at)
Index("ix_ticket_created_at", Ticket.created_at)
# The reports' range scans read only this index (see desk.services.reports).
Index("ix_ticket_created_report", Ticket.created_at, Ticket.channel, Ticket.queue_id, Ticket.assignee_id,
      Ticket.first_response_at, Ticket.solved_at)
# The reports' counts of solved tickets (the backlog), with their filters, read only this one.
Index("ix_ticket_solved_report", Ticket.solved_at, Ticket.channel, Ticket.queue_id, Ticket.assignee_id)
# Covers the floor's grouped counts and the agents' load (no table reads for either).
Index("ix_ticket_floor", Ticket.status, Ticket.queue_id, Ticket.channel, Ticket.assignee_id, Ticket.created_at)
Index("ix_audit_log_target", AuditLog.target_type, AuditLog.target_id, AuditLog.id)
