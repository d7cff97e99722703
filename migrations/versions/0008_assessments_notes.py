"""assessments and case notes

Assessments of a stay (a finding per domain, risk level, recommendation); case notes, and the
revisions that keep a note's earlier text when its author edits it within 24 hours. Revisions are
append-only: triggers refuse UPDATE and DELETE on both databases.

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

APPEND_ONLY_MESSAGE = 'case_note_revisions is append-only'


def upgrade():
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('recommendation', sa.String(length=16), nullable=False),
    sa.Column('safety', sa.Text(), nullable=False),
    sa.Column('physical_health', sa.Text(), nullable=False),
    sa.Column('mental_health', sa.Text(), nullable=False),
    sa.Column('legal', sa.Text(), nullable=False),
    sa.Column('education', sa.Text(), nullable=False),
    sa.Column('family', sa.Text(), nullable=False),
    sa.Column('economic', sa.Text(), nullable=False),
    sa.CheckConstraint("recommendation IN ('rehabilitation', 'reunification', 'referral')", name=op.f('ck_assessments_recommendation_allowed')),
    sa.CheckConstraint("risk_level IN ('low', 'medium', 'high')", name=op.f('ck_assessments_risk_level_allowed')),
    sa.CheckConstraint('length(economic) <= 2000', name=op.f('ck_assessments_economic_length')),
    sa.CheckConstraint('length(education) <= 2000', name=op.f('ck_assessments_education_length')),
    sa.CheckConstraint('length(family) <= 2000', name=op.f('ck_assessments_family_length')),
    sa.CheckConstraint('length(legal) <= 2000', name=op.f('ck_assessments_legal_length')),
    sa.CheckConstraint('length(mental_health) <= 2000', name=op.f('ck_assessments_mental_health_length')),
    sa.CheckConstraint('length(physical_health) <= 2000', name=op.f('ck_assessments_physical_health_length')),
    sa.CheckConstraint('length(safety) <= 2000', name=op.f('ck_assessments_safety_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_assessments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], name=op.f('fk_assessments_stay_id_stays'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    op.create_index('ix_assessments_stay_date', 'assessments', ['stay_id', 'assessed_on'], unique=False)
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('visit', 'counselling', 'medical', 'legal', 'other')", name=op.f('ck_case_notes_kind_allowed')),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 4000', name=op.f('ck_case_notes_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['corrects_id'], ['case_notes.id'], name=op.f('fk_case_notes_corrects_id_case_notes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], name=op.f('fk_case_notes_stay_id_stays'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    op.create_index(op.f('ix_case_notes_author_id'), 'case_notes', ['author_id'], unique=False)
    op.create_index('ix_case_notes_stay_newest', 'case_notes', ['stay_id', 'noted_on', 'id'], unique=False)
    op.create_table('case_note_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['case_notes.id'], name=op.f('fk_case_note_revisions_note_id_case_notes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], name=op.f('fk_case_note_revisions_replaced_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note_revisions'))
    )
    op.create_index(op.f('ix_case_note_revisions_note_id'), 'case_note_revisions', ['note_id'], unique=False)
    _create_revisions_append_only()


def _create_revisions_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION case_note_revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$
        """)
        op.execute("""
            CREATE TRIGGER case_note_revisions_append_only BEFORE UPDATE OR DELETE ON case_note_revisions
            FOR EACH ROW EXECUTE FUNCTION case_note_revisions_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER case_note_revisions_no_{event.lower()} BEFORE {event} ON case_note_revisions
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
            """)


def _drop_revisions_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_note_revisions_append_only ON case_note_revisions")
        op.execute("DROP FUNCTION IF EXISTS case_note_revisions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_note_revisions_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_note_revisions_no_delete")


def downgrade():
    _drop_revisions_append_only()
    op.drop_index(op.f('ix_case_note_revisions_note_id'), table_name='case_note_revisions')
    op.drop_table('case_note_revisions')
    op.drop_index('ix_case_notes_stay_newest', table_name='case_notes')
    op.drop_index(op.f('ix_case_notes_author_id'), table_name='case_notes')
    op.drop_table('case_notes')
    op.drop_index('ix_assessments_stay_date', table_name='assessments')
    op.drop_table('assessments')
