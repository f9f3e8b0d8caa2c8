"""live chat and agent presence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk.models.base
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_presence',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('connections', sa.Integer(), nullable=False),
    sa.Column('seen_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_presence_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', name=op.f('pk_agent_presence'))
    )
    op.create_table('chat_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('email_verified', sa.Boolean(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=True),
    sa.Column('participants', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('visitor_read_id', sa.Integer(), nullable=False),
    sa.Column('agent_read_id', sa.Integer(), nullable=False),
    sa.Column('deflected_article', sa.String(length=200), nullable=True),
    sa.Column('transcript_sent_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_chat_session_agent_id_agent')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_chat_session_customer_id_customer')),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_chat_session_queue_id_queue')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_chat_session_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_session')),
    sa.UniqueConstraint('token', name=op.f('uq_chat_session_token'))
    )
    with op.batch_alter_table('chat_session', schema=None) as batch_op:
        batch_op.create_index('ix_chat_session_agent', ['agent_id', 'status'], unique=False)
        batch_op.create_index('ix_chat_session_status', ['status', 'queue_id', 'id'], unique=False)
        batch_op.create_index('ix_chat_session_ticket', ['ticket_id'], unique=False)
        batch_op.create_index('ix_chat_session_visitor', ['visitor_id', 'id'], unique=False)

    op.create_table('chat_deflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['chat_session.id'], name=op.f('fk_chat_deflection_session_id_chat_session'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_deflection'))
    )
    with op.batch_alter_table('chat_deflection', schema=None) as batch_op:
        batch_op.create_index('ix_chat_deflection_visitor', ['visitor_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chat_deflection', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_deflection_visitor')

    op.drop_table('chat_deflection')
    with op.batch_alter_table('chat_session', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_session_visitor')
        batch_op.drop_index('ix_chat_session_ticket')
        batch_op.drop_index('ix_chat_session_status')
        batch_op.drop_index('ix_chat_session_agent')

    op.drop_table('chat_session')
    op.drop_table('agent_presence')
