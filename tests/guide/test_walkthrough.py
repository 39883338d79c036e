"""The seed article walked through end to end, and the user guide (docs/guide) built from the run.

The practitioner works in the real desktop window (AppController: sign-in dialog, main window,
calls and billing wired as in the app), with the keyboard and the mouse (pytest-qt); the patients
use their pages in Debian chromium at 390 × 844, against one real server that delivers email to a
local SMTP server. Every step leaves a screenshot — desktop with `QWidget.grab()`, patient with
`page.screenshot()` — and the run writes docs/guide (tests/guide/guide_book.py). The committed guide
must be what the run produced: same Markdown, same image names (the images' bytes may differ).

The video itself (decoded frames on both sides) is proven in a loopback-only network namespace by
tests/e2e/test_call_netns.py; here the call screen shows the desktop's synthetic test camera while
the patient's page offers to join, and the guide says so.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aioice.ice
import pytest
from playwright.sync_api import expect
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import build_app_services
from desktop.domain.app_settings import REMOTE, AppSettings
from desktop.domain.connection_status import ConnectionStatus
from desktop.services.call_media import MediaFactory, synthetic_media
from desktop.services.ports import Notifier
from desktop.services.session import SignedIn
from desktop.services.workspace import Workspace
from desktop.storage.credentials import CredentialStore
from desktop.storage.settings_store import SettingsStore
from desktop.ui.app_controller import AppController
from desktop.ui.billing.note_preview_dialog import NotePreviewDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.main_window import CONVERSATION, INVITATIONS
from tests.conftest import need
from tests.desktop.services.harness import MemoryKeyring, make_config, wait_for
from tests.desktop.ui.desktop_harness import grab, type_into
from tests.e2e.conftest import CHROMIUM
from tests.guide.browser_thread import PatientBrowser
from tests.guide.guide_book import GUIDE, Guide, content, install
from tests.helpers.documents import make_pdf
from tests.helpers.engine_patient import EnginePatient
from tests.helpers.factories import PASSWORD, Account, make_practitioner
from tests.helpers.invitation_env import delivery_settings
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

pytestmark = pytest.mark.browser

CODE = re.compile(r"code[^0-9]{0,40}(\d{6})")
VALID_NIR = "295109912611193"


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
    )


def visible(kind: type[QWidget]) -> Any:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def drop_files(target: QWidget, paths: list[Path]) -> None:
    """A real drag-enter then drop of files from the file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(target.width() / 2, target.height() / 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    assert enter.isAccepted() and drop.isAccepted()
    del mime


def difference(before: tuple[str, list[str]], after: tuple[str, list[str]]) -> str:
    text = difflib.unified_diff(
        before[0].splitlines(), after[0].splitlines(), "committed", "produced", lineterm=""
    )
    names = difflib.unified_diff(before[1], after[1], "committed images", "produced images", lineterm="")
    return "\n".join([*text, *names])[:4000]


async def signup_code(smtp: SmtpCapture, email: str, count: int) -> str:
    mails = await asyncio.to_thread(smtp.wait, email, count)
    found = CODE.search(mails[count - 1].text)
    assert found is not None, mails[count - 1].text
    return found.group(1)


@asynccontextmanager
async def practice(tmp: Path) -> AsyncIterator[tuple[LiveServer, SmtpCapture, Account]]:
    smtp = SmtpCapture().start()
    server = LiveServer(delivery_settings(tmp / "server", smtp, None))
    await asyncio.to_thread(server.start)
    try:
        doctor = await asyncio.to_thread(
            make_practitioner,
            server,
            first_name="Claire",
            last_name="Martin",
            city="Lyon",
            address="12 rue de la République",
            postal_code="69002",
            am_number="691234567",
        )
        yield server, smtp, doctor
    finally:
        await asyncio.to_thread(server.stop)
        smtp.stop()


@pytest.mark.asyncio
@pytest.mark.timeout(240)
async def test_the_seed_article_step_by_step_builds_the_user_guide(tmp_path: Path, qtbot: QtBot) -> None:
    need(
        Path(CHROMIUM).is_file(),
        f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium »",
    )
    shots = tmp_path / "shots"
    shots.mkdir()
    guide = Guide(shots)
    guide.notes.append(
        "Dans les images de l'appel vidéo, les deux caméras sont des mires de test : celle de "
        "l'application, et celle d'un moteur vidéo de test qui répond à l'appel à la place du "
        "navigateur du patient (même serveur, même signalisation). La vidéo entre Chromium et "
        "l'application est vérifiée à part, dans un espace réseau isolé "
        "(`tests/e2e/test_call_netns.py`)."
    )
    async with practice(tmp_path) as (server, smtp, doctor):
        browser = await PatientBrowser(server.clock).start()  # pages follow the server's clock
        home = tmp_path / "home"
        assert doctor.email
        SettingsStore(home / "config").save(
            AppSettings(server_mode=REMOTE, server_url=server.url, last_email=doctor.email)
        )
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        services = build_app_services(
            make_config(home, server.url), CredentialStore(MemoryKeyring()), server.clock
        )
        open_workspace = services.open_workspace

        def with_test_camera(
            signed: SignedIn, notifier: Notifier, media: MediaFactory | None = None
        ) -> Workspace:
            # The camera is the product seam: the app's own synthetic source (test pattern, tone).
            return open_workspace(signed, notifier, media=lambda: synthetic_media(640, 480, speaker=False))

        services.open_workspace = with_test_camera  # type: ignore[method-assign, assignment]
        controller = AppController(app, services)
        running = asyncio.ensure_future(controller.run())
        try:
            await walk(guide, server, smtp, doctor, controller, browser, tmp_path, qtbot)
            assert controller.window is not None
            controller.window.close()
            assert await asyncio.wait_for(running, 30) == 0
        finally:
            if not running.done():
                running.cancel()
            await browser.close()
    assert browser.problems == [], "errors in the patient's pages: " + " | ".join(browser.problems)

    # The guide: built aside, swapped in whole; the committed one must say the same.
    committed = content(GUIDE)
    install(guide)
    produced = content(GUIDE)
    assert produced[1] == sorted(s.name for s in guide.shots)
    assert committed == produced, (
        "docs/guide differs from what the walkthrough produced (the run has rewritten it: review and "
        "commit it):\n" + difference(committed, produced)
    )


async def walk(
    guide: Guide,
    server: LiveServer,
    smtp: SmtpCapture,
    doctor: Account,
    controller: AppController,
    browser: PatientBrowser,
    tmp: Path,
    qtbot: QtBot,
) -> None:
    # ------------------------------------------------------------------ sign in
    guide.at("connexion")
    await wait_for(lambda: visible(SignInDialog) is not None, timeout=30)
    dialog: SignInDialog = visible(SignInDialog)
    assert dialog.email.text() == doctor.email  # remembered
    dialog.password.setFocus()
    QTest.keyClicks(dialog.password, PASSWORD)
    grab(dialog, guide.image("connexion", "La fenêtre de connexion de l'application"))
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    await wait_for(lambda: controller.window is not None and controller.workspace is not None, timeout=30)
    window, workspace = controller.window, controller.workspace
    assert window is not None and workspace is not None
    await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE, timeout=30)
    assert window.account.text() == "Claire Martin · PRO+"
    window.resize(1180, 760)
    window.message_bar.hide()
    grab(window, guide.image("fenetre-principale", "La fenêtre principale, juste après la connexion"))

    # ------------------------------------------------------------------ 1) the appointment: outside the app
    guide.at("rendez-vous")

    # ------------------------------------------------------------------ 2) search: nobody yet
    guide.at("recherche")
    search = window.conversation_list.search
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert search.hasFocus()
    QTest.keyClicks(search, "dupont")
    assert window.conversation_list.model.ids == []
    assert "Aucune conversation" in window.conversation_list.empty.text()
    grab(
        window,
        guide.image(
            "recherche-sans-resultat", "Aucune conversation au nom de « dupont » : il faut l'inviter"
        ),
    )
    search.clear()

    # ------------------------------------------------------------------ 3) invitation by email
    guide.at("invitation")
    email = "helene.dupont@example.fr"  # a fresh server: the address is free
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # « + » → « Inviter… »
    presenter = controller.presenter
    assert presenter is not None
    await wait_for(lambda: presenter.invitation_dialog is not None)
    invitation = presenter.invitation_dialog
    assert invitation is not None and invitation.isVisible()
    invitation.inputs["first_name"].setText("Hélène")  # accents: QTest types ASCII only
    type_into(invitation.inputs["last_name"], "Dupont")
    type_into(invitation.inputs["email"], email)
    await wait_for(lambda: invitation.channel.text() == "Envoi par e-mail")
    grab(
        invitation,
        guide.image("invitation-formulaire", "« + » → « Inviter un patient autonome » : prénom, nom, e-mail"),
    )
    click(invitation.submit)
    mail = (await asyncio.to_thread(smtp.wait, email))[0]
    assert "Claire Martin" in mail.text

    helene = await browser.new_page()

    def open_invitation() -> None:
        helene.goto(mail.link)
        expect(helene.get_by_role("heading", level=1)).to_have_text(
            "Dr Claire Martin vous invite sur Teleconsult"
        )
        signup = helene.get_by_role("region", name="Créer mon compte patient")
        expect(signup.get_by_label("Adresse e-mail")).to_have_value(email)
        signup.get_by_label("Mot de passe").fill(PASSWORD)

    await browser.run(open_invitation)
    await browser.shot(
        helene,
        guide.image("patient-invitation", "Le patient ouvre le lien reçu par e-mail sur son téléphone"),
    )

    def create_account() -> None:
        signup = helene.get_by_role("region", name="Créer mon compte patient")
        signup.get_by_role("button", name="Créer mon compte").click()
        expect(signup.get_by_label("Code reçu (6 chiffres)")).to_be_focused()

    await browser.run(create_account)
    code = await signup_code(smtp, email, 2)  # the invitation came first

    def confirm_and_accept() -> None:
        signup = helene.get_by_role("region", name="Créer mon compte patient")
        signup.get_by_label("Code reçu (6 chiffres)").fill(code)
        signup.get_by_role("button", name="Valider mon inscription").click()
        expect(helene.get_by_role("button", name="Accepter l'invitation")).to_be_focused()

    await browser.run(confirm_and_accept)
    await browser.shot(helene, guide.image("patient-accepter", "Son compte créé, il accepte l'invitation"))

    def accept() -> None:
        helene.get_by_role("button", name="Accepter l'invitation").click()
        expect(helene.get_by_role("heading", level=1)).to_have_text("Dr Claire Martin")

    await browser.run(accept)
    await wait_for(lambda: len(workspace.conversations) == 1, timeout=20)
    click(window.invitations_button)
    await wait_for(lambda: window.current_page == INVITATIONS)
    await wait_for(lambda: [i.status for i in window.invitations.invitations] == ["accepted"], timeout=20)
    status = window.invitations.table.item(0, 3)
    assert status is not None and status.text() == "Acceptée"
    window.message_bar.hide()
    grab(
        window,
        guide.image("invitation-acceptee", "La conversation est apparue ; l'invitation est « Acceptée »"),
    )

    await walk_request(guide, server, smtp, window, presenter, browser)
    await walk_consultation(guide, server, window, controller, browser, helene, tmp)


async def walk_request(
    guide: Guide, server: LiveServer, smtp: SmtpCapture, window: Any, presenter: Any, browser: PatientBrowser
) -> None:
    # ------------------------------------------------------------------ 4) a patient signs up alone and asks
    guide.at("demande")
    email = "zoe.bernard@example.fr"
    zoe = await browser.new_page()

    def fill_sign_up() -> None:
        zoe.goto(f"{server.url}/inscription")
        zoe.get_by_label("Prénom").fill("Zoé")
        zoe.get_by_label("Nom", exact=True).fill("Bernard")
        zoe.get_by_label("Adresse e-mail").fill(email)
        zoe.get_by_label("Mot de passe").fill(PASSWORD)

    await browser.run(fill_sign_up)
    await browser.shot(
        zoe, guide.image("patient-inscription", "Le patient s'inscrit seul, depuis son téléphone")
    )

    def submit() -> None:
        zoe.get_by_role("button", name="Créer mon compte").click()
        expect(zoe.get_by_label("Code reçu (6 chiffres)")).to_be_focused()

    await browser.run(submit)
    code = await signup_code(smtp, email, 1)

    def confirm_and_find() -> None:
        zoe.get_by_label("Code reçu (6 chiffres)").fill(code)
        zoe.get_by_role("button", name="Valider mon inscription").click()
        expect(zoe.get_by_role("heading", level=1)).to_have_text("Trouver un praticien")
        zoe.get_by_label("Nom du praticien").fill("martin")
        zoe.get_by_label("Ville").fill("lyon")
        zoe.get_by_role("button", name="Rechercher").click()
        card = (
            zoe.get_by_role("list", name="Praticiens trouvés")
            .get_by_role("listitem")
            .filter(has_text="Claire Martin")
        )
        expect(card).to_have_count(1)
        card.get_by_role("button", name="Demander une mise en relation").click()
        message = card.get_by_label("Votre message à Dr Claire Martin (facultatif)")
        expect(message).to_be_focused()
        message.fill("Bonjour docteur, je suis suivie au cabinet pour mon asthme.")

    await browser.run(confirm_and_find)
    await browser.shot(
        zoe,
        guide.image("patient-demande", "Il vous trouve dans l'annuaire et vous demande une mise en relation"),
    )

    def send_request() -> None:
        card = (
            zoe.get_by_role("list", name="Praticiens trouvés")
            .get_by_role("listitem")
            .filter(has_text="Claire Martin")
        )
        card.get_by_role("button", name="Envoyer la demande").click()
        expect(card.get_by_role("status")).to_contain_text("Demande envoyée")

    await browser.run(send_request)
    banner = window.requests_banner
    await wait_for(lambda: banner.isVisible(), timeout=20)  # live, without refresh
    assert banner.label.text() == "1 demande de mise en relation"
    window.message_bar.hide()
    grab(window, guide.image("bandeau-demande", "La demande arrive dans le bandeau du bas : « Voir »"))
    click(banner.view_button)
    await wait_for(lambda: presenter.requests_dialog is not None and len(presenter.requests_dialog.rows) == 1)
    requests = presenter.requests_dialog
    grab(requests, guide.image("demande-accepter", "La demande et son message : « Accepter »"))
    click(next(iter(requests.rows.values())).accept_button)
    await wait_for(
        lambda: window.current_page == CONVERSATION and window.conversation.title.text() == "Zoé Bernard"
    )
    await wait_for(lambda: not banner.isVisible())

    def accepted() -> None:
        zoe.goto(f"{server.url}/conversations")
        expect(zoe.get_by_role("list", name="Conversations").get_by_role("link")).to_contain_text(
            "Claire Martin"
        )

    await browser.run(accepted)
    await browser.shot(
        zoe, guide.image("patient-demande-acceptee", "Côté patient, la conversation est ouverte")
    )
    await browser.run(lambda: zoe.context.close())


async def walk_consultation(
    guide: Guide,
    server: LiveServer,
    window: Any,
    controller: AppController,
    browser: PatientBrowser,
    helene: Any,
    tmp: Path,
) -> None:
    workspace = controller.workspace
    assert workspace is not None
    page = window.conversation
    # ------------------------------------------------------------------ 5) find, chat, call
    guide.at("teleconsultation")
    search = window.conversation_list.search
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(search, "helene")  # accents and case ignored
    assert len(window.conversation_list.model.ids) == 1
    window.message_bar.hide()
    grab(window, guide.image("recherche-trouve", "La recherche retrouve la conversation du patient"))
    QTest.keyClick(search, Qt.Key.Key_Return)  # Enter opens the first match
    assert window.current_page == CONVERSATION and page.title.text() == "Hélène Dupont"
    search.clear()
    conversation_id = page.conversation_id

    page.editor.setFocus()
    page.editor.insertPlainText("Bonjour Hélène, je vous appelle en vidéo dans une minute.")
    QTest.keyClick(page.editor, Qt.Key.Key_Return)  # Enter sends
    assert page.editor.toPlainText() == ""

    def patient_answers() -> None:
        log = helene.get_by_role("log")
        expect(log.locator(".message--theirs")).to_contain_text("je vous appelle en vidéo")
        composer = helene.get_by_label("Votre message")
        composer.fill("Bonjour docteur, je suis prête.")
        composer.press("Enter")
        expect(log.locator(".message--mine")).to_contain_text("je suis prête")

    await browser.run(patient_answers)
    await wait_for(
        lambda: any("je suis prête" in b.text.text() for b in page.messages.bubbles.values()), timeout=20
    )
    window.message_bar.hide()
    grab(window, guide.image("conversation", "La conversation : messages dans les deux sens"))
    await browser.shot(
        helene, guide.image("patient-conversation", "La même conversation sur le téléphone du patient")
    )

    # « Aide patient » of the conversation: the help page's link, pasted where the practitioner writes.
    page.help_menu.aboutToShow.emit()  # the menu fetches the server's help pages once
    await wait_for(lambda: len(page.help_menu.actions()) > 1)
    page.help_menu.actions()[0].trigger()
    assert "/aide/" in page.editor.toPlainText()
    window.message_bar.hide()
    grab(
        window,
        guide.image("aide-conversation", "« Aide patient » colle le lien d'une page d'aide, prêt à envoyer"),
    )
    page.editor.clear()

    await wait_for(lambda: page.camera.isEnabled())
    click(page.camera)
    calls = controller.calls
    await wait_for(lambda: calls.call_window is not None and workspace.calls.active is not None, timeout=20)
    call_window = calls.call_window
    assert call_window is not None
    call_window.resize(960, 640)
    grab(
        call_window,
        guide.image("appel-attente", "Le bouton caméra ouvre la fenêtre d'appel : le patient est appelé"),
    )

    def invited() -> str:
        expect(helene.get_by_role("button", name="Rejoindre l'appel vidéo")).to_be_visible()
        token: str = helene.evaluate("JSON.parse(sessionStorage.getItem('teleconsult.session')).token")
        return token

    token = await browser.run(invited)
    await browser.shot(
        helene, guide.image("patient-appel", "Le patient est prévenu : « Rejoindre l'appel vidéo »")
    )
    # The patient's media: an aiortc engine on the patient's own socket stands in for the page's
    # WebRTC (chromium's own media is proven in a network namespace: tests/e2e/test_call_netns.py).
    active = workspace.calls.active
    assert active is not None
    stand_in = EnginePatient(server, token, video=(480, 640))
    try:
        await wait_for(lambda: stand_in.realtime.status is ConnectionStatus.ONLINE)
        await stand_in.join(active.call_id)
        await wait_for(
            lambda: call_window.remote.frames_painted >= 15 and call_window.local.frames_painted >= 5,
            timeout=30,
        )
        assert call_window.state.text() == "En communication"
        grab(
            call_window,
            guide.image("appel", "En communication : le patient en grand, votre image dans le coin"),
        )
        click(call_window.fullscreen_button)
        await wait_for(call_window.isFullScreen)
        assert call_window.fullscreen_button.accessibleName() == "Quitter le plein écran (Échap)"
        QTest.keyClick(call_window.microphone, Qt.Key.Key_Escape)  # out of full screen
        await wait_for(lambda: not call_window.isFullScreen())
        assert call_window.fullscreen_button.accessibleName() == "Plein écran (F11)"

        actions = {a.text(): a for a in call_window.help_menu.actions()}
        actions["Le patient ne me voit pas"].trigger()
        # The message is shown as the patient will get it, and sent only on « Envoyer au patient ».
        call_presenter = calls.presenter
        assert call_presenter is not None
        await wait_for(
            lambda: call_presenter.help_preview is not None and call_presenter.help_preview.isVisible()
        )
        preview = call_presenter.help_preview
        assert preview is not None
        grab(preview, guide.image("aide-apercu", "« Aide patient » montre le message avant de l'envoyer"))
        click(preview.send_button)

        def help_link() -> None:
            expect(helene.get_by_role("log").locator(".message--theirs").last).to_contain_text("/aide/")

        await browser.run(help_link)
        await browser.shot(
            helene, guide.image("patient-aide", "« Aide patient » colle le lien d'aide dans la conversation")
        )
        click(call_window.hangup)
        await wait_for(lambda: workspace.calls.active is None and not call_window.isVisible(), timeout=20)
    finally:
        await stand_in.close()

    # ------------------------------------------------------------------ 6) documents, payment, claim, note
    guide.at("finaliser")
    billing = controller.billing
    await wait_for(lambda: billing.call_end.isVisible())
    pdf = tmp / "ordonnance.pdf"
    pdf.write_bytes(make_pdf())
    drop_files(page, [pdf])
    await wait_for(
        lambda: any(
            b.card is not None and b.card.attachment.filename == "ordonnance.pdf"
            for b in page.messages.bubbles.values()
        ),
        timeout=20,
    )

    def document() -> None:
        expect(helene.get_by_role("link", name=re.compile(r"ordonnance\.pdf"))).to_be_visible()

    await browser.run(document)
    window.message_bar.hide()
    grab(window, guide.image("document", "L'ordonnance glissée-déposée dans la conversation"))

    window.payment_action.trigger()  # « + » → « Demander un paiement »
    await wait_for(lambda: billing.payment_dialog is not None)
    payment = billing.payment_dialog
    assert payment is not None
    type_into(payment.amount, "25")
    await wait_for(lambda: "25,00" in payment.preview.text())
    grab(payment, guide.image("paiement-demande", "« + » → « Demander un paiement » : montant et libellé"))
    click(payment.submit)
    await wait_for(lambda: billing.payment_dialog is None and len(billing.banner.texts()) == 1, timeout=20)

    def payment_banner() -> None:
        banner = helene.get_by_role("region", name=re.compile("Paiement demandé"))
        expect(banner).to_contain_text("Paiement demandé : 25,00\u00a0€")

    await browser.run(payment_banner)
    await browser.shot(helene, guide.image("patient-paiement", "Le patient voit la demande de paiement"))
    row = next(iter(billing.banner.rows.values()))
    mark = row.buttons["mark_paid"]
    assert isinstance(mark, QToolButton)
    mark.menu().actions()[0].trigger()  # « Marquer comme réglé » → the way the patient paid
    await wait_for(lambda: billing.banner.texts()[0].startswith("Paiement réglé : 25,00"), timeout=20)

    def paid() -> None:
        expect(helene.get_by_role("region", name=re.compile("Paiement demandé"))).to_have_count(0)

    await browser.run(paid)
    window.message_bar.hide()
    grab(window, guide.image("paiement-regle", "Le règlement est enregistré : « Paiement réglé »"))

    click(billing.call_end.bill)  # « Facturer cette téléconsultation »
    await wait_for(lambda: window.current_page == "claim" and billing.editor.isVisible())
    editor = billing.editor
    form = editor.form
    type_into(form.birth_date, "03101995")
    type_into(form.line_edit("patient.nir"), VALID_NIR)
    for name, value in (("patient.regime", "01"), ("patient.caisse", "691"), ("patient.centre", "0001")):
        type_into(form.line_edit(name), value)
    index = form.parcours.findData("medecin_traitant")
    form.parcours.setCurrentIndex(index)
    form.parcours.activated.emit(index)
    assert editor.problems.text() == "Feuille complète : elle peut être marquée « prête »."
    click(editor.ready)
    await wait_for(lambda: editor.status.text() == "prête", timeout=20)
    window.message_bar.hide()
    grab(
        window,
        guide.image("feuille-de-soins", "La feuille de soins SESAM sans Vitale, prête à télétransmettre"),
    )

    billing.billing_action.trigger()  # « Facturation » (Ctrl+B)
    await wait_for(lambda: window.current_page == "billing" and len(billing.page.claim_rows) == 1)
    billing.page.claims.selectRow(0)
    click(billing.page.note)  # the note is shown first (its PDF, marked « APERÇU »), then « Envoyer »
    await wait_for(lambda: visible(NotePreviewDialog) is not None and visible(NotePreviewDialog).count > 0)
    click(visible(NotePreviewDialog).send)
    await wait_for(lambda: window.message_bar.text.startswith("Note d'honoraires N° "), timeout=30)
    grab(
        window,
        guide.image("note-honoraires", "La vue Facturation : la note d'honoraires part dans la conversation"),
    )
    click(billing.page.back)
    await wait_for(lambda: window.current_page == CONVERSATION)

    def note() -> None:
        expect(helene.get_by_role("link", name=re.compile(r"note-honoraires-.*\.pdf"))).to_be_visible()

    await browser.run(note)

    # ------------------------------------------------------------------ next consultations: closed to writing
    guide.at("suite")
    control = page.patient_write
    control.mode.setFocus()
    control.mode.setCurrentIndex(1)  # « jamais »

    def write_mode() -> str | None:
        summary = workspace.conversations.get(conversation_id)
        return summary.patient_write.mode if summary is not None else None

    await wait_for(lambda: write_mode() == "never")

    def closed() -> None:
        banner = helene.locator("#closed-banner")
        expect(banner).to_be_visible()
        expect(banner.get_by_role("link", name="15")).to_have_attribute("href", "tel:15")
        expect(helene.locator("#composer")).to_be_hidden()

    await browser.run(closed)
    window.message_bar.hide()
    grab(window, guide.image("conversation-fermee", "Le patient ne peut plus écrire : « jamais »"))
    await browser.shot(
        helene, guide.image("patient-conversation-fermee", "Côté patient : les numéros d'urgence")
    )
