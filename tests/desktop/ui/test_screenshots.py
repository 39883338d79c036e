"""Screenshots of each main view, light and dark, rendered offscreen from a realistic scene on a real server.

Every view is shot under both schemes of the theme (`desktop-<view>-light.png`, `-dark.png`).
Always rendered (it checks every view paints); copied to docs/screenshots/desktop-*.png only when
TELECONSULT_SCREENSHOTS=1, so ordinary test runs leave the tracked images alone::

    TELECONSULT_SCREENSHOTS=1 QT_QPA_PLATFORM=offscreen \
        .venv/bin/python -m pytest tests/desktop/ui/test_screenshots.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

from desktop.kernel.messages import Level, UserMessage
from desktop.services.invitations import InvitationDraft
from desktop.ui.call.call_window import CallWindow
from desktop.ui.dialogs.server_choice_dialog import ServerChoiceDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import grab_schemes, open_desktop, shows_thumbnail
from tests.helpers.documents import make_pdf, make_png, upload
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send, unique_email
from tests.helpers.live_server import LiveServer

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
PATIENTS = [
    ("Zoé", "Bernard", "Merci pour l'ordonnance, bonne journée"),
    ("Marc", "Petit", None),
    ("Élodie", "Fournier", "Est-ce que je peux prendre du paracétamol ?"),
    ("Jean", "Le Saint-Jean", "D'accord, à jeudi."),
    ("Hector", "Dubois", "Les résultats sont arrivés"),
    ("Noémie", "Moreau", "Bonjour docteur"),
]


def shot(widget: QWidget, folder: Path, name: str) -> list[Path]:
    return grab_schemes(widget, folder, f"desktop-{name}")


@pytest.mark.asyncio
async def test_screenshots_of_the_main_views(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server, first_name="Claire", last_name="Martin", plan="PRO+")
    helene = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont")
    main_id = ""
    with httpx.Client(base_url=sqlite_server.api, timeout=30) as http:
        for first, last, text in PATIENTS:
            patient = make_patient(sqlite_server, first_name=first, last_name=last)
            conversation_id = make_conversation(sqlite_server, doctor, patient)
            if text:
                send(http, patient, conversation_id, text)
            else:
                upload(http, doctor, conversation_id, make_pdf(), "Ordonnance.pdf")
        main_id = make_conversation(sqlite_server, doctor, helene)
        send(http, helene, main_id, "Bonjour docteur, je vous envoie la photo de la plaie comme convenu.")
        upload(http, helene, main_id, make_png(480, 320), "plaie-cheville.png")
        send(http, doctor, main_id, "Merci, la cicatrisation est bonne. Voici votre ordonnance.")
        upload(http, doctor, main_id, make_pdf(), "ordonnance.pdf")
        for first, last, words in (
            ("Paul", "Girard", "Bonjour, je suis suivi au cabinet."),
            ("Inès", "Roux", ""),
        ):
            requester = make_patient(sqlite_server, first_name=first, last_name=last)
            http.post(
                "/connection-requests",
                json={"practitioner_id": doctor.id, "message": words},
                headers=requester.headers,
            )

    shots = tmp_path / "shots"
    shots.mkdir()
    async with open_desktop(sqlite_server, doctor, tmp_path / "home") as desktop:
        window, ws = desktop.window, desktop.workspace
        window.resize(1200, 760)
        await wait_for(lambda: len(ws.conversations) == len(PATIENTS) + 1)
        await wait_for(lambda: window.requests_banner.isVisible())
        for draft, then in (
            (InvitationDraft("Lucas", "Lambert", email=unique_email("lucas")), None),
            (InvitationDraft("Camille", "Mercier", phone="0611223344"), None),
            (InvitationDraft("Sarah", "Vincent", email=unique_email("sarah")), "cancel"),
        ):
            result = await ws.invitations.invite(draft)
            if then == "cancel" and result.invitation is not None:
                await ws.invitations.cancel(result.invitation.id)

        desktop.presenter.open_conversation(main_id)
        page = window.conversation
        await wait_for(lambda: len(page.messages.bubbles) == 4)
        await wait_for(
            lambda: any(b.card and shows_thumbnail(b.card) for b in page.messages.bubbles.values())
        )
        pdf_card = next(
            b.card
            for b in page.messages.bubbles.values()
            if b.card and b.card.attachment.filename == "ordonnance.pdf"
        )
        await wait_for(lambda: shows_thumbnail(pdf_card))
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        page.messages.scroll_to_bottom()  # the newest messages, as when a conversation opens
        window.message_bar.hide()
        shot(window, shots, "main-window")

        pdf_card.open_button.click()
        presenter = desktop.presenter.conversation
        await wait_for(lambda: presenter.viewer is not None and presenter.viewer.count == 1)
        assert presenter.viewer is not None
        presenter.viewer.resize(700, 560)
        shot(presenter.viewer, shots, "pdf-viewer")
        presenter.viewer.reject()

        window.message_bar.show_message(
            UserMessage(Level.WARNING, "Hors ligne : vos messages partiront au retour.")
        )
        window.conversation_list.search.setText("zzz")
        shot(window, shots, "message-bar")
        window.message_bar.hide()

        window.conversation_list.search.setText("du")
        shot(window.conversation_list, shots, "search")
        window.conversation_list.search.setText("")

        dialog = desktop.presenter.open_invitation_dialog()
        dialog.inputs["first_name"].setText("Hélène")
        dialog.inputs["last_name"].setText("Durand")
        dialog.inputs["email"].setText("helene.durand@exemple.fr")
        dialog.inputs["phone"].setText("06 12 34 56 78")
        dialog.inputs["phone"].textEdited.emit("06 12 34 56 78")
        await wait_for(lambda: dialog.channel.text() == "Envoi par e-mail")
        shot(dialog, shots, "invitation-dialog")
        dialog.reject()

        desktop.presenter.show_invitations()
        await wait_for(lambda: len(window.invitations.invitations) == 3)
        window.message_bar.hide()
        shot(window, shots, "invitations")

        requests = desktop.presenter.open_requests_dialog()
        await wait_for(lambda: len(requests.rows) == 2)
        shot(requests, shots, "requests")
        requests.reject()

    call = CallWindow("Hélène Dupont")
    call.set_state_text("En attente du patient…")
    call.set_presence(True)
    call.resize(960, 600)
    call.show()
    shot(call, shots, "call-window")
    call.close()
    call.deleteLater()

    choice = ServerChoiceDialog()
    shot(choice, shots, "first-run")
    sign_up = SignInDialog(prefer_sign_up=True)
    shot(sign_up, shots, "sign-up")
    choice.deleteLater()
    sign_up.deleteLater()

    names = sorted(p.name for p in shots.iterdir())
    views = [
        "main-window",
        "pdf-viewer",
        "message-bar",
        "search",
        "invitation-dialog",
        "invitations",
        "requests",
        "call-window",
        "first-run",
        "sign-up",
    ]
    assert names == sorted(f"desktop-{view}-{scheme}.png" for view in views for scheme in ("light", "dark"))
    if os.environ.get("TELECONSULT_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for image in shots.iterdir():
            shutil.copyfile(image, DOCS / image.name)
