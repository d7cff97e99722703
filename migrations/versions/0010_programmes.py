"""skills programmes, sessions, enrolments, attendance

Revision ID: 0010_programmes
Revises: 0009_plans
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_programmes'
down_revision = '0009_plans'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('trainer', sa.String(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('weekdays', sa.String(length=16), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('eligible_sex', sa.String(length=8), nullable=True),
    sa.Column('min_age', sa.SmallInteger(), nullable=True),
    sa.Column('max_age', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("eligible_sex IS NULL OR eligible_sex IN ('female', 'male')", name=op.f('ck_programmes_eligible_sex_allowed')),
    sa.CheckConstraint("weekdays <> ''", name=op.f('ck_programmes_has_weekdays')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_programmes_capacity_positive')),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 720', name=op.f('ck_programmes_duration_range')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_programmes_ends_after_start')),
    sa.CheckConstraint('min_age IS NULL OR max_age IS NULL OR max_age >= min_age', name=op.f('ck_programmes_age_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programmes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_programmes_facility_id_facilities'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes'))
    )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programmes_facility_id'), ['facility_id'], unique=False)

    op.create_table('programme_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_programme_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_sessions_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_sessions')),
    sa.UniqueConstraint('programme_id', 'starts_at', name=op.f('uq_programme_sessions_programme_id_starts_at'))
    )
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_sessions_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_sessions_session_date'), ['session_date'], unique=False)

    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('eligibility_override', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status IN ('enrolled', 'completed')) = (seat IS NOT NULL)", name=op.f('ck_enrollments_seat_iff_placed')),
    sa.CheckConstraint("status IN ('enrolled', 'waitlisted', 'completed', 'withdrawn', 'ended')", name=op.f('ck_enrollments_status_allowed')),
    sa.CheckConstraint('seat IS NULL OR seat >= 1', name=op.f('ck_enrollments_seat_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_enrollments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_enrollments_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_enrollments_programme_id_programmes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_enrollments_resident_id_residents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], name=op.f('fk_enrollments_stay_id_stays'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_stay_id'), ['stay_id'], unique=False)
        batch_op.create_index('uq_enrollments_one_active_per_resident', ['programme_id', 'resident_id'], unique=True, sqlite_where=sa.text("status IN ('enrolled', 'waitlisted')"), postgresql_where=sa.text("status IN ('enrolled', 'waitlisted')"))
        batch_op.create_index('uq_enrollments_programme_seat', ['programme_id', 'seat'], unique=True, sqlite_where=sa.text('seat IS NOT NULL'), postgresql_where=sa.text('seat IS NOT NULL'))

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('present', 'absent', 'excused')", name=op.f('ck_attendance_status_allowed')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_attendance_enrollment_id_enrollments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_attendance_marked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_sessions.id'], name=op.f('fk_attendance_session_id_programme_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('session_id', 'enrollment_id', name=op.f('uq_attendance_session_id_enrollment_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_enrollment_id'), ['enrollment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_enrollment_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('uq_enrollments_programme_seat', sqlite_where=sa.text('seat IS NOT NULL'), postgresql_where=sa.text('seat IS NOT NULL'))
        batch_op.drop_index('uq_enrollments_one_active_per_resident', sqlite_where=sa.text("status IN ('enrolled', 'waitlisted')"), postgresql_where=sa.text("status IN ('enrolled', 'waitlisted')"))
        batch_op.drop_index(batch_op.f('ix_enrollments_stay_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_resident_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_programme_id'))

    op.drop_table('enrollments')
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_sessions_session_date'))
        batch_op.drop_index(batch_op.f('ix_programme_sessions_programme_id'))

    op.drop_table('programme_sessions')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programmes_facility_id'))

    op.drop_table('programmes')
