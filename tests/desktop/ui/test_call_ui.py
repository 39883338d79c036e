"""The call screen under pytest-qt: a real call with the desktop's synthetic camera through the real
server, the patient played by an aiortc engine on its own socket (as the patient's browser would).

Frames painted (latest only), full screen in and out with the button and Esc, micro and caméra
reaching the engine (Space, the buttons), the help menu posting into the conversation after a preview, the
waiting room on the conversation page, raccrocher on either side.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aioice.ice
import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.call_state import CallState, EndReason
from desktop.domain.connection_status import ConnectionStatus
from desktop.services.call_media import synthetic_media
from desktop.ui.call.call_controller import CallController
from desktop.video.adaptation import LADDER, scaled_size
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import Desktop, grab, open_desktop
from tests.helpers.call_browser import screenshot_dir
from tests.helpers.engine_patient import EnginePatient
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

PRECHECK = {"camera": "ok", "microphone": "denied", "server": "ok", "network": "ok", "relay": "none"}


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
    )


@asynccontextmanager
async def call_desktop(
    server: LiveServer, tmp_path: Path
) -> AsyncIterator[tuple[Desktop, CallController, EnginePatient, str]]:
    doctor = make_practitioner(server)
    account = make_patient(server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(server, doctor, account)
    async with open_desktop(server, doctor, tmp_path, media=lambda: synthetic_media(640, 480)) as desktop:
        controller = CallController(desktop.window, desktop.workspace)
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        patient = EnginePatient(server, account.token)
        try:
            await wait_for(lambda: patient.realtime.status is ConnectionStatus.ONLINE)
            yield desktop, controller, patient, conversation_id
        finally:
            await patient.close()
            await controller.service.close()


@pytest.mark.asyncio
async def test_call_screen_paints_both_videos_and_its_controls_work(
    sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot
) -> None:
    async with call_desktop(sqlite_server, tmp_path) as (desktop, controller, patient, conversation_id):
        page, service = desktop.window.conversation, controller.service
        # The patient opens the call page first: the waiting room shows on the conversation.
        await patient.send({"type": "call.waiting", "conversation_id": conversation_id, "state": "waiting"})
        await wait_for(lambda: controller.banner.isVisible())
        assert "salle d'attente" in controller.banner.label.text()
        assert desktop.notifier.shown == [
            ("Patient en salle d'attente", "Un patient vous attend pour la téléconsultation.")
        ]
        await patient.send({"type": "call.precheck", "conversation_id": conversation_id, "result": PRECHECK})
        assert page.camera.isEnabled()
        qtbot.mouseClick(page.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: controller.call_window is not None and service.active is not None)
        window, call = controller.call_window, service.active
        assert window is not None and call is not None and window.isVisible()
        assert window.windowTitle() == "Téléconsultation — Hélène Dupont"
        await wait_for(lambda: window.precheck.text() == "Test du patient : micro refusé par le navigateur.")
        assert window.presence.isVisible() and window.presence.text() == "Patient en salle d'attente"
        # The speaker cannot open here (no sound card): said in French, the call goes on.
        await wait_for(lambda: "Aucun haut-parleur" in window.notice.text())

        await patient.join(call.call_id)
        await wait_for(
            lambda: (
                window.remote.frames_painted >= 30
                and window.local.frames_painted >= 10
                and patient.remote.frames >= 30
            ),
            20,
        )
        # The patient's 320x240, or a step down when its encoder cannot keep up (adaptation at work).
        assert window.remote.frame_size is not None
        sizes = {scaled_size(320, 240, h) for h in (240, *LADDER)}
        assert (window.remote.frame_size.width(), window.remote.frame_size.height()) in sizes
        assert call.remote_video.dropped >= 0 and call.remote_video.frames >= window.remote.frames_painted
        assert patient.remote.frames >= 30 and patient.remote.size == (640, 480)
        assert window.state.text() == "En communication" and not window.presence.isVisible()
        assert gc.get_freeze_count() > 0  # the app's heap is kept out of the collector during the call
        await wait_for(lambda: window.quality.quality is not None)
        assert window.quality.text().startswith("●") and "Image reçue" in window.quality.toolTip()
        if (folder := screenshot_dir()) is not None:
            grab(window, folder / "call-desktop.png")

        # Full screen with the two-arrows button, back with Esc; and with the button both ways.
        qtbot.mouseClick(window.fullscreen_button, Qt.MouseButton.LeftButton)
        await wait_for(window.isFullScreen)
        assert window.fullscreen_button.accessibleName() == "Quitter le plein écran (Échap)"
        qtbot.keyClick(window.microphone, Qt.Key.Key_Escape)
        await wait_for(lambda: not window.isFullScreen())
        qtbot.mouseClick(window.fullscreen_button, Qt.MouseButton.LeftButton)
        await wait_for(window.isFullScreen)
        qtbot.mouseClick(window.fullscreen_button, Qt.MouseButton.LeftButton)
        await wait_for(lambda: not window.isFullScreen())
        assert window.fullscreen_button.accessibleName() == "Plein écran (F11)"

        # Micro with the button and with Space; caméra with the button: they reach the engine.
        qtbot.mouseClick(window.microphone, Qt.MouseButton.LeftButton)
        assert call.engine.media.microphone_on is False and window.microphone.text() == "Micro coupé"
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_Space)
        await wait_for(lambda: call.engine.media.microphone_on is True)
        assert window.microphone.accessibleName() == "Micro"
        qtbot.mouseClick(window.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: call.engine.media.camera_on is False)
        assert window.camera.text() == "Caméra coupée"
        qtbot.mouseClick(window.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: call.engine.media.camera_on is True)

        # « Aide patient » → « Je ne vois pas le patient » posts the matching help page.
        actions = {a.text(): a for a in window.help_menu.actions()}
        assert list(actions) == [
            "Le patient ne parvient pas à se connecter",
            "Le patient ne me voit pas",
            "Je ne vois pas le patient",
        ]
        actions["Je ne vois pas le patient"].trigger()
        # A preview first: the message as the patient will get it, its link clickable; nothing sent yet.
        presenter = controller.presenter
        assert presenter is not None
        await wait_for(lambda: presenter.help_preview is not None and presenter.help_preview.isVisible())
        preview = presenter.help_preview
        assert preview is not None
        assert "/aide/mon-praticien-ne-me-voit-pas" in preview.message.plain
        assert [link.startswith("http") for link in preview.message.links] == [True]
        assert desktop.workspace.outbox.pending(conversation_id) == []
        assert preview.send_button.text() == "Envoyer au patient"
        preview.send_button.click()
        with httpx.Client(
            base_url=sqlite_server.api, headers={"Authorization": f"Bearer {patient.realtime._token()}"}
        ) as http:

            def posted() -> bool:
                items = http.get(f"/conversations/{conversation_id}/messages").json()["items"]
                return any("/aide/mon-praticien-ne-me-voit-pas" in m["body"] for m in items)

            await wait_for(posted)

        # Raccrocher ends the call for both; the window goes away.
        qtbot.mouseClick(window.hangup, Qt.MouseButton.LeftButton)
        engine = patient.engine
        assert engine is not None
        await wait_for(lambda: engine.state is CallState.ENDED and service.active is None)
        assert engine.end_reason is EndReason.REMOTE_HANGUP
        await wait_for(lambda: not window.isVisible())
        assert gc.get_freeze_count() == 0


@pytest.mark.asyncio
async def test_patient_hangs_up(sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot) -> None:
    async with call_desktop(sqlite_server, tmp_path) as (desktop, controller, patient, _conversation_id):
        qtbot.mouseClick(desktop.window.conversation.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: controller.service.active is not None)
        window, call = controller.call_window, controller.service.active
        assert window is not None and call is not None
        engine = await patient.join(call.call_id)
        await wait_for(lambda: window.remote.frames_painted >= 10, 20)
        await engine.hang_up()
        await wait_for(lambda: window.ended)
        assert window.state.text() == "Le patient a raccroché."
        assert call.engine.end_reason is EndReason.REMOTE_HANGUP
        assert not window.hangup.isEnabled()
        await wait_for(lambda: not window.isVisible(), 5)
