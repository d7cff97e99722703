"""login throttle counters (per account, address and device cookie)

Revision ID: 0011_login_throttle
Revises: 0010_programmes
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_login_throttle'
down_revision = '0010_programmes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('long_failures', sa.Integer(), nullable=False),
    sa.Column('long_window_started_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('account', 'address', 'device')", name=op.f('ck_login_throttles_kind_allowed')),
    sa.PrimaryKeyConstraint('kind', 'subject', name=op.f('pk_login_throttles'))
    )


def downgrade():
    op.drop_table('login_throttles')
