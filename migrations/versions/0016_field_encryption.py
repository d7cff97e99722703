"""field encryption (NIK and its keyed hash, addresses, phones, notes) and two-step sign-in tables

Revision ID: 0016_field_encryption
Revises: 0015_availability_counts
Create Date: 2026-12-04 08:20:00

Upgrade: the columns that become ciphertext get room for it (TEXT) and lose the CHECKs on their
plaintext length (the services check those lengths), NIK gets its keyed hash beside it, and every
existing value is encrypted with the newest key of FIELD_ENCRYPTION_KEYS. Downgrade decrypts them
(with any listed key) and puts the old columns back.

The format is written out here, not imported from shelter.encryption: a migration must do the same
thing whatever the app's code becomes. It is ``<key id>:<urlsafe base64 of nonce + AES-256-GCM
ciphertext>`` with ``table.column`` as associated data; an empty string stays empty.

SQLite cannot drop a CHECK or change a declared type without rebuilding the table, and rebuilding a
table other tables reference (residents) would fire their ON DELETE CASCADE. So on SQLite the CREATE
TABLE text is edited in place with ``PRAGMA writable_schema``, the procedure SQLite documents for
removing CHECK constraints (ALTER TABLE, section 7); VARCHAR(n) and TEXT have the same affinity, so the
stored values are untouched.
"""
import base64
import hashlib
import hmac
import os
import re

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0016_field_encryption'
down_revision = '0015_availability_counts'
branch_labels = None
depends_on = None

# table -> encrypted columns; (table, column) -> its hash column
ENCRYPTED = {
    "residents": ["nik"],
    "facilities": ["address"],
    "family_contacts": ["phone", "address"],
    "case_notes": ["body"],
    "case_note_revisions": ["body"],
    "stays": ["discharge_note"],
    "reunification_plans": ["family_assessment"],
    "referrals": ["person_nik"],
}
HASHED = {("residents", "nik"): "nik_hash", ("referrals", "person_nik"): "person_nik_hash"}
# (table, column, old declared type) whose type becomes TEXT
RETYPED = [("residents", "nik", 16), ("family_contacts", "phone", 20), ("referrals", "person_nik", 16)]
# (table, constraint name, its expression) dropped: they check the plaintext's length
CHECKS = [
    ("residents", "ck_residents_nik_length", "nik IS NULL OR length(nik) = 16"),
    ("referrals", "ck_referrals_nik_length", "person_nik IS NULL OR length(person_nik) = 16"),
    ("case_notes", "ck_case_notes_body_length", "length(body) BETWEEN 1 AND 4000"),
]
THROTTLE_KINDS_BEFORE = "kind IN ('account', 'address', 'device')"
THROTTLE_KINDS_AFTER = "kind IN ('account', 'address', 'device', 'two_step')"
APPEND_ONLY_MESSAGE = 'case_note_revisions is append-only'
BATCH = 500


# --- the format ---------------------------------------------------------------------------------------

class _Key:
    def __init__(self, text):
        secret = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
        self.id = hashlib.sha256(b"shelter field key id\x00" + secret).hexdigest()[:8]
        self.aead = AESGCM(secret)
        self.hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                             info=b"shelter nik hash").derive(secret)


def _keys():
    keys = [_Key(k) for k in current_app.config["SHELTER"].field_encryption_keys]
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty: the migration cannot encrypt")
    return keys


def _encrypt(key, value, label):
    if not value:
        return value
    nonce = os.urandom(12)
    sealed = key.aead.encrypt(nonce, value.encode(), label.encode())
    return f"{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def _decrypt(keys, value, label):
    if not value:
        return value
    key_id, _, body = value.partition(":")
    key = next((k for k in keys if k.id == key_id), None)
    if key is None:
        raise RuntimeError(f"a value in {label} was encrypted with a key not in FIELD_ENCRYPTION_KEYS")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return key.aead.decrypt(raw[:12], raw[12:], label.encode()).decode()


def _rewrite(transform, with_hash):
    """Every encrypted column's values through ``transform(value, label)``, in batches by id."""
    bind = op.get_bind()
    current = _keys()[0]
    for table_name, columns in ENCRYPTED.items():
        hash_columns = [HASHED[(table_name, c)] for c in columns if with_hash and (table_name, c) in HASHED]
        table = sa.table(table_name, sa.column("id", sa.Integer),
                         *[sa.column(c, sa.Text) for c in columns + hash_columns])
        last = 0
        while True:
            rows = bind.execute(sa.select(table.c.id, *[table.c[c] for c in columns])
                                .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
            if not rows:
                break
            for row in rows:
                values = {}
                for c in columns:
                    plain_or_cipher = getattr(row, c)
                    values[c] = transform(plain_or_cipher, f"{table_name}.{c}")
                    if with_hash and (table_name, c) in HASHED:
                        values[HASHED[(table_name, c)]] = (
                            hmac.new(current.hash_key, plain_or_cipher.encode(), hashlib.sha256).hexdigest()
                            if plain_or_cipher else None)
                bind.execute(sa.update(table).where(table.c.id == row.id).values(**values))
            last = rows[-1].id


# --- schema helpers -------------------------------------------------------------------------------------

def _is_sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _sqlite_edit_table(table, edits):
    """Edit the CREATE TABLE text of ``table`` (SQLite's documented writable_schema procedure)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    for pattern, replacement in edits:
        sql, count = re.subn(pattern, replacement, sql)
        assert count == 1, (table, pattern)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _revisions_writable(writable):
    """case_note_revisions is append-only (triggers, 0008): off while its texts are re-encrypted."""
    if not _is_sqlite():
        op.execute(f"ALTER TABLE case_note_revisions {'DISABLE' if writable else 'ENABLE'} "
                   "TRIGGER case_note_revisions_append_only")
        return
    for event in ("UPDATE", "DELETE"):
        if writable:
            op.execute(f"DROP TRIGGER IF EXISTS case_note_revisions_no_{event.lower()}")
        else:
            op.execute(f"""
                CREATE TRIGGER case_note_revisions_no_{event.lower()} BEFORE {event} ON case_note_revisions
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
            """)


def _encryption_schema_up():
    if _is_sqlite():
        by_table = {}
        for table, column, length in RETYPED:
            by_table.setdefault(table, []).append((rf"\b{column} VARCHAR\({length}\)", f"{column} TEXT"))
        for table, name, _ in CHECKS:
            by_table.setdefault(table, []).append((rf",\s*CONSTRAINT {name} CHECK \([^\n]*\)(?=,|\s*\n)", ""))
        for table, edits in by_table.items():
            _sqlite_edit_table(table, edits)
    else:
        for table, name, _ in CHECKS:
            op.drop_constraint(op.f(name), table, type_="check")
        for table, column, length in RETYPED:
            op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))
    op.drop_index("ix_residents_nik", table_name="residents")
    op.add_column("residents", sa.Column("nik_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_residents_nik_hash", "residents", ["nik_hash"], unique=False)
    op.add_column("referrals", sa.Column("person_nik_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_referrals_person_nik_hash", "referrals", ["person_nik_hash"], unique=False)


def _encryption_schema_down():
    op.drop_index("ix_referrals_person_nik_hash", table_name="referrals")
    op.drop_index("ix_residents_nik_hash", table_name="residents")
    if _is_sqlite():
        op.execute("ALTER TABLE referrals DROP COLUMN person_nik_hash")
        op.execute("ALTER TABLE residents DROP COLUMN nik_hash")
        by_table = {}
        for table, column, length in RETYPED:
            by_table.setdefault(table, []).append((rf"\b{column} TEXT\b", f"{column} VARCHAR({length})"))
        for table, name, expression in CHECKS:
            by_table.setdefault(table, []).append(
                (r"(\n\s*CONSTRAINT pk_\w+ PRIMARY KEY \(id\))", rf"\1, \n\tCONSTRAINT {name} CHECK ({expression})"))
        for table, edits in by_table.items():
            _sqlite_edit_table(table, [(p, r.replace("\\1", "\\g<1>")) for p, r in edits])
    else:
        op.drop_column("referrals", "person_nik_hash")
        op.drop_column("residents", "nik_hash")
        for table, column, length in RETYPED:
            op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text())
        for table, name, expression in CHECKS:
            op.create_check_constraint(name[len(f"ck_{table}_"):], table, expression)
    op.create_index("ix_residents_nik", "residents", ["nik"], unique=False)


def _throttle_kinds(before, after):
    if _is_sqlite():
        _sqlite_edit_table("login_throttles", [(re.escape(f"CHECK ({before})"), f"CHECK ({after})")])
    else:
        op.drop_constraint(op.f("ck_login_throttles_kind_allowed"), "login_throttles", type_="check")
        op.create_check_constraint("kind_allowed", "login_throttles", after)


# --- upgrade / downgrade ----------------------------------------------------------------------------------

def upgrade():
    op.create_table('two_step',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reset_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_step_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_step'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)
    op.create_table('trusted_browsers',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trusted_browsers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_trusted_browsers'))
    )
    op.create_index(op.f('ix_trusted_browsers_user_id'), 'trusted_browsers', ['user_id'], unique=False)
    op.add_column('user_sessions', sa.Column('two_step_due', sa.Boolean(), server_default=sa.false(), nullable=False))
    _throttle_kinds(THROTTLE_KINDS_BEFORE, THROTTLE_KINDS_AFTER)

    _encryption_schema_up()
    key = _keys()[0]
    _revisions_writable(True)
    _rewrite(lambda value, label: _encrypt(key, value, label), with_hash=True)
    _revisions_writable(False)


def downgrade():
    keys = _keys()
    _revisions_writable(True)
    _rewrite(lambda value, label: _decrypt(keys, value, label), with_hash=False)
    _revisions_writable(False)
    _encryption_schema_down()

    op.execute("DELETE FROM login_throttles WHERE kind = 'two_step'")
    _throttle_kinds(THROTTLE_KINDS_AFTER, THROTTLE_KINDS_BEFORE)
    if _is_sqlite():
        op.execute("ALTER TABLE user_sessions DROP COLUMN two_step_due")
    else:
        op.drop_column('user_sessions', 'two_step_due')
    op.drop_index(op.f('ix_trusted_browsers_user_id'), table_name='trusted_browsers')
    op.drop_table('trusted_browsers')
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_table('two_step')
