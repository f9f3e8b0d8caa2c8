"""ticket links: merged, split and related tickets

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_agent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_agent_id'], ['agent.id'], name=op.f('fk_ticket_link_actor_agent_id_agent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['other_id'], ['ticket.id'], name=op.f('fk_ticket_link_other_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_link_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_link')),
    sa.UniqueConstraint('ticket_id', 'other_id', 'kind', name=op.f('uq_ticket_link_ticket_id_other_id_kind'))
    )
    op.create_index('ix_ticket_link_other_id', 'ticket_link', ['other_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_link_other_id', table_name='ticket_link')
    op.drop_table('ticket_link')
