"""Documents reachable from every server process, `documents-migrate` and `documents-rotate-key`
on the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from server.attachments.blobs import load_keyring
from server.settings import Settings, SettingsError
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.documents import make_big_pdf, make_pdf, upload
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.server_process import ServerChild, ServerProcess

K1, K2, K3 = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2, 3))


def cli(tmp: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TELECONSULT_")}
    return subprocess.run(
        [sys.executable, "-m", "server", *args, "--data-dir", str(tmp)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "TELECONSULT_ENV_FILE": str(tmp / "none.env"), **env},
        check=False,
    )


def blob_files(data_dir: Path) -> list[Path]:
    root = data_dir / "attachments"
    return [p for p in root.glob("*/*") if p.is_file() and p.parent.name != "tmp"] if root.is_dir() else []


def test_a_document_sent_through_one_process_is_downloaded_through_another(tmp_path: Path) -> None:
    """Two server processes on one PostgreSQL database, each with its own data folder."""
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    env = {
        "TELECONSULT_DATABASE_URL": create_postgres_database(POSTGRES_URL),
        "TELECONSULT_ATTACHMENTS_KEY": K1,
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = ServerProcess(tmp_path / "a", env)
    pair = first.prepare_pair()
    pdf = make_big_pdf(600_000)
    aid = str(uuid.uuid4())
    with (
        first,
        ServerChild(tmp_path / "b", env, inherit_settings=False) as second,
        httpx.Client(base_url=first.api, timeout=60) as a,
        httpx.Client(base_url=second.api, timeout=60) as b,
    ):
        sent = a.put(
            f"/conversations/{pair.conversation_id}/attachments/{aid}",
            params={"filename": "compte-rendu.pdf"},
            content=pdf,
            headers=pair.headers,
        )
        assert sent.status_code == 201, sent.text
        got = b.get(f"/attachments/{aid}", headers=pair.headers)
        assert got.status_code == 200 and got.content == pdf
        # A retry through the other process finds the same document (compared, not duplicated).
        again = b.put(
            f"/conversations/{pair.conversation_id}/attachments/{aid}",
            params={"filename": "compte-rendu.pdf"},
            content=pdf,
            headers=pair.headers,
        )
        assert again.status_code == 200
    assert blob_files(tmp_path / "a") == [] and blob_files(tmp_path / "b") == []


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        return {"TELECONSULT_DATABASE_URL": create_postgres_database(POSTGRES_URL)}
    return {}


def server_on(tmp: Path, database: dict[str, str], store: str, key: str, previous: str = "") -> LiveServer:
    return LiveServer(
        base_settings(
            tmp,
            database_url=database.get("TELECONSULT_DATABASE_URL", ""),
            documents_store=store,
            attachments_key=key,
            attachments_previous_keys=previous,
        )
    )


def fetch(server: LiveServer, account: Account, aid: str) -> httpx.Response:
    with httpx.Client(base_url=server.api, timeout=60) as client:
        return client.get(f"/attachments/{aid}", headers=account.headers)


@pytest.mark.expected_errors(r"integrity check failed")
def test_documents_are_migrated_then_their_key_rotated_on_the_command_line(
    tmp_path: Path, database: dict[str, str]
) -> None:
    documents = {str(uuid.uuid4()): make_pdf(f"Ordonnance {n}") for n in range(2)}
    documents[str(uuid.uuid4())] = make_big_pdf(300_000)
    with server_on(tmp_path, database, "files", K1) as server:
        doctor, patient = make_practitioner(server), make_patient(server)
        conv = make_conversation(server, doctor, patient)
        with httpx.Client(base_url=server.api, timeout=60) as client:
            for aid, pdf in documents.items():
                assert upload(client, doctor, conv, pdf, "ordonnance.pdf", aid).status_code == 201
    assert len(blob_files(tmp_path)) == 3

    # The files, first rotated to K2 in place; a second run has nothing left to do.
    rotate_files = {
        **database,
        "TELECONSULT_ATTACHMENTS_KEY": K2,
        "TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS": K1,
    }
    done = cli(tmp_path, "documents-rotate-key", "--store", "files", env=rotate_files)
    assert done.returncode == 0, done.stderr
    assert "rechiffrés sous la clé actuelle : 3 ; déjà sous cette clé : 0" in done.stdout
    again = cli(tmp_path, "documents-rotate-key", "--store", "files", env=rotate_files)
    assert "rechiffrés sous la clé actuelle : 0 ; déjà sous cette clé : 3" in again.stdout

    # A server switched to the database store still serves them from the files meanwhile.
    with server_on(tmp_path, database, "", K2) as server:
        assert server.services.attachments.store.__class__.__name__ == (
            "DatabaseBlobStore" if database else "FileBlobStore"
        )
    with server_on(tmp_path, database, "database", K2) as server:
        for aid, pdf in documents.items():
            got = fetch(server, patient, aid)
            assert got.status_code == 200 and got.content == pdf

    # Then copied into the database, once.
    migrate_env = {**database, "TELECONSULT_ATTACHMENTS_KEY": K2}
    copied = cli(tmp_path, "documents-migrate", env=migrate_env)
    assert copied.returncode == 0, copied.stderr
    assert "copiés dans la base de données : 3 ; déjà présents : 0" in copied.stdout
    twice = cli(tmp_path, "documents-migrate", env=migrate_env)
    assert "copiés dans la base de données : 0 ; déjà présents : 3" in twice.stdout
    for path in blob_files(tmp_path):  # the database store no longer needs the files
        path.unlink()

    # The database store rotated to K3 (K2 still configured as previous during the rotation).
    rotate_db = {**database, "TELECONSULT_ATTACHMENTS_KEY": K3, "TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS": K2}
    done = cli(tmp_path, "documents-rotate-key", "--store", "database", env=rotate_db)
    assert done.returncode == 0, done.stderr
    assert "rechiffrés sous la clé actuelle : 3" in done.stdout

    with server_on(tmp_path, database, "database", K3) as server:  # the old keys are gone
        for aid, pdf in documents.items():
            got = fetch(server, patient, aid)
            assert got.status_code == 200 and got.content == pdf
    with server_on(tmp_path, database, "database", K2) as server:  # the old key alone: the clear error
        refused = fetch(server, patient, next(iter(documents)))
        assert refused.status_code == 409 and refused.json()["code"] == "attachment_corrupted"
    # A rotation run without the key that sealed them says so and changes nothing.
    lost = cli(
        tmp_path,
        "documents-rotate-key",
        "--store",
        "database",
        env={**database, "TELECONSULT_ATTACHMENTS_KEY": K1},
    )
    assert lost.returncode == 1
    assert "3 document(s) chiffré(s) sous une clé absente de la configuration" in lost.stderr


def test_the_store_follows_the_database_unless_set_and_a_wrong_value_is_refused(tmp_path: Path) -> None:
    def load(**env: str) -> Settings:
        return Settings.load(environ=env, dotenv_path=tmp_path / "none.env", overrides={"data_dir": tmp_path})

    assert load().effective_documents_store == "files"
    postgres = "postgresql+asyncpg://teleconsult@db.example/teleconsult"
    assert load(TELECONSULT_DATABASE_URL=postgres).effective_documents_store == "database"
    assert (
        load(TELECONSULT_DATABASE_URL=postgres, TELECONSULT_DOCUMENTS_STORE="files").effective_documents_store
        == "files"
    )
    assert load(TELECONSULT_DOCUMENTS_STORE=" Database ").effective_documents_store == "database"
    with pytest.raises(SettingsError, match="TELECONSULT_DOCUMENTS_STORE"):
        load(TELECONSULT_DOCUMENTS_STORE="s3")
    shown = repr(load(TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS=K1))
    assert K1 not in shown
    with pytest.raises(SettingsError, match="TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS"):
        load_keyring(K2, tmp_path / "none.key", f"{K1},trop-court")
