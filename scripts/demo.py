"""`make demo`: the app signed in on a lived-in practice, to try it without an empty screen.

A temporary folder, a local server (SQLite) in this process, about 200 patients seeded through the
server's own services (tests/helpers/demo_practice.py: conversations and messages, invitations in
every status, pending requests, past calls, claims and payments; fixed seed and calendar, so two
runs show the same practice), then the desktop app, already signed in as Dr Claire Martin. Quitting
the app stops the server and removes the folder (unless --keep).

    .venv/bin/python scripts/demo.py [--patients 200] [--keep] [--screenshot demo.png]

`--screenshot` (with QT_QPA_PLATFORM=offscreen, say) saves the main window once the conversations are
listed, then quits. The practitioner's password, to sign in again: demo-teleconsult-2026.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' helpers are not installed with the package

from desktop.app import build_app_services  # noqa: E402
from desktop.domain.app_settings import REMOTE, AppSettings  # noqa: E402
from desktop.domain.connection_status import ConnectionStatus  # noqa: E402
from desktop.services.app_services import AppServices  # noqa: E402
from desktop.services.config import AppConfig  # noqa: E402
from desktop.storage.credentials import SERVICE, CredentialStore  # noqa: E402
from desktop.storage.settings_store import SettingsStore  # noqa: E402
from server.container import Services  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.desktop.services.harness import MemoryKeyring  # noqa: E402
from tests.helpers.clock import TestClock  # noqa: E402
from tests.helpers.demo_practice import START, Practice, demo_settings_overrides, seed_practice  # noqa: E402
from tests.helpers.live_server import LiveServer  # noqa: E402


def start_server(folder: Path, clock: TestClock) -> LiveServer:
    settings = Settings.load(
        environ={},
        dotenv_path=folder / "absent.env",
        overrides={"data_dir": folder, "port": 0, **demo_settings_overrides()},
    )
    return LiveServer(settings, clock=clock).start()


def seed(server: LiveServer, clock: TestClock, patients: int) -> Practice:
    async def go(services: Services) -> Practice:
        return await seed_practice(services, clock, patients)

    return server.run(go, timeout=900)


def desktop_services(home: Path, server: LiveServer, practice: Practice, clock: TestClock) -> AppServices:
    """The app's services with the practitioner's session remembered (settings, keyring in memory)."""
    SettingsStore(home / "config").save(
        AppSettings(
            server_mode=REMOTE,
            server_url=server.url,
            last_email=practice.practitioner_email,
            account_id=practice.practitioner_id,
            account_first_name="Claire",
            account_last_name="Martin",
        )
    )
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, f"{server.url}|{practice.practitioner_email}", practice.token)
    config = AppConfig(home / "data", home / "config", server_url=server.url)
    return build_app_services(config, CredentialStore(keyring), clock)


def run_app(services: AppServices, conversations: int, screenshot: Path | None) -> int:
    import qasync
    from PySide6.QtCore import QCoreApplication, QEvent

    from desktop.ui.app_controller import AppController
    from desktop.ui.entry import make_application
    from desktop.ui.translations import install_translations

    app = make_application(sys.argv[:1])
    translators = install_translations(app)
    controller = AppController(app, services)

    async def main() -> int:
        if screenshot is None:
            return await controller.run()
        running = asyncio.ensure_future(controller.run())
        deadline = time.monotonic() + 120
        while True:
            window, workspace = controller.window, controller.workspace
            if (
                window is not None
                and workspace is not None
                and workspace.sync.status is ConnectionStatus.ONLINE
                and window.requests_banner.isVisible()
                and window.conversation_list.model.rowCount() >= conversations
            ):
                break
            if running.done() or time.monotonic() > deadline:
                print("la fenêtre principale n'a pas affiché les conversations à temps", file=sys.stderr)
                return 1
            await asyncio.sleep(0.1)
        window.resize(1280, 800)
        window.message_bar.hide()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # laid out at the new size
        assert window.grab().save(str(screenshot))
        print(f"capture : {screenshot}")
        window.close()
        return int(await running)

    code = int(qasync.run(main()))
    del translators
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Teleconsult sur un cabinet de démonstration.")
    parser.add_argument("--patients", type=int, default=200, help="nombre de patients (200)")
    parser.add_argument("--seed", type=int, default=12, help="graine du tirage (12)")
    parser.add_argument("--keep", action="store_true", help="garder le dossier temporaire")
    parser.add_argument("--screenshot", type=Path, help="enregistrer la fenêtre principale puis quitter")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="teleconsult-demo-"))
    clock = TestClock(START)
    server = start_server(folder / "server", clock)
    try:
        began = time.monotonic()
        practice = seed(server, clock, options.patients)
        print(
            f"Cabinet de démonstration prêt en {time.monotonic() - began:.1f} s : "
            f"{practice.patients} patients, {len(practice.conversations)} conversations, "
            f"{practice.messages} messages, {practice.requests} demandes en attente, "
            f"{practice.calls} appels passés, {practice.claims} feuilles de soins, "
            f"paiements {dict(practice.payments)}, invitations {dict(practice.invitations)}."
        )
        print(f"Serveur : {server.url} — {practice.practitioner_email} / {practice.password}")
        services = desktop_services(folder / "home", server, practice, clock)
        return run_app(services, len(practice.conversations), options.screenshot)
    finally:
        server.stop()
        if options.keep:
            print(f"dossier conservé : {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
