"""A full disk under a real server process: the SQLite database and the blob store on a small
tmpfs, filled up, then freed (issue 11, part 4: faults)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.accounts.service import NewPatient, NewPractitioner
from server.app import start_runtime
from tests.conftest import base_settings, need
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.server_process import ServerChild
from tests.helpers.ws import RealtimeClient

RESERVE = 1024 * 1024
PDF = b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF\n"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = False
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("mount"):
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True, check=False
        )
        mounted = result.returncode == 0
    need(mounted, "monter un tmpfs de 8 Mo est impossible ici (il faut être root sous Linux)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    """Write zeros until the disk refuses even 512 bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 512):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


async def _prepare(settings_dir: Path, env: dict[str, str]) -> tuple[str, str, str]:
    settings = base_settings(
        settings_dir,
        database_url=env["TELECONSULT_DATABASE_URL"],
        attachments_dir=env["TELECONSULT_ATTACHMENTS_DIR"],
        storage_reserve_bytes=RESERVE,
    )
    runtime = await start_runtime(settings)
    try:
        services = runtime.services
        email = unique_email("plein")
        doctor = await services.accounts.create_practitioner(
            NewPractitioner(
                email=email,
                password=PASSWORD,
                first_name="Claire",
                last_name="Martin",
                profession="medecin_generaliste",
                rpps=rpps_number(4243),
                plan="PRO+",
            )
        )
        patient = await services.accounts.create_patient(
            NewPatient(first_name="Hélène", last_name="Dupont", password=PASSWORD, email=unique_email("p"))
        )
        async with services.core.transaction() as tx:
            conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient.id)
        return email, await services.accounts.open_session(doctor.id), conv.id
    finally:
        await runtime.close()


@pytest.mark.expected_errors(r"storage full: writes are refused")
def test_a_full_disk_answers_503_keeps_reads_and_sign_in_and_recovers(
    small_disk: Path, tmp_path: Path
) -> None:
    env = {
        "TELECONSULT_DATABASE_URL": f"sqlite+aiosqlite:///{small_disk / 'teleconsult.db'}",
        "TELECONSULT_ATTACHMENTS_DIR": str(small_disk / "attachments"),
        "TELECONSULT_STORAGE_RESERVE_BYTES": str(RESERVE),
    }
    email, token, conv = asyncio.run(_prepare(tmp_path, env))
    headers = {"Authorization": f"Bearer {token}"}
    with (
        ServerChild(tmp_path, env, inherit_settings=False) as server,
        httpx.Client(base_url=server.api, timeout=30) as api,
    ):
        r = api.put(f"/conversations/{conv}/messages/{uuid.uuid4()}", json={"body": "avant"}, headers=headers)
        assert r.status_code == 201, r.text
        filler = _fill(small_disk)

        # Writes: each one answered, 503 storage_full in French once the disk refuses.
        statuses: list[int] = []
        for i in range(300):
            r = api.put(
                f"/conversations/{conv}/messages/{uuid.uuid4()}",
                json={"body": f"plein {i} " + "x" * 4000},
                headers=headers,
            )
            statuses.append(r.status_code)
            if r.status_code != 201:
                break
        assert statuses[-1] == 503, statuses
        refused = r.json()
        assert refused["code"] == "storage_full"
        assert "stockage du serveur est plein" in refused["detail"]
        assert r.headers["Retry-After"]
        for _ in range(10):
            r = api.put(
                f"/conversations/{conv}/messages/{uuid.uuid4()}", json={"body": "encore"}, headers=headers
            )
            assert (r.status_code, r.json()["code"]) == (503, "storage_full")
        r = api.put(
            f"/conversations/{conv}/attachments/{uuid.uuid4()}",
            params={"filename": "scan.pdf"},
            content=PDF,
            headers=headers,
        )
        assert (r.status_code, r.json()["code"]) == (503, "storage_full"), r.text
        with RealtimeClient(server.ws_url, token) as sock:
            sock.send(
                {"type": "message.send", "conversation_id": conv, "id": str(uuid.uuid4()), "body": "ws"}
            )
            frame = next(f for f in (sock.recv() for _ in range(5)) if f["type"] in ("ack", "error"))
            assert frame["code"] == "storage_full"
            sock.send({"type": "call.start", "conversation_id": conv, "ref": "appel"})
            frame = next(
                f for f in (sock.recv() for _ in range(5)) if f["type"] in ("call.start.ok", "error")
            )
            assert (frame["code"], frame["ref"]) == ("storage_full", "appel")
            sock.send({"type": "ping"})
            assert sock.recv()["type"] == "pong"  # the socket stays open

        # Reads, sign-in and health still work.
        assert api.get(f"/conversations/{conv}/messages", headers=headers).status_code == 200
        login = api.post(
            "/auth/login", json={"role": "practitioner", "identifier": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        fresh = {"Authorization": f"Bearer {login.json()['token']}"}
        assert api.get("/me", headers=fresh).status_code == 200
        health = api.get("/health")
        assert health.status_code == 200
        assert (health.json()["status"], health.json()["storage"]) == ("degraded", "full")

        # Space comes back: writes succeed again by themselves.
        filler.unlink()
        deadline = time.monotonic() + 10
        while True:
            r = api.put(
                f"/conversations/{conv}/messages/{uuid.uuid4()}", json={"body": "après"}, headers=headers
            )
            if r.status_code == 201:
                break
            assert r.status_code == 503 and time.monotonic() < deadline, r.text
            time.sleep(0.3)
        r = api.put(
            f"/conversations/{conv}/attachments/{uuid.uuid4()}",
            params={"filename": "scan.pdf"},
            content=PDF,
            headers=headers,
        )
        assert r.status_code == 201, r.text
        assert api.get("/health").json()["storage"] == "ok"
        assert (small_disk / "storage-reserve.bin").stat().st_size == RESERVE
