"""Composition root of the desktop client: options, paths, adapters, then the Qt entry point.

Only this module knows every concrete class. Heavy modules (the video engine, aiortc, av) are
never imported here: features load them when first used.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.clock import Clock, system_clock
from desktop.api.client import ApiClient
from desktop.api.realtime import RealtimeClient
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.app_services import AppServices
from desktop.services.config import APP_NAME, AppConfig
from desktop.services.local_server import LocalServer
from desktop.services.ports import RealtimeLink, ServerApi
from desktop.services.session import SessionService, SignedIn
from desktop.services.sync import SocketEventHandler, StatusHandler
from desktop.services.workspace import WorkspaceParts
from desktop.storage.cache import LocalCache
from desktop.storage.cipher import Cipher, new_key
from desktop.storage.credentials import CredentialStore
from desktop.storage.outbox_store import OutboxStore
from desktop.storage.schema import open_database
from desktop.storage.settings_store import SettingsStore

log = logging.getLogger("teleconsult.desktop")

HOME_VARIABLE = "TELECONSULT_DESKTOP_HOME"  # one folder for data and config (tests, bench, portable use)


@dataclass(frozen=True)
class Options:
    server: str | None
    fake_media: bool


def parse_options(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="teleconsult", description="Teleconsult — application du praticien")
    parser.add_argument("--server", metavar="URL", help="adresse du serveur Teleconsult à utiliser")
    parser.add_argument(
        "--fake-media", action="store_true", help="caméra et micro de synthèse (essais, démonstrations)"
    )
    known, _qt_args = parser.parse_known_args(argv[1:])  # Qt's own options (-style…) pass through
    return Options(server=known.server, fake_media=known.fake_media)


def default_config(options: Options) -> AppConfig:
    home = os.environ.get(HOME_VARIABLE)
    if home:
        data_dir, config_dir = Path(home) / "data", Path(home) / "config"
    else:
        from platformdirs import user_config_dir, user_data_dir

        data_dir = Path(user_data_dir(APP_NAME, appauthor=False))
        config_dir = Path(user_config_dir(APP_NAME, appauthor=False))
    return AppConfig(data_dir, config_dir, server_url=options.server, fake_media=options.fake_media)


def make_api(server_url: str, token: str | None) -> ServerApi:
    return ApiClient(server_url, token)


async def _healthy(url: str) -> bool:
    api = ApiClient(url, timeout=2.0)
    try:
        return (await api.health()).status == "ok"
    except Exception:
        return False
    finally:
        await api.aclose()


def workspace_parts(config: AppConfig, signed_in: SignedIn) -> WorkspaceParts:
    """The adapters of one account: API client, local database, outbox, socket."""
    folder = config.account_dir(signed_in.server_key, signed_in.account.id)
    key = signed_in.cache_key  # None: no secure keyring, the database stays in memory
    cipher = Cipher(key if key is not None else new_key())
    db = open_database(folder / "local.sqlite3" if key is not None else None, cipher)
    api = make_api(signed_in.server_url, signed_in.token)

    def realtime(
        url: str,
        token: Callable[[], str | None],
        last_seq: Callable[[], Awaitable[int]],
        on_event: SocketEventHandler,
        on_status: StatusHandler,
    ) -> RealtimeLink:
        return RealtimeClient(url, token, last_seq, on_event, on_status)

    return WorkspaceParts(
        api=api,
        cache=LocalCache(db, cipher),
        outbox_store=OutboxStore(db, folder / "outbox", cipher),
        realtime_factory=realtime,
        close_storage=db.close,
    )


def build_app_services(
    config: AppConfig, credentials: CredentialStore | None = None, clock: Clock = system_clock
) -> AppServices:
    """Everything but the UI, for `run()` and for tests; `clock` is the one time source."""
    messages = Messages()
    runner = TaskRunner(messages)
    local = LocalServer(config.local_server_dir, _healthy)
    session = SessionService(
        SettingsStore(config.config_dir), credentials or CredentialStore(), local, make_api, messages
    )
    if config.server_url:
        session.use_server_option(config.server_url)
    return AppServices(
        config, messages, runner, session, lambda signed: workspace_parts(config, signed), clock
    )


def run(argv: list[str]) -> int:
    """Start the Qt application on a qasync loop; returns the exit code."""
    options = parse_options(argv)
    logging.basicConfig(level=os.environ.get("TELECONSULT_LOG", "WARNING").upper())
    services = build_app_services(default_config(options))
    from desktop.ui.entry import run_qt

    return run_qt(argv, services)
