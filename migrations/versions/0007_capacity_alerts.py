"""capacity rules and alerts

Revision ID: 0007_capacity_alerts
Revises: 0006_followups
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_capacity_alerts'
down_revision = '0006_followups'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
