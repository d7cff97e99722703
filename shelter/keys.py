"""`flask keys …`: make a field-encryption key, see which keys the data is under, rotate to the newest.

Rotation (issue 14): put a new key FIRST in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart,
run ``flask keys rotate``. It walks every table with encrypted columns in batches, by primary key, and
rewrites each value not yet under the newest key (and the NIK hashes beside them), one transaction a
batch. Interrupted, it is simply run again: rows already on the newest key are skipped, so it goes on
where it stopped. The app keeps working meanwhile (old-key rows still decrypt; duplicate detection
compares against the hashes under every listed key). Each row is updated only if it still holds the
value read (compare and swap), so an edit made meanwhile by the app, already under the newest key,
is never overwritten. When ``flask keys status`` shows nothing under older keys, remove them.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from shelter.encryption import Keyring, encrypted_columns, generate_key, keyring
from shelter.extensions import db

keys_cli = AppGroup("keys", help="Field-encryption keys (FIELD_ENCRYPTION_KEYS).")

APPEND_ONLY = "case_note_revisions"
APPEND_ONLY_MESSAGE = "case_note_revisions is append-only"


def _raw(table: sa.Table, columns: list[sa.Column]):
    """A lightweight copy of the table whose columns read and write the stored text, not plaintext."""
    pk = table.primary_key.columns.values()[0]
    hashes = [c.type.hash_column for c in columns if c.type.hash_column]
    raw = sa.table(table.name, sa.column(pk.name, sa.BigInteger),
                   *[sa.column(c.name, sa.Text) for c in columns], *[sa.column(h, sa.Text) for h in hashes])
    return raw, raw.c[pk.name]


def _stale(raw, columns, ring: Keyring):
    prefix = ring.current.id + ":"
    return sa.or_(*[sa.and_(raw.c[c.name].is_not(None), raw.c[c.name] != "",
                            sa.not_(raw.c[c.name].startswith(prefix, autoescape=True))) for c in columns])


def pending() -> int:
    """Rows holding a value under an older key."""
    ring = keyring()
    total = 0
    for table, columns in encrypted_columns(db.metadata):
        raw, _ = _raw(table, columns)
        total += db.session.scalar(sa.select(sa.func.count()).select_from(raw).where(_stale(raw, columns, ring)))
    return total


def key_usage() -> Counter:
    """{key id: number of values stored under it}, over every encrypted column."""
    usage: Counter = Counter()
    for table, columns in encrypted_columns(db.metadata):
        raw, _ = _raw(table, columns)
        for column in columns:
            key_id = sa.func.substr(raw.c[column.name], 1, 8)
            rows = db.session.execute(sa.select(key_id, sa.func.count()).select_from(raw)
                                      .where(raw.c[column.name].is_not(None), raw.c[column.name] != "")
                                      .group_by(key_id)).all()
            usage.update({k: n for k, n in rows})
    return usage


def _revisions_writable(writable: bool) -> None:
    """The earlier texts of case notes are append-only (triggers, migration 0008): a rotation may
    re-encrypt them, inside its own transaction, and nothing else."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"ALTER TABLE {APPEND_ONLY} {'DISABLE' if writable else 'ENABLE'} "
                                   "TRIGGER case_note_revisions_append_only"))
        return
    for event in ("update", "delete"):
        if writable:
            db.session.execute(sa.text(f"DROP TRIGGER IF EXISTS case_note_revisions_no_{event}"))
        else:
            db.session.execute(sa.text(
                f"CREATE TRIGGER case_note_revisions_no_{event} BEFORE {event.upper()} ON {APPEND_ONLY} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"))


def _rotate_batch(table, columns, raw, pk, ring: Keyring, after, batch_size: int) -> tuple[int, object]:
    """Re-encrypt up to ``batch_size`` stale rows after ``after``; (rows done, last key seen)."""
    rows = db.session.execute(
        sa.select(pk, *[raw.c[c.name] for c in columns]).where(_stale(raw, columns, ring), pk > after)
        .order_by(pk).limit(batch_size)).all()
    if not rows:
        return 0, None
    writable = table.name == APPEND_ONLY
    if writable:
        _revisions_writable(True)
    for row in rows:
        values, unchanged = {}, [pk == row[0]]
        for index, column in enumerate(columns, start=1):
            stored = row[index]
            unchanged.append(raw.c[column.name].is_(None) if stored is None else raw.c[column.name] == stored)
            if ring.is_current(stored):
                continue
            label = column.type.label
            plain = ring.decrypt(stored, label)
            values[column.name] = ring.encrypt(plain, label)
            if column.type.hash_column:
                values[column.type.hash_column] = ring.nik_hash(plain)
        if values:
            db.session.execute(sa.update(raw).where(*unchanged).values(**values))
    if writable:
        _revisions_writable(False)
    db.session.commit()
    return len(rows), rows[-1][0]


def rotate(batch_size: int = 500, on_batch: Callable[[int], None] | None = None) -> int:
    """Re-encrypt every value under an older key with the newest; returns the rows rewritten."""
    ring = keyring()
    done = 0
    for table, columns in encrypted_columns(db.metadata):
        raw, pk = _raw(table, columns)
        after = -1
        while True:
            count, last = _rotate_batch(table, columns, raw, pk, ring, after, batch_size)
            if not count:
                break
            done, after = done + count, last
            if on_batch is not None:
                on_batch(count)
    return done


@keys_cli.command("generate")
def generate():
    """Print a new random key (put it first in FIELD_ENCRYPTION_KEYS to start using it)."""
    click.echo(generate_key())


@keys_cli.command("status")
def status():
    """How many stored values each key encrypts (key ids, never keys)."""
    ring = keyring()
    usage = key_usage()
    for number, key in enumerate(ring.keys, start=1):
        role = "newest, encrypts" if key is ring.current else "older, decrypts only"
        click.echo(f"key {number} ({key.id}, {role}): {usage.pop(key.id, 0)} values")
    for key_id, count in sorted(usage.items()):
        click.echo(f"UNKNOWN key {key_id}: {count} values cannot be read with FIELD_ENCRYPTION_KEYS")
    left = pending()
    if left:
        click.echo(f"{left} rows hold values under an older key: run `flask keys rotate`.")
    elif len(ring.keys) > 1:
        click.echo("Nothing is under an older key: the older keys can be removed from FIELD_ENCRYPTION_KEYS.")


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rotate_command(batch_size):
    """Re-encrypt every value with the newest key, in batches; safe to interrupt and run again."""
    total = pending()
    if not total:
        click.echo("Every value is already under the newest key.")
        return
    with click.progressbar(length=total, label="Re-encrypting", show_pos=True) as bar:
        done = rotate(batch_size=batch_size, on_batch=bar.update)
    click.echo(f"Re-encrypted {done} rows. Every value is under the newest key; "
               "the older keys can now be removed from FIELD_ENCRYPTION_KEYS.")
