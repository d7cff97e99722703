"""indexes for the reports: stays by admission and discharge moment, transfers, assignments by end, follow-ups by due day

Revision ID: 0020_report_indexes
Revises: 0019_room_counts
Create Date: 2026-12-04

A report selects the stays that touch a period (admitted before its end, not discharged before its
start), the stays continuing a transferred one, the bed assignments and follow-ups of the period. Without
these, each of those is a scan of every stay (1,000,000 at the benchmark's large size) per figure.
"""
from alembic import op


revision = '0020_report_indexes'
down_revision = '0019_room_counts'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_stays_admitted_at", "stays", ["admitted_at"]),
    ("ix_stays_discharged_at", "stays", ["discharged_at"]),
    ("ix_stays_previous_stay_id", "stays", ["previous_stay_id"]),
    ("ix_bed_assignments_ended_at", "bed_assignments", ["ended_at"]),
    ("ix_follow_ups_due_on", "follow_ups", ["due_on"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
