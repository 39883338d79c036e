"""Desktop client: cold start to an interactive main window, idle memory, keystroke-to-filtered-list.

Goals (shared/notes/performance-and-security-anchors.md P6/P7): cold start ≤ 1.0 s, idle
RSS ≤ 150 MB, keystroke to painted list ≤ 16 ms p95 on 100 000 cached conversations.

- Start: `python -m desktop --server URL` in a fresh process against a real server process, with
  a remembered session (settings file + token from `BenchKeyring`, selected through keyring's own
  `PYTHON_KEYRING_BACKEND`); the clock runs from `Popen` to the app's « ready » line, printed one
  event-loop tick after the main window is shown with the cached list. The first run (full sync)
  is reported apart. Peer: a bare PySide6 + qasync window started the same way.
- Memory: RSS of that process after 3 s idle and connected. Also with 100 000 cached rows.
- Search: in a separate process (its own QApplication), QTest key clicks into the real search
  field of the real list page fed by the real `ConversationService` and cache; each sample runs
  from the key event to a synchronous repaint of the list. Peer: a plain scan over folded names.

This module is imported by the app under test (keyring backend): keep its top level light.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend

TOKEN_VARIABLE = "TELECONSULT_BENCH_TOKEN"
# The key sealing the bench's local databases (bench only): the app under test reads it from
# `BenchKeyring`, the bench fills the 100 000-row cache with it.
BENCH_CACHE_KEY = "YmVuY2gtY2FjaGUta2V5LW9mLTMyLWJ5dGVzLW9rISE="
CONVERSATIONS = 200  # on the server, for the start-up runs
BIG_CACHE = 100_000
RUNS = 5
FIRST_NAMES = [
    "Hélène", "Marc", "Zoé", "Jean", "Marie", "Anne", "Pierre", "Louis", "Camille", "Léa", "Chloé", "Lucas",
    "Hugo", "Emma", "Jules", "Inès", "Manon", "Nathan", "Sarah", "Thomas", "Élodie", "François", "Amélie",
    "Sébastien", "Jérôme", "Noémie", "Gaëlle", "Benoît", "Cécile", "Agnès",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Le Saint-Jean", "Œuvrard", "Müller", "N'Diaye",
]  # fmt: skip
TYPED = ["dupont", "helene", "martin h", "lef", "zoe bernard", "saint", "noemie m", "oeuvrard"]


class BenchKeyring(KeyringBackend):
    """Hands the bench's session token to the app under test (read-only, never stored)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        if username.startswith("cache-key|"):
            return BENCH_CACHE_KEY
        return os.environ.get(TOKEN_VARIABLE)

    def set_password(self, service: str, username: str, password: str) -> None:
        return None

    def delete_password(self, service: str, username: str) -> None:
        return None


def _bench_cipher() -> Any:
    import base64

    from desktop.storage.cipher import Cipher

    return Cipher(base64.b64decode(BENCH_CACHE_KEY))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _names(count: int) -> list[tuple[str, str]]:
    import random

    rng = random.Random(4)
    return [
        (
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES) + ("" if rng.random() < 0.7 else f" {rng.randint(2, 99)}"),
        )
        for _ in range(count)
    ]


# ------------------------------------------------------------------------------------- start-up
def _prepare_server(server: Any) -> dict[str, str]:
    from server.accounts.service import NewPatient, NewPractitioner
    from server.conversations.service import MessageDraft
    from server.kernel.core import Actor
    from tests.helpers.factories import PASSWORD, rpps_number, unique_email

    async def go(runtime: Any) -> dict[str, str]:
        services = runtime.services
        email = unique_email("bench")
        doctor = await services.accounts.create_practitioner(
            NewPractitioner(
                email=email,
                password=PASSWORD,
                first_name="Claire",
                last_name="Martin",
                profession="medecin_generaliste",
                rpps=rpps_number(4343),
                plan="PRO+",
            )
        )
        for i, (first, last) in enumerate(_names(CONVERSATIONS)):
            patient = await services.accounts.create_patient(
                NewPatient(first_name=first, last_name=last, password=PASSWORD, email=f"p{i}.{email}")
            )
            async with services.core.transaction() as tx:
                conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient.id)
            await services.conversations.send(
                Actor(patient.id, "patient"),
                MessageDraft(conversation_id=conv.id, message_id=str(uuid.uuid4()), body="Bonjour"),
            )
        token = await services.accounts.open_session(doctor.id)
        return {"id": doctor.id, "email": email, "token": token}

    result: dict[str, str] = server.prepare(go)
    return result


def _client_home(home: Path, server_url: str, doctor: dict[str, str]) -> None:
    from desktop.domain.app_settings import REMOTE, AppSettings
    from desktop.storage.settings_store import SettingsStore

    SettingsStore(home / "config").save(
        AppSettings(
            server_mode=REMOTE,
            server_url=server_url,
            last_email=doctor["email"],
            account_id=doctor["id"],
            account_first_name="Claire",
            account_last_name="Martin",
            account_plan="PRO+",
        )
    )


def _start(command: list[str], env: dict[str, str], idle: float = 3.0) -> tuple[float, int]:
    """Seconds from spawn to the ready line, and RSS (bytes) after `idle` seconds."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        if "ready" not in line:
            raise RuntimeError(f"no ready line from {command[:3]}: {line!r}")
        time.sleep(idle)
        rss = int(psutil.Process(proc.pid).memory_info().rss)
        return elapsed, rss
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


PEER = """
import asyncio, sys, qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
async def main():
    window = QMainWindow(); window.setCentralWidget(QLabel("Teleconsult")); window.show()
    QTimer.singleShot(0, lambda: print("peer-ready", flush=True))
    await asyncio.Event().wait()
qasync.run(main())
"""


def _fill_big_cache(home: Path, server_url: str, doctor: dict[str, str]) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from contracts.wire.accounts import PersonPublic
    from contracts.wire.conversations import PatientWritePublic
    from desktop.domain.conversation_summary import ConversationSummary, MessagePreview
    from desktop.services.config import AppConfig
    from desktop.storage.cache import LocalCache
    from desktop.storage.schema import open_database

    config = AppConfig(home / "data", home / "config")
    cipher = _bench_cipher()
    db = open_database(config.account_dir(server_url, doctor["id"]) / "local.sqlite3", cipher)
    now = datetime.now(UTC)
    rows = [
        ConversationSummary(
            id=f"bench-{i}",
            patient=PersonPublic(id=f"p-{i}", first_name=first, last_name=last),
            updated_at=now - timedelta(minutes=i),
            last_seq=3,
            read_seq=3,
            other_read_seq=3,
            unread=i % 7 == 0,
            last_message=MessagePreview(
                "text", "Merci docteur, à demain", "patient", now - timedelta(minutes=i)
            ),
            patient_write=PatientWritePublic(mode="always", until=None),
            patient_can_write=True,
        )
        for i, (first, last) in enumerate(_names(BIG_CACHE))
    ]
    asyncio.run(LocalCache(db, cipher).save_conversations(rows))
    db.close()


def _startup_rows(tmp: Path) -> list[dict[str, object]]:
    from bench._server import ServerProcess

    server = ServerProcess(tmp / "server")
    doctor = _prepare_server(server)
    server.start()
    try:
        home = tmp / "client"
        _client_home(home, server.url, doctor)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "TELECONSULT_DESKTOP_HOME": str(home),
            "TELECONSULT_PRINT_READY": "1",
            "PYTHON_KEYRING_BACKEND": "bench.desktop.BenchKeyring",
            TOKEN_VARIABLE: doctor["token"],
        }
        app = [sys.executable, "-m", "desktop", "--server", server.url]
        first, _ = _start(app, env, idle=4.0)  # first run on this machine (the list syncs meanwhile)
        runs = [_start(app, env) for _ in range(RUNS)]
        peers = [
            _start([sys.executable, "-c", PEER], {**env, "PYTHON_KEYRING_BACKEND": ""}) for _ in range(RUNS)
        ]
        _fill_big_cache(home, server.url, doctor)
        big = [_start(app, env) for _ in range(2)]
    finally:
        server.stop()
    start = statistics.median(t for t, _ in runs)
    peer_start = statistics.median(t for t, _ in peers)
    rss = statistics.median(r for _, r in runs) / 2**20
    peer_rss = statistics.median(r for _, r in peers) / 2**20
    return [
        {
            "bench": "desktop",
            "metric": "cold_start_to_interactive_window",
            "value": round(start, 3),
            "max": round(max(t for t, _ in runs), 3),
            "unit": "s",
            "goal": 1.0,
            "peer": round(peer_start, 3),
            "peer_name": "bare PySide6 + qasync window",
            "ratio": round(start / peer_start, 2),
            "conversations": CONVERSATIONS,
        },
        {"bench": "desktop", "metric": "first_start_empty_cache", "value": round(first, 3), "unit": "s"},
        {
            "bench": "desktop",
            "metric": "idle_rss",
            "value": round(rss, 1),
            "unit": "MB",
            "goal": 150,
            "peer": round(peer_rss, 1),
            "peer_name": "bare PySide6 + qasync window",
            "ratio": round(rss / peer_rss, 2),
            "conversations": CONVERSATIONS,
        },
        {
            "bench": "desktop",
            "metric": "cold_start_with_100k_cached",
            "value": round(min(t for t, _ in big), 3),
            "unit": "s",
        },
        {
            "bench": "desktop",
            "metric": "idle_rss_with_100k_cached",
            "value": round(min(r for _, r in big) / 2**20, 1),
            "unit": "MB",
        },
    ]


# ------------------------------------------------------------------------------------- search
def keystroke_probe(folder: str) -> None:
    """Runs in its own process: prints JSON with per-keystroke milliseconds (ours and the peer's)."""
    import asyncio
    from typing import cast

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from contracts.clock import system_clock
    from contracts.text import words
    from desktop.services.conversations import ConversationService
    from desktop.services.ports import ServerApi
    from desktop.storage.cache import LocalCache
    from desktop.storage.schema import open_database
    from desktop.ui.pages.conversation_list_page import ConversationListPage
    from desktop.ui.pages.conversation_list_presenter import ConversationListPresenter
    from desktop.ui.translations import install_translations
    from desktop.ui.widgets.conversation_list_model import ConversationListModel

    app = QApplication([])
    keep = install_translations(app)
    cipher = _bench_cipher()
    db = open_database(Path(folder) / "local.sqlite3", cipher)
    service = ConversationService(cast(ServerApi, None), LocalCache(db, cipher), "bench")
    started = time.perf_counter()
    asyncio.run(service.load_cache())
    load_ms = (time.perf_counter() - started) * 1000
    model = ConversationListModel(service.get, system_clock)
    page = ConversationListPage(model)
    ConversationListPresenter(page, service)
    page.resize(360, 900)
    page.show()
    app.processEvents()
    ours: list[float] = []
    for text in TYPED * 3:
        page.search.clear()
        app.processEvents()
        for char in text:
            started = time.perf_counter()
            QTest.keyClick(page.search, char if char != " " else Qt.Key.Key_Space)  # type: ignore[call-overload]
            page.list.viewport().repaint()  # painted, not merely scheduled
            ours.append((time.perf_counter() - started) * 1000)
        assert model.rowCount() > 0, text
    ids = service.search("")
    started = time.perf_counter()
    summaries = [service.get(i) for i in ids]  # every cached row decoded (the first search touches few)
    decode_us = (time.perf_counter() - started) * 1e6 / max(1, len(ids))
    rows = [(c.id, words(f"{c.patient.first_name} {c.patient.last_name}")) for c in summaries if c]
    peer: list[float] = []
    for text in TYPED:
        for end in range(1, len(text) + 1):
            started = time.perf_counter()
            wanted = words(text[:end])
            _ = [cid for cid, names in rows if all(any(n.startswith(w) for n in names) for w in wanted)]
            peer.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {"ours": ours, "peer": peer, "rows": len(service), "load_ms": load_ms, "decode_us": decode_us}
        )
    )
    db.close()
    del keep


def _search_rows(tmp: Path) -> list[dict[str, object]]:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from contracts.wire.accounts import PersonPublic
    from contracts.wire.conversations import PatientWritePublic
    from desktop.domain.conversation_summary import ConversationSummary, MessagePreview
    from desktop.storage.cache import LocalCache
    from desktop.storage.schema import open_database

    folder = tmp / "search"
    cipher = _bench_cipher()
    db = open_database(folder / "local.sqlite3", cipher)
    now = datetime.now(UTC)
    asyncio.run(
        LocalCache(db, cipher).save_conversations(
            [
                ConversationSummary(
                    f"c{i}",
                    PersonPublic(id=f"p{i}", first_name=first, last_name=last),
                    now - timedelta(minutes=i),
                    2,
                    2,
                    2,
                    i % 5,
                    MessagePreview("text", "Bonjour docteur", "patient", now - timedelta(minutes=i)),
                    PatientWritePublic(mode="always", until=None),
                    True,
                )
                for i, (first, last) in enumerate(_names(BIG_CACHE))
            ]
        )
    )
    db.close()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from bench.desktop import keystroke_probe; keystroke_probe({str(folder)!r})",
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    ours, peer = data["ours"], data["peer"]
    p95 = _percentile(ours, 95)
    peer_p95 = _percentile(peer, 95)
    return [
        {
            "bench": "desktop",
            "metric": "keystroke_to_filtered_list_p95",
            "value": round(p95, 2),
            "p50": round(_percentile(ours, 50), 2),
            "max": round(max(ours), 2),
            "unit": "ms",
            "goal": 16,
            "samples": len(ours),
            "conversations": data["rows"],
            "peer": round(peer_p95, 2),
            "peer_name": "linear scan of folded names (filter only, no painting)",
            "ratio": round(p95 / peer_p95, 3),
        },
        {
            "bench": "desktop",
            "metric": "cache_load_100k",
            "value": round(data["load_ms"], 1),
            "unit": "ms",
            "conversations": data["rows"],
        },
        {
            "bench": "desktop",
            "metric": "cached_row_decode",
            "value": round(data["decode_us"], 2),
            "unit": "µs/row",
            "conversations": data["rows"],
        },
    ]


def main() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="tc-desktop-bench-") as tmp:
        return _search_rows(Path(tmp)) + _startup_rows(Path(tmp))


if __name__ == "__main__":
    for row in main():
        print(json.dumps(row, ensure_ascii=False))
