"""The REST client against a real server: domain values back, French errors, idempotent sends."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from contracts.clock import paris_day
from contracts.wire.invitations import InvitationCreate
from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, ServerUnreachableError, SessionExpiredError
from desktop.api.http import normalize_server_url, request_body, wire_json
from desktop.services.invitations import InvitationDraft
from tests.helpers.factories import PASSWORD, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer, free_port


def test_server_urls_are_normalized() -> None:
    assert normalize_server_url("127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert normalize_server_url("https://cabinet.example.fr/api/v1") == "https://cabinet.example.fr"
    assert ApiClient("https://cabinet.example.fr").ws_url == "wss://cabinet.example.fr/api/v1/ws"


@pytest.mark.asyncio
async def test_sign_in_conversations_and_messages(sqlite_server: LiveServer) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server, first_name="Zoé", last_name="Bernard")
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    api = ApiClient(sqlite_server.url)
    try:
        session = await api.login(doctor.email or "", PASSWORD)
        token, account = session.token, session.user
        api.set_token(token)
        assert account.id == doctor.id and account.plan == "PRO+"
        assert (await api.me()).email == doctor.email

        message_id = str(uuid.uuid4())
        first = await api.put_message(conversation_id, message_id, "Bonjour Zoé")
        again = await api.put_message(conversation_id, message_id, "Bonjour Zoé")
        assert first == again  # the retry is idempotent
        assert [m.id for m in await api.messages(conversation_id)] == [message_id]

        pages = [page async for page in api.all_conversations()]
        summary = next(c for page in pages for c in page if c.id == conversation_id)
        assert summary.patient.first_name == "Zoé" and summary.last_seq == 1

        until = paris_day(sqlite_server.clock()) + timedelta(days=7)
        updated = await api.set_patient_write(conversation_id, "until", until)
        assert updated.patient_write.mode == "until" and updated.patient_write.until == until
    finally:
        await api.aclose()


@pytest.mark.asyncio
async def test_errors_are_french_and_typed(sqlite_server: LiveServer) -> None:
    api = ApiClient(sqlite_server.url)
    try:
        with pytest.raises(ApiError) as refused:
            await api.login("personne@example.fr", "mauvais-mot-de-passe")
        assert refused.value.message == "Identifiant ou mot de passe incorrect."
        api.set_token("not-a-token")
        with pytest.raises(SessionExpiredError):
            await api.me()
    finally:
        await api.aclose()

    offline = ApiClient(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ServerUnreachableError) as unreachable:
            await offline.health()
        assert "injoignable" in unreachable.value.message
        assert not unreachable.value.is_permanent
    finally:
        await offline.aclose()


@pytest.mark.parametrize(
    "fields",
    [
        {"first_name": "A" * 1001, "last_name": "Martin"},  # too long
        {"last_name": "Martin"},  # missing
        {"first_name": "Lou", "last_name": "Martin", "age": 3},  # unknown field
    ],
)
def test_a_request_body_the_server_would_refuse_is_refused_in_its_words(
    sqlite_server: LiveServer, fields: dict[str, object]
) -> None:
    """Request bodies are built with the server's own models: same refusal, same French sentence."""
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    with pytest.raises(ApiError) as local:
        request_body(InvitationCreate, fields)
    answer = httpx.post(
        f"{sqlite_server.api}/invitations/validate",
        json=fields,
        headers=doctor.headers,
        timeout=30,
    )
    assert answer.status_code == local.value.status == 422
    assert (answer.json()["code"], answer.json()["detail"]) == (local.value.code, local.value.message)
    assert local.value.message.startswith("Le champ « ")


def test_a_correction_names_every_field_so_an_emptied_contact_is_removed() -> None:
    draft = InvitationDraft(" Inès ", "Moreau", email="", phone="06 12 34 56 78")
    assert wire_json(draft.create()) == {
        "first_name": "Inès",
        "last_name": "Moreau",
        "phone": "06 12 34 56 78",
    }
    assert wire_json(draft.update()) == {
        "first_name": "Inès",
        "last_name": "Moreau",
        "email": None,
        "phone": "06 12 34 56 78",
    }
