"""export jobs: list exports written in the background, downloadable by their owner for 24 hours

Revision ID: 0021_export_jobs
Revises: 0020_report_indexes
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0021_export_jobs'
down_revision = '0020_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=43), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('include_personal', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('done_rows', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_export_jobs_status_allowed')),
        sa.CheckConstraint("format IN ('csv', 'xlsx')", name=op.f('ck_export_jobs_format_allowed')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_export_jobs_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
        sa.UniqueConstraint('token', name=op.f('uq_export_jobs_token')),
    )
    op.create_index('ix_export_jobs_owner_created', 'export_jobs', ['owner_id', 'created_at'])
    op.create_index(op.f('ix_export_jobs_status'), 'export_jobs', ['status'])
    op.create_index(op.f('ix_export_jobs_expires_at'), 'export_jobs', ['expires_at'])


def downgrade():
    op.drop_index(op.f('ix_export_jobs_expires_at'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_status'), table_name='export_jobs')
    op.drop_index('ix_export_jobs_owner_created', table_name='export_jobs')
    op.drop_table('export_jobs')
