"""knowledge base and portal

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk.models.base
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name_ko', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('description_ko', sa.String(length=300), nullable=False),
    sa.Column('description_en', sa.String(length=300), nullable=False),
    sa.Column('icon', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_category')),
    sa.UniqueConstraint('slug', name=op.f('uq_kb_category_slug'))
    )
    op.create_table('portal_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_mail'))
    )
    with op.batch_alter_table('portal_mail', schema=None) as batch_op:
        batch_op.create_index('ix_portal_mail_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('kb_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('translation_group', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('source_ticket_id', sa.Integer(), nullable=True),
    sa.Column('helpful_yes', sa.Integer(), nullable=False),
    sa.Column('helpful_no', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['agent.id'], name=op.f('fk_kb_article_author_id_agent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['kb_category.id'], name=op.f('fk_kb_article_category_id_kb_category'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article'))
    )
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_group', ['translation_group'], unique=False)
        batch_op.create_index('ix_kb_article_status_locale', ['status', 'locale', 'category_id'], unique=False)

    op.create_table('portal_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_portal_login_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_login')),
    sa.UniqueConstraint('nonce_hash', name=op.f('uq_portal_login_nonce_hash'))
    )
    with op.batch_alter_table('portal_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_login_customer_id'), ['customer_id'], unique=False)

    op.create_table('csat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('asked_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_csat_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_csat_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_csat')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_csat_ticket_id'))
    )
    with op.batch_alter_table('csat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csat_customer_id'), ['customer_id'], unique=False)

    op.create_table('kb_deflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit', sa.String(length=64), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('contacted_at', desk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_deflection_article_id_kb_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_deflection')),
    sa.UniqueConstraint('visit', 'article_id', name=op.f('uq_kb_deflection_visit_article_id'))
    )
    with op.batch_alter_table('kb_deflection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_deflection_visit'), ['visit'], unique=False)

    op.create_table('kb_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_feedback_article_id_kb_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_feedback'))
    )
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_feedback_article_id'), ['article_id'], unique=False)

    op.create_table('kb_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', desk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_revision_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['agent.id'], name=op.f('fk_kb_revision_author_id_agent'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_revision'))
    )
    with op.batch_alter_table('kb_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_revision_article_id'), ['article_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kb_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_revision_article_id'))

    op.drop_table('kb_revision')
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_feedback_article_id'))

    op.drop_table('kb_feedback')
    with op.batch_alter_table('kb_deflection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_deflection_visit'))

    op.drop_table('kb_deflection')
    with op.batch_alter_table('csat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_csat_customer_id'))

    op.drop_table('csat')
    with op.batch_alter_table('portal_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_login_customer_id'))

    op.drop_table('portal_login')
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_status_locale')
        batch_op.drop_index('ix_kb_article_group')

    op.drop_table('kb_article')
    with op.batch_alter_table('portal_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_mail_due')

    op.drop_table('portal_mail')
    op.drop_table('kb_category')
