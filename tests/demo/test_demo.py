"""`make demo`'s practice, seeded small (20 patients): every status is there, and the app shows it."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections import Counter
from pathlib import Path

import httpx
import pytest

from server.container import Services
from tests.conftest import base_settings
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import grab, open_desktop
from tests.helpers.clock import TestClock
from tests.helpers.demo_practice import (
    INVITATION_STATUSES,
    START,
    Practice,
    demo_settings_overrides,
    seed_practice,
)
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def seed(server: LiveServer, clock: TestClock, patients: int) -> Practice:
    async def go(services: Services) -> Practice:
        return await seed_practice(services, clock, patients)

    return server.run(go, timeout=300)


@pytest.mark.asyncio
@pytest.mark.timeout(180)
async def test_the_demo_practice_has_every_status_and_the_app_shows_it(tmp_path: Path) -> None:
    clock = TestClock(START)
    server = LiveServer(base_settings(tmp_path / "server", **demo_settings_overrides()), clock=clock)
    await asyncio.to_thread(server.start)
    try:
        practice = await asyncio.to_thread(seed, server, clock, 20)
        assert practice.patients == 20
        assert set(practice.invitations) == set(INVITATION_STATUSES)
        headers = {"Authorization": f"Bearer {practice.token}"}
        async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=30) as http:
            invitations = (await http.get("/invitations")).json()["items"]
            assert Counter(i["status"] for i in invitations) == practice.invitations
            pending = (await http.get("/connection-requests", params={"status": "pending"})).json()["items"]
            assert len(pending) == practice.requests >= 2
            claims = (await http.get("/billing/claims")).json()["items"]
            assert len(claims) == practice.claims >= 1
            statuses: Counter[str] = Counter()
            for conversation_id in practice.conversations:
                answer = await http.get(f"/conversations/{conversation_id}/payments")
                statuses.update(p["status"] for p in answer.json()["items"])
            assert statuses == practice.payments and "paid" in statuses and "pending" in statuses

        doctor = Account(
            practice.practitioner_id,
            "practitioner",
            practice.practitioner_email,
            None,
            practice.token,
            "Claire",
            "Martin",
        )
        async with open_desktop(server, doctor, tmp_path / "home") as desktop:
            window = desktop.window
            model = window.conversation_list.model
            await wait_for(lambda: model.rowCount() == len(practice.conversations), timeout=30)
            await wait_for(lambda: window.requests_banner.isVisible())
            assert window.requests_banner.label.text() == f"{practice.requests} demandes de mise en relation"
            window.message_bar.hide()
            shot = grab(window, tmp_path / "demo-main-window.png")
            desktop.presenter.show_invitations()
            await wait_for(lambda: len(window.invitations.invitations) == sum(practice.invitations.values()))
            shown = Counter(i.status for i in window.invitations.invitations)
            assert shown == practice.invitations
            table = window.invitations.table
            labels = {
                item.text() for row in range(table.rowCount()) if (item := table.item(row, 3)) is not None
            }
            assert labels == {"En attente", "Acceptée", "Expirée", "Annulée", "Échec d'envoi"}
        if os.environ.get("TELECONSULT_SCREENSHOTS") == "1":
            shutil.copyfile(shot, DOCS / shot.name)
    finally:
        await asyncio.to_thread(server.stop)
