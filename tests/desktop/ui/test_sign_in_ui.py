"""The sign-in page (issue 12): « Mot de passe oublié ? » through the real mailer, email refusals that
say why, and how to get a keyring when this machine has none."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from desktop.app import build_app_services
from desktop.domain.app_settings import REMOTE, AppSettings
from desktop.domain.connection_status import ConnectionStatus
from desktop.domain.keyring_status import keyring_help
from desktop.storage.credentials import CredentialStore
from desktop.storage.settings_store import SettingsStore
from desktop.ui.app_controller import AppController
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from tests.desktop.services.harness import MemoryKeyring, make_config, wait_for
from tests.helpers.factories import PASSWORD, make_practitioner
from tests.helpers.invitation_env import delivery_settings
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

NEW_PASSWORD = "une-toute-nouvelle-phrase-9"


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SmtpCapture]]:
    """A server that emails through a local SMTP server (aiosmtpd): the real mailer, a local inbox."""
    capture = SmtpCapture().start()
    try:
        with LiveServer(delivery_settings(tmp_path_factory.mktemp("reset"), capture, None)) as live:
            yield live, capture
    finally:
        capture.stop()


def visible_sign_in() -> SignInDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SignInDialog) and widget.isVisible():
            return widget
    return None


@pytest.mark.asyncio
async def test_a_forgotten_password_is_changed_with_an_emailed_code_without_a_keyring(
    mail_server: tuple[LiveServer, SmtpCapture], tmp_path: Path
) -> None:
    server, smtp = mail_server
    doctor = make_practitioner(server)
    assert doctor.email is not None
    home = tmp_path / "client"
    SettingsStore(home / "config").save(
        AppSettings(server_mode=REMOTE, server_url=server.url, last_email=doctor.email)
    )
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    # No keyring on this machine: nothing remembered, so the sign-in page opens at once.
    no_keyring = CredentialStore(fail.Keyring())  # type: ignore[no-untyped-call]
    services = build_app_services(make_config(home, server.url), no_keyring, server.clock)
    controller = AppController(app, services)
    running = asyncio.ensure_future(controller.run())
    try:
        await wait_for(lambda: visible_sign_in() is not None, timeout=30)
        dialog = visible_sign_in()
        assert dialog is not None
        # How to get a keyring, for this platform, on the page itself.
        assert dialog.keyring_help.isVisible()
        assert "reconnecter à chaque lancement" in dialog.keyring_help.text()
        assert keyring_help("linux") in dialog.keyring_help.text()  # the suite runs on Linux

        # An address refused says why, and nothing is sent.
        dialog.email.setText("claire.martin.exemple.fr")
        dialog.password.setText("peu-importe-ici")
        dialog.submit.click()
        assert dialog.error.text() == "Adresse e-mail invalide : il manque le @ (exemple : nom@domaine.fr)."
        assert dialog.submit.isEnabled()

        dialog.email.setText(doctor.email)
        assert dialog.forgot.text() == "Mot de passe oublié ?"
        dialog.forgot.click()
        reset = dialog.reset
        assert dialog.sign_in_pages.currentWidget() is reset and reset.email.text() == doctor.email
        assert not reset.submit.isEnabled()  # the code first
        reset.send_code.click()
        await wait_for(lambda: reset.sent.isVisible(), timeout=20)
        assert "10 minutes" in reset.sent.text()
        mails = await asyncio.to_thread(smtp.wait, doctor.email)
        found = re.search(r"Voici votre code : (\d{6})", mails[-1].text)
        assert found is not None
        reset.code.setText(found.group(1))
        reset.password.setText(NEW_PASSWORD)
        reset.password_again.setText(NEW_PASSWORD + "x")
        reset.submit.click()
        assert reset.error.text() == "Les deux mots de passe ne sont pas identiques."
        reset.password_again.setText(NEW_PASSWORD)
        reset.submit.click()

        # Signed in with the new password: the main window opens and goes online.
        await wait_for(lambda: controller.workspace is not None and controller.window is not None, timeout=30)
        workspace, window = controller.workspace, controller.window
        assert workspace is not None and window is not None
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE, timeout=20)
        with httpx.Client(base_url=server.api) as http:
            login = {"role": "practitioner", "identifier": doctor.email}
            assert http.post("/auth/login", json={**login, "password": NEW_PASSWORD}).status_code == 200
            assert http.post("/auth/login", json={**login, "password": PASSWORD}).status_code == 401
        window.close()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()


@pytest.mark.asyncio
async def test_with_a_keyring_the_page_says_nothing_about_it(
    mail_server: tuple[LiveServer, SmtpCapture], tmp_path: Path
) -> None:
    server, _smtp = mail_server
    home = tmp_path / "client"
    SettingsStore(home / "config").save(AppSettings(server_mode=REMOTE, server_url=server.url))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    services = build_app_services(
        make_config(home, server.url), CredentialStore(MemoryKeyring()), server.clock
    )
    controller = AppController(app, services)
    running = asyncio.ensure_future(controller.run())
    try:
        await wait_for(lambda: visible_sign_in() is not None, timeout=30)
        dialog = visible_sign_in()
        assert dialog is not None and not dialog.keyring_help.isVisible()
        # The forgotten-password form checks the address before asking the server.
        dialog.forgot.click()
        dialog.reset.email.setText("claire@cabinet")
        dialog.reset.send_code.click()
        assert dialog.reset.error.text() == (
            "Adresse e-mail invalide : le domaine « cabinet » n'a pas d'extension (.fr, .com…)."
        )
        assert not dialog.reset.sent.isVisible()
        dialog.reject()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        ("linux", ("gnome-keyring", "KWallet", "keyrings.alt", "n'est pas recommandé")),
        ("darwin", ("Trousseau d'accès", "toujours présent")),
        ("win32", ("Gestionnaire d'identification", "services.msc")),
        ("sunos5", ("trousseau sécurisé",)),
    ],
)
def test_keyring_help_per_platform(platform: str, words: tuple[str, ...]) -> None:
    text = keyring_help(platform)
    assert all(w in text for w in words), text
