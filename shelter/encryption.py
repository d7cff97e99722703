"""Field-level encryption: the most dangerous columns are stored as AES-256-GCM ciphertext (issue 14).

A copied database file or backup must not reveal where a safe house is, who a resident is (NIK), how
to reach their family, or what the case notes say. The columns typed ``Encrypted`` (NIK, a facility's
address, family contacts' addresses and phones, case notes and their earlier texts, discharge notes,
the reunification plan's family assessment, two-step secrets) hold ``<key id>:<base64 nonce+ciphertext>``
in the database; the models keep their plain attributes: SQLAlchemy encrypts on write and decrypts on
read. An empty string stays empty (it says nothing), NULL stays NULL.

Keys come from ``FIELD_ENCRYPTION_KEYS``: urlsafe-base64 32-byte keys separated by commas, the newest
first. The newest encrypts; every listed key decrypts (found by the key id stored with the value), so
rows written under an older key stay readable during a rotation (``flask keys rotate``, see
``shelter.key_rotation``). Each value is bound to its column (associated data ``table.column``): a
ciphertext copied into another column does not decrypt.

NIK keeps duplicate detection without plaintext: ``nik_hash`` is HMAC-SHA256 of the normalised NIK
under a hash key derived (HKDF) from the encryption key. A lookup compares against the hashes under
every listed key (``nik_hashes``), so duplicates are still found while a rotation is half done; the
rotation rewrites each hash under the newest key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SETTING = "FIELD_ENCRYPTION_KEYS"
NONCE_BYTES = 12
KEY_ID_CHARS = 8


class KeyProblem(ValueError):
    """FIELD_ENCRYPTION_KEYS cannot be used; the message names the setting and never shows a key."""


class UndecryptableValue(RuntimeError):
    """A stored value that no configured key opens (a removed key, or a damaged value). Ids only."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _key_id(secret: bytes) -> str:
    return hashlib.sha256(b"shelter field key id\x00" + secret).hexdigest()[:KEY_ID_CHARS]


def _hash_key(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shelter nik hash").derive(secret)


@dataclass(frozen=True)
class _Key:
    id: str
    aead: AESGCM
    hash_key: bytes


def parse_keys(raw: str) -> tuple[str, ...]:
    """The keys of a FIELD_ENCRYPTION_KEYS value, checked. Raises KeyProblem with a clear sentence."""
    keys = tuple(part.strip() for part in (raw or "").split(",") if part.strip())
    if not keys:
        raise KeyProblem(f"{SETTING} is empty: give at least one key.")
    seen = set()
    for number, key in enumerate(keys, start=1):
        try:
            secret = base64.urlsafe_b64decode(key.encode("ascii") + b"=" * (-len(key) % 4))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            secret = b""
        if len(secret) != 32:
            raise KeyProblem(
                f"{SETTING}: key {number} of {len(keys)} is not a urlsafe-base64 32-byte key. Generate one "
                f"with `flask keys generate` (or `python -c \"import base64, os; "
                f"print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"`).")
        if secret in seen:
            raise KeyProblem(f"{SETTING}: key {number} of {len(keys)} is listed twice.")
        seen.add(secret)
    return keys


class Keyring:
    """The configured keys: the first encrypts and hashes, all decrypt."""

    def __init__(self, keys: tuple[str, ...]):
        secrets_ = [base64.urlsafe_b64decode(k.encode() + b"=" * (-len(k) % 4)) for k in parse_keys(",".join(keys))]
        self.keys = [_Key(id=_key_id(s), aead=AESGCM(s), hash_key=_hash_key(s)) for s in secrets_]
        self.by_id = {k.id: k for k in self.keys}
        self.current = self.keys[0]

    def encrypt(self, plaintext: str, label: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, plaintext.encode("utf-8"), label.encode())
        return f"{self.current.id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, stored: str, label: str) -> str:
        key_id, _, body = stored.partition(":")
        key = self.by_id.get(key_id)
        if key is None or not body:
            raise UndecryptableValue(f"a value in {label} was encrypted with a key not in {SETTING}")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], label.encode()).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise UndecryptableValue(f"a value in {label} does not decrypt (damaged or moved)") from None

    def is_current(self, stored: str | None) -> bool:
        return not stored or stored.startswith(self.current.id + ":")

    def nik_hash(self, nik: str) -> str:
        return hmac.new(self.current.hash_key, nik.encode(), hashlib.sha256).hexdigest()

    def nik_hashes(self, nik: str) -> list[str]:
        """The hash of ``nik`` under every listed key: what a lookup compares against during a rotation."""
        return [hmac.new(k.hash_key, nik.encode(), hashlib.sha256).hexdigest() for k in self.keys]


@lru_cache(maxsize=8)
def _keyring_for(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)


def keyring() -> Keyring:
    """The keyring of the current app (its config's FIELD_ENCRYPTION_KEYS)."""
    return _keyring_for(tuple(current_app.config["SHELTER"].field_encryption_keys))


def nik_hash(nik: str | None) -> str | None:
    return keyring().nik_hash(nik) if nik else None


def nik_matches(column, nik: str):
    """A WHERE condition: the hash column equals the hash of ``nik`` under any configured key."""
    return column.in_(keyring().nik_hashes(nik))


class Encrypted(sa.types.TypeDecorator):
    """A text column stored encrypted; ``label`` (``table.column``) is bound into every ciphertext."""

    impl = sa.Text
    cache_ok = True

    class comparator_factory(sa.types.TypeDecorator.Comparator):
        """``column == value`` on a column with a keyed hash beside it compares the hashes (a ciphertext
        is different at every write, so comparing it would never match); other columns refuse it."""

        def operate(self, op, *other, **kwargs):
            from sqlalchemy.sql import operators

            if op is operators.eq and other and isinstance(other[0], str) and other[0]:
                hash_column = self.type.hash_column
                if hash_column is None:
                    raise TypeError(f"{self.type.label} is encrypted: it cannot be compared in SQL")
                return nik_matches(self.expr.table.c[hash_column], other[0])
            return super().operate(op, *other, **kwargs)

    def __init__(self, label: str, hash_column: str | None = None):
        super().__init__()
        self.label = label
        # The column beside it holding the HMAC of the value (``flask keys rotate`` rewrites both).
        self.hash_column = hash_column

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring().encrypt(value, self.label)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring().decrypt(value, self.label)


def encrypted_columns(metadata: sa.MetaData) -> list[tuple[sa.Table, list[sa.Column]]]:
    """Every table with encrypted columns, and those columns, in a stable order."""
    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, Encrypted)]
        if columns:
            found.append((table, columns))
    return found
