"""Build the desktop's services against a real server, for headless and UI tests alike."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

from contracts.wire.accounts import UserPublic
from desktop.app import build_app_services
from desktop.services.app_services import AppServices
from desktop.services.config import AppConfig
from desktop.services.session import SignedIn
from desktop.services.workspace import Workspace
from desktop.storage.credentials import CredentialStore
from tests.helpers.factories import Account as ServerAccount
from tests.helpers.live_server import LiveServer


class MemoryKeyring(KeyringBackend):
    """A secure-looking keyring held in memory (ecosystem.md §3)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.data[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


class NullNotifier:
    """Records notifications instead of showing them."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, body: str) -> None:
        self.shown.append((title, body))


def make_config(home: Path, server_url: str | None = None) -> AppConfig:
    return AppConfig(home / "data", home / "config", server_url=server_url)


def app_services(
    home: Path, server: LiveServer, keyring_backend: KeyringBackend | None = None
) -> AppServices:
    return build_app_services(
        make_config(home, server.url), CredentialStore(keyring_backend or MemoryKeyring()), server.clock
    )


def signed_in(server: LiveServer, account: ServerAccount, plan: str = "PRO+") -> SignedIn:
    """A session for a factory-made practitioner (token from the server's own services)."""
    me = UserPublic(
        id=account.id,
        role="practitioner",
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email or "",
        phone=None,
        profession="medecin_generaliste",
        plan=plan,
        event_seq=0,
    )
    # The same key for the same account: a workspace opened again reads the database it wrote.
    cache_key = hashlib.sha256(f"test cache key {account.id}".encode()).digest()
    return SignedIn(server.url, server.url, me, account.token, cache_key)


async def open_workspace(
    services: AppServices, server: LiveServer, account: ServerAccount, *, start: bool = True
) -> tuple[Workspace, NullNotifier]:
    notifier = NullNotifier()
    workspace = services.open_workspace(signed_in(server, account), notifier)
    if start:
        await workspace.start()
    return workspace, notifier


async def wait_for(predicate: Callable[[], object], timeout: float = 15.0, step: float = 0.02) -> None:
    """Yield to the running loop until `predicate()` is truthy (works on qasync and plain asyncio)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
