"""capacity rules and alerts

Revision ID: 0007_capacity_alerts
Revises: 0006_followups
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_capacity_alerts'
down_revision = '0006_followups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'capacity_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=True),
        sa.Column('max_free_beds', sa.Integer(), nullable=True),
        sa.Column('min_occupancy_percent', sa.Integer(), nullable=True),
        sa.Column('notify_recovery', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('is_low', sa.Boolean(), nullable=False),
        sa.Column('state_changed_at', sa.DateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("category IS NULL OR category IN ('women', 'girls', 'boys', 'mothers_with_children', 'men')",
                           name=op.f('ck_capacity_rules_category_allowed')),
        sa.CheckConstraint('max_free_beds IS NULL OR max_free_beds >= 0',
                           name=op.f('ck_capacity_rules_max_free_beds_range')),
        sa.CheckConstraint('min_occupancy_percent IS NULL OR (min_occupancy_percent BETWEEN 1 AND 100)',
                           name=op.f('ck_capacity_rules_min_occupancy_percent_range')),
        sa.CheckConstraint('max_free_beds IS NOT NULL OR min_occupancy_percent IS NOT NULL',
                           name=op.f('ck_capacity_rules_has_threshold')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_capacity_rules_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_capacity_rules_facility_id_facilities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_rules')),
    )
    with op.batch_alter_table('capacity_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_rules_facility_id'), ['facility_id'], unique=False)

    op.create_table(
        'capacity_rule_recipients',
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['capacity_rules.id'],
                                name=op.f('fk_capacity_rule_recipients_rule_id_capacity_rules'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_capacity_rule_recipients_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('rule_id', 'user_id', name=op.f('pk_capacity_rule_recipients')),
    )
    with op.batch_alter_table('capacity_rule_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_rule_recipients_user_id'), ['user_id'], unique=False)

    op.create_table(
        'capacity_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('free_beds', sa.Integer(), nullable=False),
        sa.Column('total_beds', sa.Integer(), nullable=False),
        sa.Column('occupancy_percent', sa.Integer(), nullable=False),
        sa.Column('sms_count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('low', 'recovered')", name=op.f('ck_capacity_alerts_kind_allowed')),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_capacity_alerts_facility_id_facilities')),
        sa.ForeignKeyConstraint(['rule_id'], ['capacity_rules.id'], name=op.f('fk_capacity_alerts_rule_id_capacity_rules')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_alerts')),
    )
    with op.batch_alter_table('capacity_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_capacity_alerts_facility_created', ['facility_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_alerts_rule_id'), ['rule_id'], unique=False)


def downgrade():
    op.drop_table('capacity_alerts')
    op.drop_table('capacity_rule_recipients')
    op.drop_table('capacity_rules')
