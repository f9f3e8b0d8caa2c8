"""console: sla, routing, workspace

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk.models.base
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendar'))
    )
    op.create_table('ticket_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_tally'))
    )
    op.create_table('worker_cursor',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_cursor'))
    )
    op.create_table('agent_settings',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_settings_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', name=op.f('pk_agent_settings'))
    )
    op.create_table('business_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendar.id'], name=op.f('fk_business_holiday_calendar_id_business_calendar'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_holiday')),
    sa.UniqueConstraint('calendar_id', 'day', name=op.f('uq_business_holiday_calendar_id_day'))
    )
    op.create_table('macro',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('set_status', sa.String(length=16), nullable=True),
    sa.Column('set_priority', sa.String(length=16), nullable=True),
    sa.Column('set_queue_id', sa.Integer(), nullable=True),
    sa.Column('add_tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], name=op.f('fk_macro_created_by_id_agent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_queue_id'], ['queue.id'], name=op.f('fk_macro_set_queue_id_queue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_macro'))
    )
    op.create_table('queue_settings',
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('routing', sa.String(length=16), nullable=False),
    sa.Column('skill', sa.String(length=64), nullable=True),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('last_agent_id', sa.Integer(), nullable=True),
    sa.Column('reassign_offline', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendar.id'], name=op.f('fk_queue_settings_calendar_id_business_calendar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_queue_settings_queue_id_queue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('queue_id', name=op.f('pk_queue_settings'))
    )
    op.create_table('saved_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_saved_view_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view'))
    )
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_view_agent_id'), ['agent_id'], unique=False)

    op.create_table('sla_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('segment', sa.String(length=64), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('next_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('warn_minutes', sa.Integer(), nullable=False),
    sa.Column('escalate_priority', sa.Boolean(), nullable=False),
    sa.Column('notify_supervisors', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_sla_policy_queue_id_queue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policy'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['agent.id'], name=op.f('fk_notification_actor_id_agent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_notification_agent_id_agent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_notification_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_agent', ['agent_id', 'read_at', 'id'], unique=False)

    op.create_table('ticket_sla',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('first_response_due_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_response_due_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_reply_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('due_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_target', sa.String(length=20), nullable=True),
    sa.Column('warn_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('breached', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('breached_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('seen_version', sa.Integer(), nullable=False),
    sa.Column('seen_status', sa.String(length=16), nullable=False),
    sa.Column('seen_priority', sa.String(length=16), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('seen_assignee_id', sa.Integer(), nullable=True),
    sa.Column('seen_inbound_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendar.id'], name=op.f('fk_ticket_sla_calendar_id_business_calendar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policy.id'], name=op.f('fk_ticket_sla_policy_id_sla_policy'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_sla_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_sla'))
    )
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_sla_due_at', ['due_at', 'queue_id', 'channel'], unique=False)
        batch_op.create_index('ix_ticket_sla_open_breached', ['is_open', 'breached_at', 'queue_id', 'channel'], unique=False)
        batch_op.create_index('ix_ticket_sla_warn_at', ['warn_at'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_target', ['target_type', 'target_id', 'id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_ticket_floor', ['status', 'queue_id', 'channel', 'assignee_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_solved_at', ['solved_at'], unique=False)
        batch_op.create_index('ix_ticket_updated_at', ['updated_at'], unique=False)


    _create_tally_triggers()


def downgrade() -> None:
    _drop_tally_triggers()
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_updated_at')
        batch_op.drop_index('ix_ticket_solved_at')
        batch_op.drop_index('ix_ticket_floor')
        batch_op.drop_index('ix_ticket_created_at')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')

    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_sla_warn_at')
        batch_op.drop_index('ix_ticket_sla_open_breached')
        batch_op.drop_index('ix_ticket_sla_due_at')

    op.drop_table('ticket_sla')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_agent')

    op.drop_table('notification')
    op.drop_table('sla_policy')
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_view_agent_id'))

    op.drop_table('saved_view')
    op.drop_table('queue_settings')
    op.drop_table('macro')
    op.drop_table('business_holiday')
    op.drop_table('agent_settings')
    op.drop_table('worker_cursor')
    op.drop_table('ticket_tally')
    op.drop_table('business_calendar')


# Ticket counts kept by the database itself (see desk.models.service_levels.TicketTally): every
# insert, and every change of queue, channel, status or assignee, adds +1/-1 rows.
TALLY_COLUMNS = "queue_id, channel, status, assignee_id"


def _create_tally_triggers() -> None:
    bind = op.get_bind()
    op.execute(f"INSERT INTO ticket_tally ({TALLY_COLUMNS}, n) "
               f"SELECT {TALLY_COLUMNS}, count(*) FROM ticket GROUP BY {TALLY_COLUMNS}")
    if bind.dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION ticket_tally_change() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF NEW.queue_id IS NOT DISTINCT FROM OLD.queue_id AND NEW.channel = OLD.channel
                       AND NEW.status = OLD.status AND NEW.assignee_id IS NOT DISTINCT FROM OLD.assignee_id THEN
                        RETURN NEW;
                    END IF;
                    INSERT INTO ticket_tally ({TALLY_COLUMNS}, n)
                    VALUES (OLD.queue_id, OLD.channel, OLD.status, OLD.assignee_id, -1);
                END IF;
                INSERT INTO ticket_tally ({TALLY_COLUMNS}, n) VALUES (NEW.queue_id, NEW.channel, NEW.status, NEW.assignee_id, 1);
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER ticket_tally_change AFTER INSERT OR UPDATE ON ticket "
                   "FOR EACH ROW EXECUTE FUNCTION ticket_tally_change()")
    else:
        op.execute(f"""
            CREATE TRIGGER ticket_tally_insert AFTER INSERT ON ticket BEGIN
                INSERT INTO ticket_tally ({TALLY_COLUMNS}, n) VALUES (NEW.queue_id, NEW.channel, NEW.status, NEW.assignee_id, 1);
            END""")
        op.execute(f"""
            CREATE TRIGGER ticket_tally_update AFTER UPDATE OF queue_id, channel, status, assignee_id ON ticket
            WHEN NEW.queue_id IS NOT OLD.queue_id OR NEW.channel IS NOT OLD.channel OR NEW.status IS NOT OLD.status
                 OR NEW.assignee_id IS NOT OLD.assignee_id
            BEGIN
                INSERT INTO ticket_tally ({TALLY_COLUMNS}, n) VALUES (OLD.queue_id, OLD.channel, OLD.status, OLD.assignee_id, -1);
                INSERT INTO ticket_tally ({TALLY_COLUMNS}, n) VALUES (NEW.queue_id, NEW.channel, NEW.status, NEW.assignee_id, 1);
            END""")


def _drop_tally_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_tally_change ON ticket")
        op.execute("DROP FUNCTION IF EXISTS ticket_tally_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ticket_tally_insert")
        op.execute("DROP TRIGGER IF EXISTS ticket_tally_update")
