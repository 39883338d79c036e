"""The server's JSON is the `contracts.wire` models' JSON, in the shape its clients read.

The use-cases return `contracts.wire` models and events store the JSON of their declared model
(docs/decisions.md, « One shape for the codebase »). Against a live server on both databases:
every answer, event and frame below validates against its model; carries every field that the
patient pages' typedefs (`server/patient_web/static/js/types.js`, parsed here) and the desktop's
parsers (`from_wire` in desktop/domain and desktop/services, listed here) read; writes instants as
ISO 8601 ending in « Z » and money as « 25.00 »; events leave out what they always left out (the
patient of a conversation has no `profession`); and the OpenAPI document names the contracts
models as the answers' schemas.
"""

from __future__ import annotations

import inspect
import random
import re
import string
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import contracts.wire.accounts
import contracts.wire.attachments
import contracts.wire.billing
import contracts.wire.calls
import contracts.wire.common
import contracts.wire.conversations
import contracts.wire.invitations
import contracts.wire.payments
from contracts.wire.accounts import PersonPublic, SessionPublic, UserPublic
from contracts.wire.attachments import AttachmentPublic
from contracts.wire.billing import ClaimPublic, ClaimsPublic, NotePublic
from contracts.wire.calls import CallPublic, CallStartOkFrame, CurrentCallPublic
from contracts.wire.conversations import (
    ConversationPublic,
    ConversationsPublic,
    EventsPublic,
    MessageAckFrame,
    MessagePublic,
    MessagesPublic,
    ReadMarkPublic,
)
from contracts.wire.events import EVENT_PAYLOADS
from contracts.wire.invitations import (
    ConnectionRequestOutcomePublic,
    DirectoryPublic,
    InvitationAcceptedPublic,
    InvitationLinkPublic,
    InvitationOutcomePublic,
    InvitationPublic,
    LinkViewPublic,
)
from contracts.wire.payments import PaymentPublic, PaymentsPublic
from tests.helpers.billing import claim_document
from tests.helpers.documents import make_pdf, upload
from tests.helpers.factories import (
    PASSWORD,
    Account,
    make_conversation,
    make_patient,
    make_practitioner,
    send,
    unique_email,
)
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ws import RealtimeClient

TYPES_JS = Path(__file__).resolve().parents[2] / "server/patient_web/static/js/types.js"

INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")
MONEY = re.compile(r"\d+\.\d\d")
INSTANT_FIELDS = {
    "created_at",
    "updated_at",
    "sent_at",
    "expires_at",
    "accepted_at",
    "decided_at",
    "started_at",
    "ended_at",
    "performed_at",
    "issued_at",
    "paid_at",
    "cancelled_at",
    "refunded_at",
}
MONEY_FIELDS = {"amount", "total"}

# What the desktop's parsers read (desktop/domain/models.py, desktop/domain/payments.py,
# desktop/services/billing.py, desktop/api/calls.py): present in every answer, null or not.
DESKTOP_READS = {
    "user": [
        "id",
        "role",
        "first_name",
        "last_name",
        "email",
        "profession",
        "specialty",
        "plan",
        "event_seq",
    ],
    "person": ["id", "first_name", "last_name"],
    "conversation": [
        "id",
        "patient",
        "updated_at",
        "last_seq",
        "read_seq",
        "other_read_seq",
        "unread",
        "last_message",
        "patient_write",
        "patient_can_write",
    ],
    "patient_write": ["mode", "until"],
    "message": [
        "id",
        "conversation_id",
        "seq",
        "sender_id",
        "sender_role",
        "kind",
        "body",
        "data",
        "created_at",
    ],
    "attachment": ["id", "filename", "content_type", "size", "width", "height"],
    "invitation": [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "channel",
        "status",
        "status_label",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
    ],
    "request": ["id", "patient", "message", "status", "created_at"],
    "payment": [
        "id",
        "conversation_id",
        "claim_id",
        "amount",
        "amount_label",
        "label",
        "status",
        "status_label",
        "provider",
        "method",
        "method_label",
        "practitioner",
        "fee_notice",
        "created_at",
        "updated_at",
        "paid_at",
        "cancelled_at",
        "refunded_at",
    ],
    "fee": ["display_name", "profession_label", "sector", "sector_label", "sector_notice"],
    "claim": ["document", "conversation_id", "version", "updated_at"],
    "call": ["id", "conversation_id", "status"],
}


# ------------------------------------------------------------------------------- what clients read
def js_typedefs() -> dict[str, dict[str, bool]]:
    """The object typedefs of types.js: {name: {property: required}}."""
    found: dict[str, dict[str, bool]] = {}
    for block in re.findall(r"/\*\*(.*?)\*/", TYPES_JS.read_text(encoding="utf-8"), re.S):
        name = re.search(r"@typedef \{object\} (\w+)", block)
        if name is None:
            continue
        props: dict[str, bool] = {}
        for at in [m.end() for m in re.finditer(r"@property ", block)]:
            depth, i = 0, at
            while True:  # skip the {type}, which may hold braces of its own
                depth += {"{": 1, "}": -1}.get(block[i], 0)
                i += 1
                if depth == 0:
                    break
            prop = re.match(r"\s*(\[?)(\w+)", block[i:])
            assert prop is not None, block[at : at + 80]
            props[prop.group(2)] = not prop.group(1)
        found[name.group(1)] = props
    return found


TYPEDEFS = js_typedefs()


def reads_js(value: dict[str, Any], typedef: str) -> None:
    """Every property the pages' typedef requires is there; an optional one is there or absent."""
    props = TYPEDEFS[typedef]
    assert props, typedef
    missing = [p for p, required in props.items() if required and p not in value]
    assert not missing, f"{typedef}: {missing} missing from {sorted(value)}"


def reads_desktop(value: dict[str, Any], shape: str) -> None:
    missing = [f for f in DESKTOP_READS[shape] if f not in value]
    assert not missing, f"{shape}: {missing} missing from {sorted(value)}"


def written_as_clients_read(value: Any, path: str = "") -> None:
    """Instants are « …Z » (microseconds or none), money « 25.00 », anywhere in an answer.

    The claim document is the desktop's own (contracts.billing), checked by its own tests.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "document":
                continue
            if key in INSTANT_FIELDS and item is not None:
                assert isinstance(item, str) and INSTANT.fullmatch(item), f"{path}/{key}: {item!r}"
            if key in MONEY_FIELDS and item is not None:
                assert isinstance(item, str) and MONEY.fullmatch(item), f"{path}/{key}: {item!r}"
            written_as_clients_read(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            written_as_clients_read(item, f"{path}[{index}]")


def answer(response: httpx.Response, model: type[BaseModel], status: int = 200) -> dict[str, Any]:
    """The JSON of an answer, checked against its wire model and the instant and money forms."""
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    model.model_validate(data)
    written_as_clients_read(data)
    return data


def events_of(api: httpx.Client, who: Account) -> list[dict[str, Any]]:
    return answer(api.get("/events", params={"limit": 1000}, headers=who.headers), EventsPublic)["items"]


def unique_name() -> str:
    """A last name no other test uses (the directory of the shared server lists many Martins)."""
    return "".join(random.choices(string.ascii_lowercase, k=10)).capitalize()


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server, last_name=unique_name())
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


# ------------------------------------------------------------------------------- answers
def test_accounts_conversations_and_messages(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    me = answer(api.get("/me", headers=doctor.headers), UserPublic)
    reads_js(me, "User")
    reads_desktop(me, "user")
    login = {"role": "patient", "identifier": patient.email, "password": PASSWORD}
    with unique_client(live_server) as client:  # sign-ins are limited per address
        session = answer(client.post("/auth/login", json=login), SessionPublic)
    reads_js(session, "SessionPublic")
    reads_js(session["user"], "User")

    sent = answer(send(api, doctor, conv, "Bonjour"), MessagePublic, 201)
    reads_js(sent, "Message")
    reads_desktop(sent, "message")
    assert (sent["sender_role"], sent["kind"], sent["data"], sent["seq"]) == ("practitioner", "text", None, 1)
    again = answer(send(api, doctor, conv, "Bonjour", sent["id"]), MessagePublic)
    assert again == sent

    document = answer(upload(api, patient, conv, make_pdf(), "ordonnance.pdf"), MessagePublic, 201)
    attachment = document["data"]["attachment"]
    AttachmentPublic.model_validate(attachment)
    reads_js(attachment, "AttachmentInfo")
    reads_desktop(attachment, "attachment")
    assert (attachment["filename"], attachment["content_type"]) == ("ordonnance.pdf", "application/pdf")
    assert (attachment["width"], attachment["height"]) == (None, None)

    page = answer(api.get(f"/conversations/{conv}/messages", headers=patient.headers), MessagesPublic)
    reads_js(page, "MessagesPage")
    assert [m["id"] for m in page["items"]] == [sent["id"], document["id"]]
    assert page["items"][0] == sent

    summary = answer(api.get(f"/conversations/{conv}", headers=doctor.headers), ConversationPublic)
    reads_js(summary, "Conversation")
    reads_desktop(summary, "conversation")
    reads_desktop(summary["patient_write"], "patient_write")
    for person in (summary["practitioner"], summary["patient"]):
        reads_js(person, "Person")
        reads_desktop(person, "person")
    # In answers the patient's practitioner-only fields are null (present): clients read either.
    assert summary["patient"] == {
        "id": patient.id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "profession": None,
        "specialty": None,
        "city": None,
    }
    assert summary["practitioner"]["profession"] == "medecin_generaliste"
    assert summary["last_message"] == document and summary["unread"] == 1
    assert summary["patient_write"] == {"mode": "always", "until": None}

    closed = {"patient_write": {"mode": "until", "until": "2027-01-10"}}
    updated = answer(
        api.patch(f"/conversations/{conv}", json=closed, headers=doctor.headers), ConversationPublic
    )
    assert updated["patient_write"] == {"mode": "until", "until": "2027-01-10"}

    listed = answer(
        api.get("/conversations", params={"limit": 1}, headers=doctor.headers), ConversationsPublic
    )
    reads_js(listed, "ConversationsPage")
    (item,) = listed["items"]
    assert listed["next_before"] == f"{item['updated_at']}|{item['id']}"  # a full page: the cursor
    found = answer(
        api.get("/conversations", params={"q": "dup"}, headers=doctor.headers), ConversationsPublic
    )
    assert found["next_before"] is None

    read = answer(
        api.post(f"/conversations/{conv}/read", json={"seq": 2}, headers=doctor.headers), ReadMarkPublic
    )
    assert read == {"conversation_id": conv, "read_seq": 2}


def test_invitations_and_requests(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server, last_name=unique_name())
    email = unique_email("invite")
    body = {"first_name": "Jean", "last_name": "Petit", "email": email}
    created = answer(
        api.post("/invitations", json=body, headers=doctor.headers), InvitationOutcomePublic, 201
    )
    assert (created["outcome"], created["conversation_id"]) == ("created", None)
    invitation = created["invitation"]
    reads_desktop(invitation, "invitation")
    assert (invitation["status"], invitation["status_label"], invitation["channel"]) == (
        "pending",
        "En attente",
        "email",
    )
    fetched = answer(api.get(f"/invitations/{invitation['id']}", headers=doctor.headers), InvitationPublic)
    assert fetched["id"] == invitation["id"]
    link = answer(
        api.post(f"/invitations/{invitation['id']}/link", headers=doctor.headers), InvitationLinkPublic
    )
    assert link["expires_at"] == link["invitation"]["expires_at"]
    token = link["url"].rsplit("/i/", 1)[1]

    view = answer(api.post("/invitation-links/lookup", json={"token": token}), LinkViewPublic)
    assert view["state"] == "valid" and view["account_exists"] is False
    assert view["practitioner"]["display_name"] == f"Dr Claire {doctor.last_name}"
    assert set(view["invitation"]) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "expires_at",
        "valid_until",
    }
    unknown = answer(api.post("/invitation-links/lookup", json={"token": "Z" * 43}), LinkViewPublic)
    assert (unknown["state"], unknown["practitioner"], unknown["invitation"], unknown["account_exists"]) == (
        "unknown",
        None,
        None,
        None,
    )

    newcomer = make_patient(live_server, first_name="Jean", last_name="Petit", email=email)
    accepted = answer(
        api.post("/invitation-links/accept", json={"token": token}, headers=newcomer.headers),
        InvitationAcceptedPublic,
    )
    reads_js(accepted, "InvitationAccepted")
    assert accepted["invitation_id"] == invitation["id"]

    asking = make_patient(live_server, first_name="Lucie", last_name="Bernard")
    directory = answer(
        api.get("/directory", params={"q": doctor.last_name}, headers=asking.headers), DirectoryPublic
    )
    reads_js(directory, "DirectoryPage")
    card = next(c for c in directory["items"] if c["id"] == doctor.id)
    reads_js(card, "PractitionerCard")
    assert (card["conversation_id"], card["request_status"]) == (None, None)  # present, null
    ask = {"practitioner_id": doctor.id, "message": "Bonjour"}
    outcome = answer(
        api.post("/connection-requests", json=ask, headers=asking.headers),
        ConnectionRequestOutcomePublic,
        201,
    )
    reads_js(outcome, "ConnectionRequestOutcome")
    reads_js(outcome["request"], "ConnectionRequest")
    reads_desktop(outcome["request"], "request")
    assert outcome["request"]["patient"] == {
        "id": asking.id,
        "first_name": "Lucie",
        "last_name": "Bernard",
        "profession": None,
        "specialty": None,
        "city": None,
    }


def test_claims_notes_and_payments(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    doctor, patient, conv = trio
    document = claim_document()
    claim = answer(
        api.post("/billing/claims", json={**document, "conversation_id": conv}, headers=doctor.headers),
        ClaimPublic,
        201,
    )
    reads_desktop(claim, "claim")
    assert (claim["total"], claim["performed_at"], claim["status_label"]) == (
        "25.00",
        "2026-11-24T09:00:00Z",
        "brouillon",
    )
    assert claim["document"] == document
    claims = answer(api.get("/billing/claims", headers=doctor.headers), ClaimsPublic)
    assert claims["items"] == [claim]

    ask = {"amount": "25", "label": "Téléconsultation", "claim_id": claim["id"]}
    payment = answer(
        api.post(f"/conversations/{conv}/payments", json=ask, headers=doctor.headers), PaymentPublic, 201
    )
    reads_desktop(payment, "payment")
    reads_desktop(payment["practitioner"], "fee")
    assert (payment["amount"], payment["amount_cents"], payment["claim_id"]) == ("25.00", 2500, claim["id"])
    seen = answer(api.get(f"/conversations/{conv}/payments", headers=patient.headers), PaymentsPublic)
    reads_js(seen, "PaymentsPage")
    (theirs,) = seen["items"]
    reads_js(theirs, "Payment")
    reads_js(theirs["practitioner"], "PractitionerFee")
    assert theirs["claim_id"] is None  # the patient never sees the claim
    paid = answer(
        api.post(f"/payments/{payment['id']}/mark-paid", json={"method": "cheque"}, headers=doctor.headers),
        PaymentPublic,
    )
    assert (paid["status"], paid["method_label"]) == ("paid", "chèque") and paid["paid_at"] is not None

    note = answer(
        api.post("/billing/notes", json={"total": "25", "claim_id": claim["id"]}, headers=doctor.headers),
        NotePublic,
        201,
    )
    assert (note["total"], note["number"][4:]) == ("25.00", "-0001")

    messages = answer(api.get(f"/conversations/{conv}/messages", headers=patient.headers), MessagesPublic)
    (system,) = [m for m in messages["items"] if m["kind"] == "system"]
    assert system["sender_id"] is None and system["sender_role"] == "system"
    assert system["data"] == {"payment": {"id": payment["id"], "status": "paid", "amount": "25.00"}}


def test_calls_over_rest_and_the_socket(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    none = answer(api.get(f"/conversations/{conv}/calls/current", headers=patient.headers), CurrentCallPublic)
    assert none == {"call": None}
    call = answer(api.post(f"/conversations/{conv}/calls", headers=doctor.headers), CallPublic, 201)
    reads_js(call, "Call")
    reads_desktop(call, "call")
    assert (call["status"], call["ended_at"], call["end_reason"]) == ("active", None, None)
    current = answer(
        api.get(f"/conversations/{conv}/calls/current", headers=patient.headers), CurrentCallPublic
    )
    reads_js(current, "CurrentCall")
    assert current["call"] == call
    with RealtimeClient(live_server.ws_url, doctor.token, last_seq=10**9) as sock:
        sock.send({"type": "call.start", "conversation_id": conv, "ref": "r1"})
        ok = next(f for f in iter(sock.recv, None) if f["type"] == "call.start.ok")
        CallStartOkFrame.model_validate(ok)
        assert ok == {"type": "call.start.ok", "ref": "r1", "call": call}
        mid = str(uuid.uuid4())
        sock.send({"type": "message.send", "conversation_id": conv, "id": mid, "body": "Je vous appelle"})
        ack = next(f for f in iter(sock.recv, None) if f["type"] == "ack")
        MessageAckFrame.model_validate(ack)
        written_as_clients_read(ack)
        assert (ack["id"], ack["seq"]) == (mid, 1)
    ended = answer(
        api.post(f"/calls/{call['id']}/end", json={"reason": "hangup"}, headers=patient.headers), CallPublic
    )
    assert (ended["status"], ended["end_reason"]) == ("ended", "hangup") and ended["ended_at"] is not None


# ------------------------------------------------------------------------------- events
def test_events_carry_the_json_of_their_model(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    send(api, patient, conv, "Bonjour")  # message.created through the batched writer
    upload(api, doctor, conv, make_pdf(), "note.pdf")  # and through ConversationService.append
    api.post(f"/conversations/{conv}/read", json={"seq": 2}, headers=patient.headers)
    api.patch(f"/conversations/{conv}", json={"patient_write": {"mode": "never"}}, headers=doctor.headers)
    call = api.post(f"/conversations/{conv}/calls", headers=doctor.headers).json()
    api.post(f"/calls/{call['id']}/end", headers=doctor.headers)
    claim = api.post("/billing/claims", json=claim_document(), headers=doctor.headers).json()
    api.post("/billing/notes", json={"total": "10.50"}, headers=doctor.headers)
    payment = api.post(
        f"/conversations/{conv}/payments", json={"amount": "25", "label": "Suivi"}, headers=doctor.headers
    ).json()
    api.post(f"/payments/{payment['id']}/cancel", headers=doctor.headers)
    api.post(
        "/invitations",
        json={"first_name": "Jean", "last_name": "Petit", "phone": "06 12 34 56 78"},
        headers=doctor.headers,
    )
    asking = make_patient(live_server, first_name="Lucie", last_name="Bernard")
    request = api.post(
        "/connection-requests", json={"practitioner_id": doctor.id}, headers=asking.headers
    ).json()
    api.post(f"/connection-requests/{request['request']['id']}/decline", headers=doctor.headers)

    doctor_events = events_of(api, doctor)
    patient_events = events_of(api, patient)
    names = {e["event"] for e in doctor_events + patient_events}
    assert names >= {
        "conversation.created",
        "conversation.read",
        "conversation.updated",
        "message.created",
        "call.started",
        "call.ended",
        "claim.updated",
        "note.created",
        "payment.created",
        "payment.updated",
        "invitation.updated",
        "connection_request.created",
        "connection_request.updated",
    }
    for event in doctor_events + patient_events + events_of(api, asking):
        EVENT_PAYLOADS[event["event"]].model_validate(event["data"])
        written_as_clients_read(event["data"])

    def data(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        return [e["data"] for e in events if e["event"] == name]

    # What events always left out stays out: the patient's practitioner-only fields, the card's
    # relation to the searching patient; everything else is there, null or not.
    (created,) = data(patient_events, "conversation.created")
    assert created["conversation"]["patient"] == {
        "id": patient.id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
    }
    assert set(created["conversation"]["practitioner"]) == set(PersonPublic.model_fields)
    for request_event in data(doctor_events, "connection_request.created"):
        assert set(request_event["request"]["patient"]) == {"id", "first_name", "last_name"}
        assert "conversation_id" not in request_event["request"]["practitioner"]
        assert "request_status" not in request_event["request"]["practitioner"]
    for message_event in data(patient_events, "message.created"):
        reads_js(message_event["message"], "Message")
        reads_desktop(message_event["message"], "message")
        assert set(message_event["message"]) == set(MessagePublic.model_fields)
    (read,) = data(doctor_events, "conversation.read")
    assert read == {"conversation_id": conv, "reader_role": "patient", "read_seq": 2, "unread": 0}
    (update,) = data(patient_events, "conversation.updated")
    assert update == {
        "conversation_id": conv,
        "patient_write": {"mode": "never", "until": None},
        "patient_can_write": False,
    }
    (summary,) = data(doctor_events, "claim.updated")
    assert summary["claim"]["id"] == claim["id"] and "document" not in summary["claim"]
    assert {k: v for k, v in claim.items() if k != "document"} == summary["claim"]
    for payment_event in data(patient_events, "payment.created") + data(patient_events, "payment.updated"):
        reads_js(payment_event["payment"], "Payment")
        assert payment_event["payment"]["claim_id"] is None and payment_event["payment"]["amount"] == "25.00"
    for call_event in data(patient_events, "call.started") + data(patient_events, "call.ended"):
        reads_js(call_event["call"], "Call")


# ------------------------------------------------------------------------------- OpenAPI
def wire_model_names() -> set[str]:
    modules = (
        contracts.wire.accounts,
        contracts.wire.attachments,
        contracts.wire.billing,
        contracts.wire.calls,
        contracts.wire.common,
        contracts.wire.conversations,
        contracts.wire.invitations,
        contracts.wire.payments,
    )
    return {
        name
        for module in modules
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__
    }


def test_openapi_answers_are_the_contracts_models(api: httpx.Client) -> None:
    doc = api.get("/openapi.json").json()
    names = wire_model_names()
    answers: dict[tuple[str, str], str] = {}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is None or not status.startswith("2"):
                    continue
                if schema.get("type") == "array":
                    schema = schema["items"]
                ref = schema.get("$ref", "")
                assert ref.startswith("#/components/schemas/"), (method, path, status, schema)
                name = ref.rsplit("/", 1)[1]
                assert name in names, (method, path, name)
                answers[(method, path.removeprefix("/api/v1"))] = name
    assert {
        ("get", "/me"): "UserPublic",
        ("get", "/conversations"): "ConversationsPublic",
        ("get", "/conversations/{conversation_id}"): "ConversationPublic",
        ("put", "/conversations/{conversation_id}/messages/{message_id}"): "MessagePublic",
        ("post", "/conversations/{conversation_id}/read"): "ReadMarkPublic",
        ("get", "/events"): "EventsPublic",
        ("post", "/invitations"): "InvitationOutcomePublic",
        ("get", "/invitations/{invitation_id}"): "InvitationPublic",
        ("post", "/invitation-links/lookup"): "LinkViewPublic",
        ("post", "/connection-requests"): "ConnectionRequestOutcomePublic",
        ("get", "/directory"): "DirectoryPublic",
        ("post", "/billing/claims"): "ClaimPublic",
        ("get", "/billing/notes/{note_id}"): "NotePublic",
        ("post", "/conversations/{conversation_id}/payments"): "PaymentPublic",
        ("get", "/billing/payments"): "PaymentsPublic",
        ("post", "/conversations/{conversation_id}/calls"): "CallPublic",
        ("get", "/conversations/{conversation_id}/calls/current"): "CurrentCallPublic",
        ("get", "/calls/ice-servers"): "IceServerPublic",
        ("get", "/help-pages"): "HelpPagesPublic",
    }.items() <= answers.items()
