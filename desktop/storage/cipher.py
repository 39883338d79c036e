"""Encryption at rest of the local database: AES-256-GCM on the columns that hold health data.

Patient names, message previews and bodies, document names and outbox texts are sealed; ids,
times and seqs stay in clear so the database keeps its indexes and its order. Each sealed value
is bound to its row (the row's id is the associated data): a value copied onto another row does
not open. The key (256 random bits) lives in the OS keyring, never on disk beside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE = 12
# Kept in the `state` table: tells whether the database was sealed with this key, without it.
CHECK_STATE = "cipher_check"
_CHECK_LABEL = b"teleconsult local database v1"


class UnreadableValueError(ValueError):
    """A sealed value does not open with this key (another key, or tampered with)."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class Cipher:
    """Seals and opens the sensitive values of one account's local database."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the local database key has 32 bytes")
        self._aead = AESGCM(key)
        self.check = hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()

    def seal(self, text: str, row: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, text.encode("utf-8"), row.encode("utf-8"))

    def open(self, sealed: bytes, row: str) -> str:
        """The text sealed for `row`.

        Raises:
            UnreadableValueError: another key, another row, or altered bytes.
        """
        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], row.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError) as exc:
            raise UnreadableValueError("a sealed value does not open") from exc

    def admits(self, conn: sqlite3.Connection) -> bool:
        """Whether the database of `conn` may be used with this key; a new one is marked with it.

        False for a database sealed with another key (or a lost one) and for one written before
        the encryption (data but no mark): its content cannot be read and is to be discarded.
        """
        for table in ("conversations", "messages", "outbox"):  # tables of before the encryption
            if "sealed" not in {str(c[1]) for c in conn.execute(f"PRAGMA table_info({table})")}:
                return False
        row = conn.execute("SELECT value FROM state WHERE key = ?", (CHECK_STATE,)).fetchone()
        if row is not None:
            return hmac.compare_digest(str(row[0]), self.check)
        for table in ("state", "conversations", "messages", "outbox"):
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:  # noqa: S608
                return False
        conn.execute("INSERT INTO state (key, value) VALUES (?, ?)", (CHECK_STATE, self.check))
        return True
