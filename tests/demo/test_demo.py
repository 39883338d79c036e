"""`make demo`'s practice, seeded small (20 patients): every status is there, and the app shows it."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections import Counter
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from desktop.ui.app_controller import AppController
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import grab
from tests.helpers.clock import TestClock
from tests.helpers.demo_practice import (
    INVITATION_STATUSES,
    START,
    Practice,
)
from tests.helpers.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screenshots"


def load_script() -> ModuleType:
    """scripts/demo.py, the script `make demo` runs (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("teleconsult_demo_script", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.asyncio
@pytest.mark.timeout(180)
async def test_the_demo_practice_has_every_status_and_the_app_shows_it(tmp_path: Path) -> None:
    demo = load_script()
    clock = TestClock(START)
    server: LiveServer = await asyncio.to_thread(demo.start_server, tmp_path / "server", clock)
    try:
        practice: Practice = await asyncio.to_thread(demo.seed, server, clock, 20)
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

        # The app as `make demo` opens it: the session restored, no sign-in asked.
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        controller = AppController(app, demo.desktop_services(tmp_path / "home", server, practice, clock))
        running = asyncio.ensure_future(controller.run())
        try:
            await wait_for(
                lambda: controller.window is not None and controller.presenter is not None, timeout=30
            )
            window, presenter = controller.window, controller.presenter
            assert window is not None and presenter is not None
            model = window.conversation_list.model
            await wait_for(lambda: model.rowCount() == len(practice.conversations), timeout=30)
            await wait_for(lambda: window.requests_banner.isVisible())
            assert window.requests_banner.label.text() == f"{practice.requests} demandes de mise en relation"
            window.message_bar.hide()
            shot = grab(window, tmp_path / "demo-main-window.png")
            presenter.show_invitations()
            await wait_for(lambda: len(window.invitations.invitations) == sum(practice.invitations.values()))
            shown = Counter(i.status for i in window.invitations.invitations)
            assert shown == practice.invitations
            table = window.invitations.table
            labels = {
                item.text() for row in range(table.rowCount()) if (item := table.item(row, 3)) is not None
            }
            assert labels == {"En attente", "Acceptée", "Expirée", "Annulée", "Échec d'envoi"}
            window.close()
            assert await asyncio.wait_for(running, 30) == 0
        finally:
            if not running.done():
                running.cancel()
        if os.environ.get("TELECONSULT_SCREENSHOTS") == "1":
            shutil.copyfile(shot, DOCS / shot.name)
    finally:
        await asyncio.to_thread(server.stop)
