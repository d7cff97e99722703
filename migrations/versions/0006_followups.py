"""reunification plans and follow-ups

Revision ID: 0006_followups
Revises: 0005_outbox
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_followups'
down_revision = '0005_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('followup_policy_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offset_days', sa.SmallInteger(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('phone_call', 'home_visit', 'office_visit', 'video_call')", name=op.f('ck_followup_policy_steps_method_allowed')),
    sa.CheckConstraint('offset_days BETWEEN 1 AND 730', name=op.f('ck_followup_policy_steps_offset_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_followup_policy_steps_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_policy_steps')),
    sa.UniqueConstraint('offset_days', name=op.f('uq_followup_policy_steps_offset_days'))
    )

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.SmallInteger(), nullable=False),
    sa.Column('offset_days', sa.SmallInteger(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('planned_method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(status = 'open') = (done_on IS NULL AND recorded_at IS NULL)", name=op.f('ck_follow_ups_record_complete')),
    sa.CheckConstraint("method IS NULL OR method IN ('phone_call', 'home_visit', 'office_visit', 'video_call')", name=op.f('ck_follow_ups_method_allowed')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('stable', 'concerns', 're_referral_needed')", name=op.f('ck_follow_ups_outcome_allowed')),
    sa.CheckConstraint("planned_method IN ('phone_call', 'home_visit', 'office_visit', 'video_call')", name=op.f('ck_follow_ups_planned_method_allowed')),
    sa.CheckConstraint("status <> 'done' OR (outcome IS NOT NULL AND method IS NOT NULL)", name=op.f('ck_follow_ups_done_has_outcome')),
    sa.CheckConstraint("status IN ('open', 'done', 'missed')", name=op.f('ck_follow_ups_status_allowed')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_follow_ups_acknowledged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['caseworker_id'], ['users.id'], name=op.f('fk_follow_ups_caseworker_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_follow_ups_facility_id_facilities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_follow_ups_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_follow_ups_resident_id_residents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], name=op.f('fk_follow_ups_stay_id_stays'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('stay_id', 'step', name=op.f('uq_follow_ups_stay_id_step'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_caseworker_due', ['caseworker_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_follow_ups_facility_due', ['facility_id', 'status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_resident_id'), ['resident_id'], unique=False)

    op.create_table('reunification_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('family_contact_id', sa.Integer(), nullable=True),
    sa.Column('relation', sa.String(length=120), nullable=False),
    sa.Column('destination', sa.String(length=120), nullable=False),
    sa.Column('family_assessment', sa.Text(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reunification_plans_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_contact_id'], ['family_contacts.id'], name=op.f('fk_reunification_plans_family_contact_id_family_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_reunification_plans_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_reunification_plans_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reunification_plans')),
    sa.UniqueConstraint('resident_id', name=op.f('uq_reunification_plans_resident_id'))
    )
    with op.batch_alter_table('reunification_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reunification_plans_family_contact_id'), ['family_contact_id'], unique=False)


def downgrade():
    op.drop_table('reunification_plans')
    op.drop_table('follow_ups')
    op.drop_table('followup_policy_steps')
