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
    pass


def downgrade():
    pass
