"""assessments and case notes

Revision ID: 0008_assessments_notes
Revises: 0007_capacity_alerts
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_assessments_notes'
down_revision = '0007_capacity_alerts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
