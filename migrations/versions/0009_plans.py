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


def upgrade():
    pass


def downgrade():
    pass
