"""append-only tables refuse TRUNCATE too

Revision ID: 0012_audit_truncate
Revises: 0011_login_throttle
Create Date: 2026-12-04

The audit trail (audit_events) and the earlier texts of case notes (case_note_revisions) refuse UPDATE
and DELETE with row triggers since 0001 and 0008, but TRUNCATE fires no row trigger: on PostgreSQL a
BEFORE TRUNCATE statement trigger now refuses it with the same message, using the same functions.

SQLite has no TRUNCATE statement: its "DELETE FROM t" without WHERE is a delete like any other here (the
truncate optimisation is off when a table has triggers), so the DELETE triggers already refuse it and
nothing changes on SQLite.
"""
from alembic import op


revision = '0012_audit_truncate'
down_revision = '0011_login_throttle'
branch_labels = None
depends_on = None

# table -> the function its UPDATE/DELETE trigger already calls (it raises '<table> is append-only').
APPEND_ONLY = {
    "audit_events": "audit_events_append_only",
    "case_note_revisions": "case_note_revisions_append_only",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, function in APPEND_ONLY.items():
        op.execute(f"""
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
