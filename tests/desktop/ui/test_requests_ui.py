"""A self-registered patient's request appears live in the bottom banner; « Voir » → « Accepter »."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop.ui.main_window import CONVERSATION
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import make_patient, make_practitioner
from tests.helpers.live_server import LiveServer


def ask(server: LiveServer, patient_headers: dict[str, str], practitioner_id: str, message: str) -> str:
    with httpx.Client(base_url=server.api, headers=patient_headers) as http:
        answer = http.post(
            "/connection-requests", json={"practitioner_id": practitioner_id, "message": message}
        )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["request"]["id"])


@pytest.mark.asyncio
async def test_accept_a_request_from_the_banner(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    zoe = make_patient(sqlite_server, first_name="Zoé", last_name="Bernard")
    marc = make_patient(sqlite_server, first_name="Marc", last_name="Petit")
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        window, banner = desktop.window, desktop.window.requests_banner
        assert not banner.isVisible()
        ask(sqlite_server, zoe.headers, doctor.id, "Bonjour, je suis suivie au cabinet depuis 2019.")
        await wait_for(lambda: banner.isVisible())  # live, without refresh
        assert banner.label.text() == "1 demande de mise en relation"
        assert (
            "Nouvelle demande de mise en relation",
            "Un patient souhaite être mis en relation avec vous.",
        ) in (desktop.notifier.shown)
        marc_request = ask(sqlite_server, marc.headers, doctor.id, "")
        await wait_for(lambda: banner.label.text() == "2 demandes de mise en relation")

        banner.view_button.click()
        dialog = desktop.presenter.requests_dialog
        assert dialog is not None and dialog.isVisible()
        await wait_for(lambda: len(dialog.rows) == 2)
        dialog.rows[marc_request].decline_button.click()
        await wait_for(lambda: banner.label.text() == "1 demande de mise en relation")
        zoe_request = next(iter(dialog.rows))
        dialog.rows[zoe_request].accept_button.click()
        await wait_for(lambda: window.current_page == CONVERSATION)
        assert window.conversation.title.text() == "Zoé Bernard"
        await wait_for(lambda: not banner.isVisible())
        await wait_for(lambda: desktop.presenter.requests_dialog is None)  # closed once empty
        with httpx.Client(base_url=sqlite_server.api, headers=zoe.headers) as http:
            conversations = http.get("/conversations").json()["items"]
        assert [c["id"] for c in conversations] == [window.conversation.conversation_id]
