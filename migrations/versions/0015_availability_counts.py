"""availability_counts: stored per-facility bed counts, read by the board and the API (issue 13)

Revision ID: 0015_availability_counts
Revises: 0014_referrals
Create Date: 2026-12-04

One row per facility: total / occupied / held / out of service / available for all beds, per bed
category and for wheelchair-accessible beds; open over-capacity placements; a version. Filled here
for the data already there, by the same rules as ``shelter.availability.store.derive`` (a hold counts
as held until released; readers correct for the expired ones).
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_availability_counts'
down_revision = '0014_referrals'
branch_labels = None
depends_on = None

CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")
SCOPES = ("all",) + CATEGORIES + ("accessible",)
MEASURES = ("total", "occupied", "held", "out_of_service", "available")
COUNT_COLUMNS = tuple(f"{scope}_{measure}" for scope in SCOPES for measure in MEASURES)

CATEGORY_SQL = ("CASE WHEN r.age_group = 'mother_with_children' OR r.sex = 'mixed_family' THEN 'mothers_with_children' "
                "WHEN r.sex = 'female' AND r.age_group = 'child' THEN 'girls' "
                "WHEN r.sex = 'male' AND r.age_group = 'child' THEN 'boys' "
                "WHEN r.sex = 'female' THEN 'women' ELSE 'men' END")
STATUS_SQL = ("CASE WHEN EXISTS (SELECT 1 FROM bed_assignments a WHERE a.bed_id = b.id AND a.ended_at IS NULL) "
              "THEN 'occupied' "
              "WHEN EXISTS (SELECT 1 FROM bed_holds h WHERE h.bed_id = b.id AND h.released_at IS NULL) THEN 'held' "
              "WHEN b.out_of_service_reason IS NOT NULL THEN 'out_of_service' ELSE 'available' END")


def _sum(scope: str, measure: str) -> str:
    conditions = ["s.status IS NOT NULL"]
    if scope == "accessible":
        conditions.append("s.accessible")
    elif scope != "all":
        conditions.append(f"s.category = '{scope}'")
    if measure != "total":
        conditions.append(f"s.status = '{measure}'")
    condition = " AND ".join(conditions)
    return f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def upgrade():
    columns = [
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('over_capacity', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    ] + [sa.Column(name, sa.Integer(), nullable=False) for name in COUNT_COLUMNS]
    op.create_table('availability_counts', *columns,
                    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('facility_id'))
    sums = ", ".join(_sum(scope, measure) for scope in SCOPES for measure in MEASURES)
    accessible = "b.wheelchair_accessible" if op.get_bind().dialect.name == "postgresql" else "b.wheelchair_accessible = 1"
    op.execute(sa.text(
        f"INSERT INTO availability_counts (facility_id, version, over_capacity, refreshed_at, {', '.join(COUNT_COLUMNS)}) "
        f"SELECT f.id, 1, "
        f"(SELECT COUNT(*) FROM stays st WHERE st.facility_id = f.id AND st.discharged_at IS NULL "
        f"AND st.over_capacity), CURRENT_TIMESTAMP, {sums} "
        f"FROM facilities f LEFT JOIN ("
        f"SELECT r.facility_id, {CATEGORY_SQL} AS category, ({accessible}) AS accessible, {STATUS_SQL} AS status "
        f"FROM beds b JOIN rooms r ON r.id = b.room_id) s ON s.facility_id = f.id "
        f"GROUP BY f.id"
    ))


def downgrade():
    op.drop_table('availability_counts')
