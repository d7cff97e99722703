"""capacity rules: a separate recovery threshold and a minimum interval between alerts

Revision ID: 0013_alert_hysteresis
Revises: 0012_audit_truncate
Create Date: 2026-12-04

Existing rules get the defaults a new rule gets: back to normal at two free beds more than the
alert threshold and at ten points of occupancy less (at least 0 %), at most one alert an hour,
counted from the rule's last "low" alert.

No table rebuild on SQLite (Alembic's batch mode): dropping capacity_rules to rebuild it would
cascade to its recipients and trip the foreign keys of its alerts, and PRAGMA foreign_keys cannot
be switched off inside the migration's transaction. ALTER TABLE ADD COLUMN keeps every row; there
the checks go on the new columns (SQLite cannot add a table constraint afterwards), so each column
can be dropped again with its own check.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_alert_hysteresis'
down_revision = '0012_audit_truncate'
branch_labels = None
depends_on = None

CHECKS = {
    'recovery_free_beds': (
        'ck_capacity_rules_recovery_free_beds_above',
        "recovery_free_beds IS NULL OR (max_free_beds IS NOT NULL AND recovery_free_beds > max_free_beds)"),
    'recovery_occupancy_percent': (
        'ck_capacity_rules_recovery_occupancy_below',
        "recovery_occupancy_percent IS NULL OR (min_occupancy_percent IS NOT NULL "
        "AND recovery_occupancy_percent >= 0 AND recovery_occupancy_percent < min_occupancy_percent)"),
    'min_interval_minutes': ('ck_capacity_rules_min_interval_range', "min_interval_minutes BETWEEN 0 AND 1440"),
}
COLUMNS = ('recovery_free_beds', 'recovery_occupancy_percent', 'min_interval_minutes', 'last_alert_at',
           'alert_pending')


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    if _sqlite():
        for column, (name, condition) in CHECKS.items():
            default = " NOT NULL DEFAULT 60" if column == 'min_interval_minutes' else ""
            op.execute(f"ALTER TABLE capacity_rules ADD COLUMN {column} INTEGER{default} "
                       f"CONSTRAINT {name} CHECK ({condition})")
    else:
        op.add_column('capacity_rules', sa.Column('recovery_free_beds', sa.Integer(), nullable=True))
        op.add_column('capacity_rules', sa.Column('recovery_occupancy_percent', sa.Integer(), nullable=True))
        op.add_column('capacity_rules', sa.Column('min_interval_minutes', sa.Integer(), server_default='60',
                                                  nullable=False))
        for name, condition in CHECKS.values():
            op.create_check_constraint(name, 'capacity_rules', condition)
    op.add_column('capacity_rules', sa.Column('last_alert_at', sa.DateTime(), nullable=True))
    op.add_column('capacity_rules', sa.Column('alert_pending', sa.Boolean(), server_default=sa.false(),
                                              nullable=False))

    op.execute("UPDATE capacity_rules SET recovery_free_beds = max_free_beds + 2 WHERE max_free_beds IS NOT NULL")
    op.execute("UPDATE capacity_rules SET recovery_occupancy_percent = "
               "CASE WHEN min_occupancy_percent > 10 THEN min_occupancy_percent - 10 ELSE 0 END "
               "WHERE min_occupancy_percent IS NOT NULL")
    op.execute("UPDATE capacity_rules SET last_alert_at = (SELECT max(a.created_at) FROM capacity_alerts a "
               "WHERE a.rule_id = capacity_rules.id AND a.kind = 'low')")


def downgrade():
    if not _sqlite():
        for name, _condition in CHECKS.values():
            op.drop_constraint(name, 'capacity_rules', type_='check')
    for column in reversed(COLUMNS):
        op.drop_column('capacity_rules', column)
