"""Settings file and token storage: never a token on disk, never a plaintext keyring."""

from __future__ import annotations

import asyncio
from pathlib import Path

from keyring.backends import fail, null

from desktop.domain.app_settings import LOCAL, AppSettings
from desktop.storage.credentials import CredentialStore, assess
from desktop.storage.settings_store import SettingsStore
from tests.desktop.services.harness import MemoryKeyring


def test_settings_round_trip_and_bad_file(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    assert store.load() == AppSettings()
    saved = AppSettings(server_mode=LOCAL, local_port=8123, last_email="claire@example.fr")
    store.save(saved)
    assert store.load() == saved
    assert saved.configured and saved.server_key == "local"
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() == AppSettings()


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backends (module name is what is checked)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_unsafe_backends_are_refused() -> None:
    assert not assess(fail.Keyring()).secure
    assert not assess(null.Keyring()).secure
    assert not assess(PlaintextKeyring()).secure
    assert assess(MemoryKeyring()).secure
    assert assess(fail.Keyring()).warning is not None


def test_without_a_secure_keyring_the_token_stays_in_memory(tmp_path: Path) -> None:
    async def scenario() -> None:
        backend = PlaintextKeyring()
        store = CredentialStore(backend)
        assert await store.set("srv|claire@example.fr", "secret-token") is False
        assert backend.data == {}  # nothing reached the plaintext backend
        assert await store.get("srv|claire@example.fr") == "secret-token"
        assert await CredentialStore(backend).get("srv|claire@example.fr") is None  # a new run: gone

        secure = MemoryKeyring()
        assert await CredentialStore(secure).set("k", "t") is True
        assert await CredentialStore(secure).get("k") == "t"

    asyncio.run(scenario())
