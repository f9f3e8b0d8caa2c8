"""mail quarantine

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spool_id', sa.Integer(), nullable=True),
    sa.Column('received_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mail_from', sa.String(length=320), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('rcpt_to', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('message_id', sa.String(length=500), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_mail_quarantine_interaction_id_interaction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['agent.id'], name=op.f('fk_mail_quarantine_resolved_by_id_agent'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_quarantine'))
    )
    with op.batch_alter_table('mail_quarantine', schema=None) as batch_op:
        batch_op.create_index('ix_mail_quarantine_sha256', ['sha256'], unique=False)
        batch_op.create_index('ix_mail_quarantine_status', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mail_quarantine', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_quarantine_status')
        batch_op.drop_index('ix_mail_quarantine_sha256')

    op.drop_table('mail_quarantine')
