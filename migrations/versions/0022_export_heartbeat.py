"""export jobs: the time a running export last wrote a batch, so one left by a crashed scheduler is taken again

Revision ID: 0022_export_heartbeat
Revises: 0021_export_jobs
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0022_export_heartbeat'
down_revision = '0021_export_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_jobs') as batch:
        batch.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('export_jobs') as batch:
        batch.drop_column('heartbeat_at')
