"""room_availability: stored free beds per room (find-a-bed reads them), and an index of open follow-ups by due day

Revision ID: 0019_room_counts
Revises: 0017_report_signoffs
Create Date: 2026-12-04

One row per room: free beds, and of those wheelchair accessible and with a crib, by the same rules as
``shelter.availability.store.derive_rooms`` (a hold counts until released; readers correct for the
expired ones). Filled here for the data already there. The partial index of open follow-ups by due
day serves the morning reminders (due today, and overdue not yet escalated) without reading the
closed history (issue 13: ``send_reminders`` over 2,000,000 follow-ups).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_room_counts'
down_revision = '0017_report_signoffs'
branch_labels = None
depends_on = None

FREE_SQL = ("NOT EXISTS (SELECT 1 FROM bed_assignments a WHERE a.bed_id = b.id AND a.ended_at IS NULL) "
            "AND NOT EXISTS (SELECT 1 FROM bed_holds h WHERE h.bed_id = b.id AND h.released_at IS NULL) "
            "AND b.out_of_service_reason IS NULL")


def upgrade():
    op.create_table('room_availability',
                    sa.Column('room_id', sa.Integer(), nullable=False),
                    sa.Column('facility_id', sa.Integer(), nullable=False),
                    sa.Column('free', sa.Integer(), nullable=False),
                    sa.Column('free_accessible', sa.Integer(), nullable=False),
                    sa.Column('free_cribs', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('room_id'))
    with op.batch_alter_table('room_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_availability_facility_id'), ['facility_id'], unique=False)
    true = "TRUE" if op.get_bind().dialect.name == "postgresql" else "1"

    def count(extra: str = "") -> str:
        return f"COALESCE(SUM(CASE WHEN b.id IS NOT NULL AND {FREE_SQL}{extra} THEN 1 ELSE 0 END), 0)"

    op.execute(sa.text(
        "INSERT INTO room_availability (room_id, facility_id, free, free_accessible, free_cribs) "
        f"SELECT r.id, r.facility_id, {count()}, {count(f' AND b.wheelchair_accessible = {true}')}, "
        f"{count(f' AND b.has_crib = {true}')} "
        "FROM rooms r LEFT JOIN beds b ON b.room_id = r.id GROUP BY r.id, r.facility_id"
    ))
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_open_due', ['due_on', 'caseworker_id'], unique=False,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_open_due', sqlite_where=sa.text("status = 'open'"),
                            postgresql_where=sa.text("status = 'open'"))
    with op.batch_alter_table('room_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_availability_facility_id'))
    op.drop_table('room_availability')
