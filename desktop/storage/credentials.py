"""Session tokens and local database keys in the OS keyring; in memory only when no secure keyring exists.

A token is never written to disk in clear: the fail/null backends and every `keyrings.alt`
backend (plaintext or merely base64 files) are refused, and the user is told the session will
not be remembered.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop.domain.keyring_status import KeyringStatus
from desktop.storage.cipher import KEY_BYTES, new_key

log = logging.getLogger(__name__)

SERVICE = "teleconsult"

NO_KEYRING = (
    "Aucun trousseau sécurisé n'est disponible sur ce poste : votre session et vos conversations "
    "hors ligne sont gardées en mémoire seulement. Il faudra vous reconnecter au prochain lancement, "
    "et la liste sera rechargée depuis le serveur."
)

_UNSAFE_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def _chain(backend: KeyringBackend) -> list[KeyringBackend]:
    inner = getattr(type(backend), "backends", None)
    if type(backend).__name__ == "ChainerBackend" and isinstance(inner, list):
        return list(inner)
    return [backend]


def assess(backend: KeyringBackend) -> KeyringStatus:
    """Is `backend` a secure store? Plaintext-capable chains are refused as a whole."""
    chain = _chain(backend)
    names = [f"{type(b).__module__}.{type(b).__name__}" for b in chain]
    unsafe = [n for n in names if n.startswith(_UNSAFE_MODULE_PREFIXES)]
    if not chain or unsafe:
        return KeyringStatus(False, ", ".join(names) or "aucun", NO_KEYRING)
    return KeyringStatus(True, ", ".join(names))


class CredentialStore:
    """Tokens by account key (`<server>|<email>`): keyring when secure, else this process's memory."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._memory: dict[str, str] = {}
        self._status: KeyringStatus | None = None

    def _resolve(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def status(self) -> KeyringStatus:
        """Assess the backend once (it may take ~0.1 s to discover: call it off the UI thread)."""
        if self._status is None:
            self._status = assess(self._resolve())
            if not self._status.secure:
                log.warning("no secure keyring (%s): tokens kept in memory only", self._status.backend)
        return self._status

    def _get(self, key: str) -> str | None:
        if key in self._memory:
            return self._memory[key]
        if not self.status().secure:
            return None
        try:
            return self._resolve().get_password(SERVICE, key)
        except keyring.errors.KeyringError:
            log.warning("keyring read failed", exc_info=True)
            return None

    def _set(self, key: str, token: str) -> bool:
        self._memory[key] = token
        if not self.status().secure:
            return False
        try:
            self._resolve().set_password(SERVICE, key, token)
        except keyring.errors.KeyringError:
            log.warning("keyring write failed: token kept in memory", exc_info=True)
            return False
        return True

    def _delete(self, key: str) -> None:
        self._memory.pop(key, None)
        if not self.status().secure:
            return
        try:
            self._resolve().delete_password(SERVICE, key)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError:
            log.warning("keyring delete failed", exc_info=True)

    def _cache_key(self, account: str) -> bytes | None:
        """The key of the account's local database; made on first use. None: no secure keyring."""
        if not self.status().secure:
            return None
        name = f"cache-key|{account}"
        try:
            stored = self._resolve().get_password(SERVICE, name)
        except keyring.errors.KeyringError:
            log.warning("keyring read failed: local data kept in memory", exc_info=True)
            return None
        if stored:
            try:
                key = base64.b64decode(stored, validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if len(key) == KEY_BYTES:
                return key
            log.warning("local database key unreadable in the keyring: a new one is made")
        key = new_key()
        try:
            self._resolve().set_password(SERVICE, name, base64.b64encode(key).decode("ascii"))
        except keyring.errors.KeyringError:
            log.warning("keyring write failed: local data kept in memory", exc_info=True)
            return None
        return key

    # Keyring calls may block (D-Bus, an unlock prompt): always off the event loop thread.
    async def get(self, key: str) -> str | None:
        return await asyncio.to_thread(self._get, key)

    async def set(self, key: str, token: str) -> bool:
        """Keep `token`; returns whether it was stored securely (False: memory only)."""
        return await asyncio.to_thread(self._set, key, token)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    async def cache_key(self, account: str) -> bytes | None:
        """The 256-bit key sealing `account`'s local database (None: keep it in memory only)."""
        return await asyncio.to_thread(self._cache_key, account)

    async def check(self) -> KeyringStatus:
        return await asyncio.to_thread(self.status)
