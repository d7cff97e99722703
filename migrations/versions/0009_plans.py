"""rehabilitation plans, goals and reviews

Revision ID: 0009_plans
Revises: 0008_assessments_notes
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_plans'
down_revision = '0008_assessments_notes'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('draft', 'submitted', 'approved')"


def upgrade():
    op.create_table(
        'rehabilitation_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stay_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('schedule_from', sa.Date(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('returned_note', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'closed')",
                           name=op.f('ck_rehabilitation_plans_status_allowed')),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_rehabilitation_plans_approved_by_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_rehabilitation_plans_created_by_id_users')),
        sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], ondelete='RESTRICT',
                                name=op.f('fk_rehabilitation_plans_stay_id_stays')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_rehabilitation_plans_submitted_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rehabilitation_plans')),
    )
    with op.batch_alter_table('rehabilitation_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rehabilitation_plans_stay_id'), ['stay_id'], unique=False)
        batch_op.create_index('uq_rehabilitation_plans_one_active_per_stay', ['stay_id'], unique=True,
                              sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))

    op.create_table(
        'plan_goals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=32), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('interventions', sa.Text(), nullable=False),
        sa.Column('responsible_id', sa.Integer(), nullable=True),
        sa.Column('target_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress_note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("domain IN ('family', 'vocational', 'therapy', 'social_care', 'assistive_aid', "
                           "'basic_needs', 'legal', 'education')", name=op.f('ck_plan_goals_domain_allowed')),
        sa.CheckConstraint("status IN ('planned', 'in_progress', 'achieved', 'dropped')",
                           name=op.f('ck_plan_goals_status_allowed')),
        sa.ForeignKeyConstraint(['plan_id'], ['rehabilitation_plans.id'], ondelete='RESTRICT',
                                name=op.f('fk_plan_goals_plan_id_rehabilitation_plans')),
        sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_plan_goals_responsible_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goals')),
        sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_plan_goals_plan_id_position')),
    )
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goals_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_goals_responsible_id'), ['responsible_id'], unique=False)

    op.create_table(
        'plan_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('approval', 'review')", name=op.f('ck_plan_versions_kind_allowed')),
        sa.ForeignKeyConstraint(['plan_id'], ['rehabilitation_plans.id'], ondelete='RESTRICT',
                                name=op.f('fk_plan_versions_plan_id_rehabilitation_plans')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_plan_versions_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_versions')),
        sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_versions_plan_id_number')),
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_versions_plan_id'))
    op.drop_table('plan_versions')
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goals_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_plan_goals_plan_id'))
    op.drop_table('plan_goals')
    with op.batch_alter_table('rehabilitation_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_rehabilitation_plans_one_active_per_stay',
                            sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
        batch_op.drop_index(batch_op.f('ix_rehabilitation_plans_stay_id'))
    op.drop_table('rehabilitation_plans')
