"""One rule for every client id, on both databases: the same id with the same content is answered
with what was stored (200); the same id with other content is 409 `id_in_use`, in French, and
changes nothing. Messages (REST and socket, alone or in one group commit), documents, notes and
payment requests."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select

from server.billing.models import BillingNote
from server.container import Services
from server.conversations.models import Message
from server.payments.models import PaymentRequest
from tests.helpers.billing import ask_payment, claim_document, count_rows, run_async
from tests.helpers.documents import make_jpeg, make_pdf, stored_blobs, upload
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


def bodies(server: LiveServer, conversation_id: str) -> list[str]:
    async def load(services: Services) -> list[str]:
        async with services.core.db.read() as session:
            rows = await session.scalars(
                select(Message.body).where(Message.conversation_id == conversation_id).order_by(Message.seq)
            )
            return list(rows)

    return server.run(load)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "id_in_use"
    assert response.json()["detail"].startswith("Cet identifiant de ")


def test_a_message_id_sent_again_with_another_body_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    mid = str(uuid.uuid4())
    first = send(api, patient, conv, "Ma question", mid)
    assert first.status_code == 201
    # Spaces around are not part of a message: the same text is the same message.
    again = send(api, patient, conv, "  Ma question\n", mid)
    assert again.status_code == 200 and again.json() == first.json()
    _refused(send(api, patient, conv, "Une autre question", mid))
    assert bodies(live_server, conv) == ["Ma question"]


def test_one_message_id_with_two_bodies_at_once_stores_one(
    live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    """Sent together, the sends share one group commit: the second body is refused there too."""
    _, patient, conv = trio
    mid = str(uuid.uuid4())

    async def both() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.api, timeout=60) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.put(
                            f"/conversations/{conv}/messages/{mid}",
                            json={"body": body},
                            headers=patient.headers,
                        )
                        for body in ["un", "deux", "un", "deux"] * 3
                    )
                )
            )

    responses = run_async(both())
    stored = bodies(live_server, conv)
    assert len(stored) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "id_in_use"
        else:
            assert response.status_code in (200, 201) and response.json()["body"] == stored[0]
    assert sorted(r.status_code for r in responses).count(409) == 6


def test_a_message_id_sent_again_over_the_socket_with_another_body_is_refused(
    live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    mid = str(uuid.uuid4())
    with RealtimeClient(live_server.ws_url, patient.token) as sock:
        for body in ("Bonjour", "Bonjour", "Au revoir"):
            sock.send({"type": "message.send", "id": mid, "conversation_id": conv, "body": body})
        answers = []
        while len(answers) < 3:
            frame = sock.recv()
            if frame["type"] in ("ack", "error"):
                answers.append(frame)
    assert [a["type"] for a in answers] == ["ack", "ack", "error"]
    assert answers[0]["seq"] == answers[1]["seq"]
    assert answers[2]["id"] == mid and answers[2]["code"] == "id_in_use"
    assert bodies(live_server, conv) == ["Bonjour"]


def test_a_document_id_sent_again_with_another_file_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    aid, pdf = str(uuid.uuid4()), make_pdf("Ordonnance du 3 mars")
    first = upload(api, patient, conv, pdf, "ordonnance.pdf", aid)
    assert first.status_code == 201
    blobs = stored_blobs(live_server)
    again = upload(api, patient, conv, pdf, "ordonnance.pdf", aid)
    assert again.status_code == 200 and again.json() == first.json()
    for content, name in (
        (make_pdf("Ordonnance du 4 mars"), "ordonnance.pdf"),  # same size, other bytes
        (pdf + b"\n", "ordonnance.pdf"),  # one byte more
        (pdf[:-1], "ordonnance.pdf"),
        (make_jpeg(), "ordonnance.pdf"),  # another kind of file
        (pdf, "autre nom.pdf"),  # the same bytes under another name
    ):
        _refused(upload(api, patient, conv, content, name, aid))
    assert stored_blobs(live_server) == blobs
    assert count_rows(live_server, Message, Message.conversation_id == conv) == 1
    # Its bytes are still the first file's.
    download = api.get(f"/attachments/{aid}", headers=patient.headers)
    assert download.status_code == 200 and download.content == pdf


def test_a_note_id_sent_again_with_other_content_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _, conv = trio
    nid = str(uuid.uuid4())
    body = {"id": nid, "total": "25.00", "label": "TCG", "conversation_id": conv}
    first = api.post("/billing/notes", json=body, headers=doctor.headers)
    assert first.status_code == 201, first.text
    again = api.post("/billing/notes", json=body, headers=doctor.headers)
    assert again.status_code == 200 and again.json() == first.json()
    claim = api.post("/billing/claims", json=claim_document(), headers=doctor.headers).json()
    for change in ({"label": "TC"}, {"conversation_id": None}, {"claim_id": claim["id"]}):
        _refused(api.post("/billing/notes", json={**body, **change}, headers=doctor.headers))
    assert count_rows(live_server, BillingNote, BillingNote.practitioner_id == doctor.id) == 1


def test_a_payment_id_sent_again_for_another_claim_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _, conv = trio
    claim = api.post("/billing/claims", json=claim_document(), headers=doctor.headers).json()
    pid = str(uuid.uuid4())
    assert ask_payment(api, doctor, conv, "25.00", id=pid).status_code == 201
    assert ask_payment(api, doctor, conv, "25.00", id=pid).status_code == 200
    _refused(ask_payment(api, doctor, conv, "25.00", id=pid, claim_id=claim["id"]))
    assert count_rows(live_server, PaymentRequest, PaymentRequest.id == pid) == 1
    assert api.get(f"/payments/{pid}", headers=doctor.headers).json()["claim_id"] is None
