"""Backups restore to a working server (docs/deploy.md, « Sauvegarde et restauration »).

- PostgreSQL: `pg_dump -Fc` of a live server's database, `pg_restore` into a brand-new database,
  the documents folder and key copied beside it, a new server started on them;
- SQLite: `teleconsult-server backup` while the server keeps writing messages, `teleconsult-server
  restore` into an empty folder, a new server started on it.

Each time, what was stored is read back through the API by accounts signed in again with their
passwords (conversation, messages, the document's bytes, the claim), and
`teleconsult-server audit-verify` finds the audit chain whole.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.billing import claim_document
from tests.helpers.documents import make_pdf, upload
from tests.helpers.factories import (
    PASSWORD,
    Account,
    make_conversation,
    make_patient,
    make_practitioner,
    send,
)
from tests.helpers.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stored:
    """What the first server was given, to find again on the restored one."""

    doctor: Account
    patient: Account
    conversation: str
    bodies: list[str]
    document_id: str
    document: bytes
    claim: dict[str, Any]
    extra_ids: set[str] = field(default_factory=set)


def populate(server: LiveServer) -> Stored:
    doctor = make_practitioner(server, first_name="Solène", last_name="Abgrall")
    patient = make_patient(server, first_name="Maël", last_name="Kerjean")
    conversation = make_conversation(server, doctor, patient)
    bodies = ["Bonjour docteur, la fièvre est tombée.", "Très bien, continuez le traitement 3 jours."]
    pdf = make_pdf("Compte rendu : angine, amoxicilline 1 g")
    with httpx.Client(base_url=server.api, timeout=30) as client:
        assert send(client, patient, conversation, bodies[0]).status_code == 201
        assert send(client, doctor, conversation, bodies[1]).status_code == 201
        stored = upload(client, patient, conversation, pdf, filename="compte-rendu.pdf")
        assert stored.status_code == 201, stored.text
        created = client.post("/billing/claims", json=claim_document(), headers=doctor.headers)
        assert created.status_code == 201, created.text
        claim = client.get(f"/billing/claims/{created.json()['id']}", headers=doctor.headers).json()
    return Stored(doctor, patient, conversation, bodies, stored.json()["id"], pdf, claim)


def signed_in(client: httpx.Client, account: Account) -> dict[str, str]:
    """Sign in with the password (the restored database holds the password hashes)."""
    answer = client.post(
        "/auth/login", json={"identifier": account.email, "password": PASSWORD, "role": account.role}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def read_back(server: LiveServer, stored: Stored) -> list[dict[str, Any]]:
    """Everything `populate` stored, read from `server`; returns the conversation's messages."""
    with httpx.Client(base_url=server.api, timeout=30) as client:
        doctor = signed_in(client, stored.doctor)
        patient = signed_in(client, stored.patient)
        listed = client.get("/conversations", headers=doctor).json()["items"]
        assert stored.conversation in [c["id"] for c in listed]
        messages: list[dict[str, Any]] = []
        after = 0
        while True:
            page = client.get(
                f"/conversations/{stored.conversation}/messages",
                params={"after": after, "limit": 200},
                headers=patient,
            )
            assert page.status_code == 200, page.text
            items = page.json()["items"]
            if not items:
                break
            messages += items
            after = items[-1]["seq"]
        texts = [m["body"] for m in messages if m["kind"] == "text"]
        assert texts[:2] == stored.bodies
        document = client.get(f"/attachments/{stored.document_id}", headers=doctor)
        assert document.status_code == 200, document.text
        assert document.content == stored.document  # decrypted with the restored key
        claim = client.get(f"/billing/claims/{stored.claim['id']}", headers=doctor)
        assert claim.status_code == 200, claim.text
        assert claim.json() == stored.claim
    return messages


def cli(
    *args: str, data_dir: Path, database_url: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`teleconsult-server …` in a process of its own, configured by its flags (and `settings`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELECONSULT_")}
    env |= {"PYTHONPATH": str(ROOT), "TELECONSULT_ENV_FILE": str(data_dir / "absent.env")}
    env |= {f"TELECONSULT_{name.upper()}": value for name, value in settings.items()}
    command = [sys.executable, "-m", "server", args[0], "--data-dir", str(data_dir), *args[1:]]
    if database_url:
        command += ["--database-url", database_url]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def audit_is_whole(data_dir: Path, database_url: str | None = None) -> None:
    verified = cli("audit-verify", data_dir=data_dir, database_url=database_url)
    assert verified.returncode == 0, verified.stderr
    assert "Journal d'audit intègre" in verified.stdout
    checked = int(verified.stdout.split(":")[1].split()[0])
    assert checked >= 5  # sign-ins, sends, the upload, the claim… were audited and sealed


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_postgresql_dump_restores_into_a_new_database(tmp_path: Path) -> None:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    need(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump absent (postgresql-client)")
    source = create_postgres_database(POSTGRES_URL)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    dump = tmp_path / "teleconsult.dump"
    with LiveServer(base_settings(first_dir, database_url=source)) as first:
        stored = populate(first)
        # Taken while the server runs: pg_dump reads one consistent snapshot.
        subprocess.run(
            ["pg_dump", "-Fc", "-f", str(dump), "--dbname", libpq(source)], check=True, timeout=300
        )
    target = create_postgres_database(POSTGRES_URL)
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            libpq(target),
            str(dump),
        ],
        check=True,
        timeout=300,
    )
    # The documents' folder (when they are files) and their key, copied as the operator would.
    second_dir.mkdir()
    if (first_dir / "attachments").is_dir():
        shutil.copytree(first_dir / "attachments", second_dir / "attachments")
    shutil.copy2(first_dir / "attachments.key", second_dir / "attachments.key")
    audit_is_whole(second_dir, target)
    with LiveServer(base_settings(second_dir, database_url=target)) as second:
        messages = read_back(second, stored)
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))


class Writer(threading.Thread):
    """A patient sending messages, one after the other, until told to stop."""

    def __init__(self, server: LiveServer, stored: Stored) -> None:
        super().__init__(name="backup-writer", daemon=True)
        self.server, self.stored = server, stored
        self.acknowledged: list[str] = []
        self.stop_event = threading.Event()
        self.started_writing = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.server.api, timeout=30) as client:
            n = 0
            while not self.stop_event.is_set():
                n += 1
                body = f"Message de suivi n° {n}"
                sent = send(client, self.stored.patient, self.stored.conversation, body, str(uuid.uuid4()))
                assert sent.status_code == 201, sent.text
                self.acknowledged.append(body)
                if n >= 5:
                    self.started_writing.set()


def test_sqlite_backup_taken_while_writing_restores(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    archive = tmp_path / "sauvegardes" / "teleconsult.tar.gz"
    with LiveServer(base_settings(first_dir)) as first:
        stored = populate(first)
        writer = Writer(first, stored)
        writer.start()
        try:
            assert writer.started_writing.wait(60)
            before = list(writer.acknowledged)  # acknowledged before the backup began: all in it
            saved = cli("backup", str(archive), data_dir=first_dir)
            assert saved.returncode == 0, saved.stderr
            during = len(writer.acknowledged)
        finally:
            writer.stop_event.set()
            writer.join(60)
        after = list(writer.acknowledged)
    assert "1 documents, clé incluse" in saved.stdout, saved.stdout
    assert len(after) > len(before)
    assert archive.stat().st_mode & 0o777 == 0o600

    refused = cli("restore", str(archive), data_dir=first_dir)
    assert refused.returncode == 1
    assert "existe déjà" in refused.stderr
    # Restored where another documents key is configured: said, and the exit code says it too.
    other_key = base64.b64encode(b"\x07" * 32).decode()
    wrong = cli("restore", str(archive), data_dir=tmp_path / "other", attachments_key=other_key)
    assert wrong.returncode == 1
    assert "1 documents sont chiffrés sous une autre clé" in wrong.stderr

    restored = cli("restore", str(archive), data_dir=second_dir)
    assert restored.returncode == 0, restored.stderr
    assert (second_dir / "attachments.key").read_bytes() == (first_dir / "attachments.key").read_bytes()
    audit_is_whole(second_dir)
    with LiveServer(base_settings(second_dir)) as second:
        messages = read_back(second, stored)
    texts = [m["body"] for m in messages if m["kind"] == "text"][2:]
    # A consistent snapshot: every send acknowledged before the backup, in order, then a prefix of
    # the later ones; the sequence numbers have no hole.
    assert texts[: len(before)] == before
    assert texts == after[: len(texts)]
    assert len(before) <= len(texts) <= during + 1
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))


def test_backup_refuses_postgresql_and_a_missing_database(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/inexistante"
    refused = cli("backup", str(tmp_path / "a.tar.gz"), data_dir=tmp_path, database_url=url)
    assert refused.returncode == 1
    assert "pg_dump" in refused.stderr
    missing = cli("backup", str(tmp_path / "a.tar.gz"), data_dir=tmp_path / "vide")
    assert missing.returncode == 1
    assert "Aucune base de données" in missing.stderr
    (tmp_path / "faux.tar.gz").write_bytes(b"pas une archive")
    unreadable = cli("restore", str(tmp_path / "faux.tar.gz"), data_dir=tmp_path / "cible")
    assert unreadable.returncode == 1
    assert "Archive illisible" in unreadable.stderr
    assert not (tmp_path / "cible" / "teleconsult.db").exists()
