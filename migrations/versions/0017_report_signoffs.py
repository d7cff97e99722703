"""report_signoffs: signed versions of the monthly report (issue 12)

Revision ID: 0017_report_signoffs
Revises: 0016_field_encryption
Create Date: 2026-12-04

One row per signed version of a month's report for a facility or the province: who signed, when,
and the report as signed (a JSON snapshot), so the signed version stays readable as it was.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_report_signoffs'
down_revision = '0016_field_encryption'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_signoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope_key', sa.String(length=64), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=True),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signed_by_name', sa.String(length=120), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_report_signoffs_version_positive')),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_report_signoffs_facility_id_facilities'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'],
                                name=op.f('fk_report_signoffs_signed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_signoffs')),
        sa.UniqueConstraint('scope_key', 'month', 'version', name=op.f('uq_report_signoffs_scope_key_month_version')),
    )
    op.create_index(op.f('ix_report_signoffs_facility_id'), 'report_signoffs', ['facility_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_signoffs_facility_id'), table_name='report_signoffs')
    op.drop_table('report_signoffs')
