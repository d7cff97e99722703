"""SMS outbox, the users' SMS opt-out and the caseworker of a stay

Revision ID: 0005_outbox
Revises: 0004_open_stays_index
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_outbox'
down_revision = '0004_open_stays_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('stays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caseworker_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stays_caseworker_id'), ['caseworker_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stays_caseworker_id_users'), 'users', ['caseworker_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table(
        'outbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_number', sa.String(length=20), nullable=False),
        sa.Column('body', sa.String(length=640), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('provider_sid', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('resend_of_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'unknown')",
                           name=op.f('ck_outbound_messages_status_allowed')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbound_messages_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['resend_of_id'], ['outbound_messages.id'],
                                name=op.f('fk_outbound_messages_resend_of_id_outbound_messages'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbound_messages_dedupe_key')),
        sa.UniqueConstraint('provider_sid', name=op.f('uq_outbound_messages_provider_sid')),
    )
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_resend_of_id'), ['resend_of_id'], unique=False)


def downgrade():
    op.drop_table('outbound_messages')
    with op.batch_alter_table('stays', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stays_caseworker_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stays_caseworker_id'))
        batch_op.drop_column('caseworker_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sms_opt_out')
