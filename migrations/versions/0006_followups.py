"""reunification plans and follow-ups

Revision ID: 0006_followups
Revises: 0005_outbox
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_followups'
down_revision = '0005_outbox'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
