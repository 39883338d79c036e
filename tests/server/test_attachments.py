"""Documents over HTTP on both databases: round trip, encryption at rest, idempotence, realtime, audit."""

from __future__ import annotations

import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select

from server.attachments.file_store import FileBlobStore
from server.container import Services
from server.conversations.models import Message
from server.kernel.models import AuditEntry
from tests.helpers.documents import (
    blob_name,
    make_big_pdf,
    make_jpeg,
    make_pdf,
    make_png,
    partial_files,
    read_stored,
    stored_blobs,
    upload,
    write_stored,
)
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


def count_messages(server: LiveServer, conversation_id: str) -> int:
    async def count(services: Services) -> int:
        async with services.core.db.read() as session:
            n = await session.scalar(select(func.count()).where(Message.conversation_id == conversation_id))
            return int(n or 0)

    return server.run(count)


def filename_of(response: httpx.Response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


def test_pdf_jpeg_and_png_come_back_identical_to_the_other_participant(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    pdf, jpeg, png = make_pdf(), make_jpeg(640, 480), make_png(40, 30)

    sent = upload(api, doctor, conv, pdf, "Ordonnance été 2026.pdf")
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["kind"] == "attachment" and message["body"] == ""
    assert message["sender_role"] == "practitioner" and message["seq"] == 1
    assert message["data"]["attachment"] == {
        "id": message["id"],
        "filename": "Ordonnance été 2026.pdf",
        "content_type": "application/pdf",
        "size": len(pdf),
        "width": None,
        "height": None,
    }
    photo = upload(api, patient, conv, jpeg, "IMG_0042.JPG").json()["data"]["attachment"]
    assert (photo["content_type"], photo["width"], photo["height"]) == ("image/jpeg", 640, 480)
    drawing = upload(api, patient, conv, png, "schéma.png").json()["data"]["attachment"]
    assert (drawing["content_type"], drawing["width"], drawing["height"]) == ("image/png", 40, 30)

    got = api.get(f"/attachments/{message['id']}", headers=patient.headers)
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-length"] == str(len(pdf))
    assert filename_of(got) == "Ordonnance été 2026.pdf"
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["x-content-type-options"] == "nosniff"
    for attachment, data, content_type in ((photo, jpeg, "image/jpeg"), (drawing, png, "image/png")):
        r = api.get(f"/attachments/{attachment['id']}", headers=doctor.headers)
        assert r.status_code == 200 and r.content == data
        assert r.headers["content-type"] == content_type
    # The uploader may read it back too, and the messages list shows the three documents.
    assert api.get(f"/attachments/{message['id']}", headers=doctor.headers).content == pdf
    items = api.get(f"/conversations/{conv}/messages", headers=doctor.headers).json()["items"]
    assert [m["kind"] for m in items] == ["attachment"] * 3
    summary = api.get(f"/conversations/{conv}", headers=doctor.headers).json()
    assert (
        summary["unread"] == 2 and summary["last_message"]["data"]["attachment"]["filename"] == "schéma.png"
    )


def test_content_decides_the_type_and_the_name_follows(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    jpeg_named_png = upload(api, patient, conv, make_jpeg(), "scan.png").json()["data"]["attachment"]
    assert (jpeg_named_png["content_type"], jpeg_named_png["filename"]) == ("image/jpeg", "scan.jpg")
    traversal = upload(api, patient, conv, make_png(), "../../etc/\u202epasswd").json()["data"]["attachment"]
    assert traversal["filename"] == "passwd.png"
    unnamed = upload(api, patient, conv, make_pdf(), "").json()["data"]["attachment"]
    assert unnamed["filename"] == "document.pdf"


def test_blob_on_disk_is_encrypted_under_a_generated_name(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _, conv = trio
    pdf = make_pdf("Compte rendu confidentiel de Madame Dupont")
    aid = upload(api, doctor, conv, pdf, "compte-rendu-dupont.pdf").json()["id"]
    name = blob_name(live_server, aid)
    stored = read_stored(live_server, name)
    assert b"%PDF" not in stored and b"Dupont" not in stored and pdf[200:264] not in stored
    assert "dupont" not in name and aid.replace("-", "") != name
    store = live_server.services.attachments.store
    if os.name == "posix" and isinstance(store, FileBlobStore):
        path = store.path_of(name)
        assert path.stat().st_mode & 0o077 == 0
        key_file = live_server.settings.data_dir / "attachments.key"
        assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.expected_errors(r"integrity check failed")
def test_tampered_or_truncated_blob_is_refused_never_served(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    pdf = make_big_pdf(300_000)  # several encrypted chunks
    aid = upload(api, doctor, conv, pdf, "examen.pdf").json()["id"]
    name = blob_name(live_server, aid)
    original = read_stored(live_server, name)
    try:
        damaged = bytearray(original)
        damaged[len(damaged) // 2] ^= 0x01
        write_stored(live_server, name, bytes(damaged))
        r = api.get(f"/attachments/{aid}", headers=patient.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "attachment_corrupted" and "endommagé" in r.json()["detail"]
        write_stored(live_server, name, original[: len(original) - 70_000])
        assert api.get(f"/attachments/{aid}", headers=patient.headers).status_code == 409
    finally:
        write_stored(live_server, name, original)
    assert api.get(f"/attachments/{aid}", headers=patient.headers).content == pdf


def test_outsiders_get_404_for_upload_and_download_and_nothing_changes(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    aid = upload(api, patient, conv, make_png(), "plaie.png").json()["id"]
    blobs = stored_blobs(live_server)
    other_doctor, other_patient = make_practitioner(live_server), make_patient(live_server)
    make_conversation(live_server, other_doctor, other_patient)
    for outsider in (other_doctor, other_patient):
        r = api.get(f"/attachments/{aid}", headers=outsider.headers)
        assert r.status_code == 404 and r.json()["detail"] == "Document introuvable."
        r = upload(api, outsider, conv, make_pdf(), "intrus.pdf")
        assert r.status_code == 404 and r.json()["detail"] == "Conversation introuvable."
    assert api.get(f"/attachments/{uuid.uuid4()}", headers=doctor.headers).status_code == 404
    assert api.get("/attachments/pas-un-uuid", headers=doctor.headers).status_code == 404
    assert api.get(f"/attachments/{aid}").status_code == 401
    assert upload(api, doctor, conv, make_pdf(), attachment_id="pas-un-uuid").status_code == 422
    assert count_messages(live_server, conv) == 1
    assert stored_blobs(live_server) == blobs and partial_files(live_server) == []


def test_retry_with_the_same_id_stores_one_document_and_one_message(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    aid, pdf = str(uuid.uuid4()), make_pdf()
    before = stored_blobs(live_server)
    first = upload(api, patient, conv, pdf, "analyse.pdf", aid)
    second = upload(api, patient, conv, pdf, "analyse.pdf", aid)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert count_messages(live_server, conv) == 1
    assert len(stored_blobs(live_server) - before) == 1
    # The id belongs to the patient's document: the practitioner cannot reuse it.
    assert upload(api, doctor, conv, pdf, "autre.pdf", aid).status_code == 409
    assert count_messages(live_server, conv) == 1


def test_other_participant_receives_the_document_in_real_time(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    with RealtimeClient(live_server.ws_url, patient.token) as sock:
        sock.events(1, event="conversation.created")
        sent = upload(api, doctor, conv, make_pdf(), "ordonnance.pdf").json()
        (event,) = sock.events(1, event="message.created")
    message = event["data"]["message"]
    assert message["id"] == sent["id"] and message["kind"] == "attachment"
    assert message["data"]["attachment"]["filename"] == "ordonnance.pdf"
    assert api.get(f"/attachments/{message['id']}", headers=patient.headers).status_code == 200


def test_closed_conversation_refuses_the_patients_documents(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    api.patch(f"/conversations/{conv}", json={"patient_write": {"mode": "never"}}, headers=doctor.headers)
    blobs = stored_blobs(live_server)
    refused = upload(api, patient, conv, make_jpeg(), "photo.jpg")
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "conversation_closed" and "15" in body["detail"] and "112" in body["detail"]
    assert stored_blobs(live_server) == blobs and count_messages(live_server, conv) == 0
    assert upload(api, doctor, conv, make_pdf(), "consignes.pdf").status_code == 201


def test_uploads_and_downloads_are_audited_without_file_names(
    api: httpx.Client,
    live_server: LiveServer,
    trio: tuple[Account, Account, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Our own loggers at every level; third-party DEBUG output (SQL parameters) is off in production.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="server")
    doctor, patient, conv = trio
    secret_name = "IRM-cérébrale-Dupont.pdf"
    aid = upload(api, patient, conv, make_pdf(), secret_name).json()["id"]
    api.get(f"/attachments/{aid}", headers=doctor.headers)
    api.get(f"/attachments/{aid}", headers=patient.headers)
    api.get(f"/attachments/{aid}", headers=make_practitioner(live_server).headers)  # refused: no entry

    async def entries(services: Services) -> list[AuditEntry]:
        await services.core.flush_audit()
        async with services.core.db.read() as session:
            rows = await session.execute(select(AuditEntry).where(AuditEntry.object_id == aid))
            return list(rows.scalars())

    rows = live_server.run(entries)
    actions = sorted((r.action, r.actor_id) for r in rows)
    assert actions == sorted(
        [
            ("attachment.create", patient.id),
            ("message.create", patient.id),
            ("attachment.read", doctor.id),
            ("attachment.read", patient.id),
        ]
    )
    for r in rows:
        assert "Dupont" not in f"{r.action}{r.object_type}{r.object_id}{r.ip}"
    server_logs = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    assert aid in server_logs  # the upload is logged, by id
    assert "Dupont" not in server_logs and "IRM" not in server_logs


def test_file_name_may_come_in_a_header_instead_of_the_url(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    r = api.put(
        f"/conversations/{conv}/attachments/{uuid.uuid4()}",
        content=make_pdf(),
        headers={
            **doctor.headers,
            "Content-Disposition": "attachment; filename*=UTF-8''Compte%20rendu%20%C3%A9t%C3%A9.pdf",
        },
    )
    assert r.status_code == 201 and "Compte" not in str(r.request.url)
    assert r.json()["data"]["attachment"]["filename"] == "Compte rendu été.pdf"
    got = api.get(f"/attachments/{r.json()['id']}", headers=patient.headers)
    assert filename_of(got) == "Compte rendu été.pdf"


def test_concurrent_retries_of_one_upload_store_it_once(
    live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    aid, data = str(uuid.uuid4()), make_big_pdf(3 * 1024 * 1024)
    before = stored_blobs(live_server)

    def attempt(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_server.api, timeout=60) as client:
            return upload(client, patient, conv, data, "radio.pdf", aid)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(attempt, range(4)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["seq"] for r in responses}) == 1
    assert count_messages(live_server, conv) == 1
    assert len(stored_blobs(live_server) - before) == 1
    assert partial_files(live_server) == []
