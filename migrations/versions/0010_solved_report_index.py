"""reports count solved tickets from one covering index

The index on solved_at becomes (solved_at, channel, queue_id, assignee_id): the backlog's count of
tickets solved before a report's period and its solved-per-hour range read the index alone, also
when the report is filtered by channel, queue or agent. With the narrow index every solved ticket
before the period was read from the table to check its channel: 0.55 s of a 90-day chat report
on 1,000,000 tickets.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ticket_solved_report', 'ticket', ['solved_at', 'channel', 'queue_id', 'assignee_id'],
                    unique=False)
    op.drop_index('ix_ticket_solved_at', table_name='ticket')


def downgrade() -> None:
    op.create_index('ix_ticket_solved_at', 'ticket', ['solved_at'], unique=False)
    op.drop_index('ix_ticket_solved_report', table_name='ticket')
