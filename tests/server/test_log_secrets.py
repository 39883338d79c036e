"""No health data and no secret in the server's logs, even at DEBUG (issue 11, §5; ASVS 16.2.5).

One full consultation is played against a real server whose product loggers are at DEBUG: a
practitioner invites a patient (by email and by SMS), the patient signs up and accepts the link,
they write to each other (REST and socket), the patient sends a document, the practitioner starts
a call and they exchange its signaling, the patient pays through Stripe (the local fake) and the
practitioner prepares the claim, with a few refusals on the way (a wrong password, a forgotten
password, a bad document, a duplicate claim). Then every log line the server wrote is searched for
what it must never hold: message texts, names, the file name, the NIR, phone numbers, emails,
passwords, tokens, invitation links, the Stripe secrets. The server's logs may name objects by id.
The story is played with both log formats: text, and JSON (`TELECONSULT_LOG_FORMAT=json`: one
object per line, with the request id and the route template).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.kernel.logs import JsonFormatter
from server.main import configure_logging
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.billing import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeFake,
    ask_payment,
    claim_document,
    paid_by_stripe,
    stripe_fake,
)
from tests.helpers.documents import make_pdf, upload
from tests.helpers.factories import PASSWORD, Account, make_practitioner
from tests.helpers.invitation_env import national, outbox_signup_code, unique_mobile
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ws import RealtimeClient

# The product's own loggers, and uvicorn's (which `teleconsult-server serve` sets to the same level),
# set to DEBUG for the scenario.
PRODUCT_LOGGERS = ("server", "teleconsult", "uvicorn", "uvicorn.error", "uvicorn.asgi")
# Loggers of the test's own tools (clients, fakes): what they print is not the server's log.
TEST_SIDE = ("httpx", "httpcore", "websockets.client", "urllib3", "werkzeug", "mail.log", "hypothesis")


NIR = "1 84 12 76 451 089 46"
OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
)


class Capture(logging.Handler):
    """Every record of every logger, formatted as the server's log handler would print it."""

    def __init__(self, log_format: str = "text") -> None:
        super().__init__(level=logging.DEBUG)
        self.log_format = log_format
        self.lines: list[str] = []
        json_lines = log_format == "json"
        self.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TEST_SIDE):
            return
        self.lines.append(self.format(record))  # exception text and stack included


@pytest.fixture
def stripe() -> Iterator[StripeFake]:
    yield from stripe_fake()


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path, stripe: StripeFake) -> Iterator[LiveServer]:
    database: dict[str, object] = {}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        database["database_url"] = create_postgres_database(POSTGRES_URL)
    settings = base_settings(
        tmp_path,
        **database,
        allow_practitioner_signup=True,
        payment_provider="stripe",
        stripe_api_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_base_url=stripe.url,
        stripe_timeout_seconds=5.0,
    )
    with LiveServer(settings) as live:
        yield live


@pytest.fixture(params=["text", "json"])
def capture(request: pytest.FixtureRequest) -> Iterator[Capture]:
    """The server's log at DEBUG in each format, configured as `teleconsult-server` configures it
    (TELECONSULT_LOG_LEVEL, TELECONSULT_LOG_FORMAT)."""
    handler = Capture(request.param)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in (*PRODUCT_LOGGERS, "aiosqlite")}
    root_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    configure_logging("DEBUG", request.param)
    for name in PRODUCT_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(root_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def next_frame(sock: RealtimeClient, kind: str) -> dict[str, Any]:
    while True:
        frame = sock.recv(timeout=10)
        if frame.get("type") == kind or (frame.get("type") == "event" and frame.get("event") == kind):
            return frame


def consultation(
    server: LiveServer, client: httpx.Client, stripe: StripeFake, secrets: dict[str, str]
) -> None:
    """The whole story, every step through the API the clients use; `secrets` gets what it shows."""
    doctor = make_practitioner(server, first_name="Bérénice", last_name="Vautrin-Qhuel")
    secrets |= {"practitioner's last name": doctor.last_name, "practitioner's session": doctor.token}
    secrets["practitioner's email"] = str(doctor.email)

    # Invitations: by email (accepted below) and by SMS.
    email = f"anais.{uuid.uuid4().hex[:8]}@exemple-patient.fr"
    mobile = unique_mobile()
    secrets |= {"patient's email": email, "patient's mobile": mobile, "mobile as typed": national(mobile)}
    secrets |= {"patient's first name": "Anaïs", "patient's last name": "Quesnel-Ombredane"}
    invited = client.post(
        "/invitations",
        json={"first_name": "Anaïs", "last_name": "Quesnel-Ombredane", "email": email},
        headers=doctor.headers,
    )
    assert invited.status_code == 201, invited.text
    by_sms = client.post(
        "/invitations",
        json={"first_name": "Gwenaëlle", "last_name": "Kerbrat-Ulm", "phone": national(mobile)},
        headers=doctor.headers,
    )
    assert by_sms.status_code == 201, by_sms.text
    secrets |= {"SMS invitee's last name": "Kerbrat-Ulm"}
    link = client.post(f"/invitations/{invited.json()['invitation']['id']}/link", headers=doctor.headers)
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    token = url.rsplit("/", 1)[1]
    secrets |= {"invitation link": "/i/" + token, "invitation token": token}
    assert httpx.get(url, timeout=30).status_code == 200  # the patient opens the page

    # The patient signs up, looks the link up and accepts it.
    patient = sign_up_by_outbox(server, client, email, first_name="Anaïs", last_name="Quesnel-Ombredane")
    secrets["patient's session"] = patient.token
    assert client.post("/invitation-links/lookup", json={"token": token}).json()["state"] == "valid"
    accepted = client.post("/invitation-links/accept", json={"token": token}, headers=patient.headers)
    assert accepted.status_code == 200, accepted.text
    conversation = accepted.json()["conversation_id"]

    # A wrong password, a good one, and a forgotten one.
    wrong = {"identifier": email, "password": "mauvais-Secret-77", "role": "patient"}
    secrets["wrong password"] = wrong["password"]
    assert client.post("/auth/login", json=wrong).status_code == 401
    good = client.post("/auth/login", json={**wrong, "password": PASSWORD})
    assert good.status_code == 200, good.text
    secrets |= {"password": PASSWORD, "second session": good.json()["token"]}
    assert client.post("/auth/password-reset", json={"identifier": email}).status_code == 202

    # Chat over REST and over the socket, and read marks.
    symptom = "J'ai une douleur thoracique depuis hier soir et je prends du Kardégic"
    answer = "Prenez rendez-vous pour un électrocardiogramme en urgence"
    secrets |= {"patient's message": symptom, "practitioner's message": answer}
    sent = client.put(
        f"/conversations/{conversation}/messages/{uuid.uuid4()}",
        json={"body": symptom},
        headers=patient.headers,
    )
    assert sent.status_code == 201, sent.text
    with RealtimeClient(server.ws_url, doctor.token) as doctor_socket:
        doctor_socket.send(
            {"type": "message.send", "id": str(uuid.uuid4()), "conversation_id": conversation, "body": answer}
        )
        next_frame(doctor_socket, "ack")
    read = client.post(f"/conversations/{conversation}/read", json={"seq": 2}, headers=patient.headers)
    assert read.status_code == 200, read.text
    assert client.get("/conversations", params={"q": "Quesnel"}, headers=doctor.headers).status_code == 200

    # A document, and a file that is not one.
    filename = "bilan-cardiologie-Quesnel.pdf"
    secrets["file name"] = filename
    document = upload(client, patient, conversation, make_pdf("Troponine élevée"), filename=filename)
    assert document.status_code == 201, document.text
    assert client.get(f"/attachments/{document.json()['id']}", headers=doctor.headers).status_code == 200
    refused = upload(
        client, patient, conversation, b"MZ\x90\x00 not a document", filename="radio-Quesnel.exe"
    )
    assert refused.status_code == 415, refused.text
    secrets["refused file name"] = "radio-Quesnel.exe"

    # A call: started by the practitioner, signaling both ways, hung up.
    with (
        RealtimeClient(server.ws_url, doctor.token) as doctor_socket,
        RealtimeClient(server.ws_url, patient.token) as patient_socket,
    ):
        doctor_socket.send({"type": "call.start", "conversation_id": conversation, "ref": "r1"})
        call_id = next_frame(doctor_socket, "call.start.ok")["call"]["id"]
        patient_socket.send({"type": "call.ready", "call_id": call_id, "peer": "navigateur"})
        doctor_socket.send({"type": "call.offer", "call_id": call_id, "session": "s1", "sdp": OFFER})
        next_frame(patient_socket, "call.offer")
        patient_socket.send({"type": "call.answer", "call_id": call_id, "session": "s1", "sdp": OFFER})
        next_frame(doctor_socket, "call.answer")
        doctor_socket.send({"type": "call.hangup", "call_id": call_id, "reason": "hangup"})
        next_frame(patient_socket, "call.hangup")
    secrets["SDP"] = "4611731400430051336"

    # Payment through Stripe, then the claim with the patient's NIR.
    payment = ask_payment(client, doctor, conversation, "25.00", label="Téléconsultation cardiologie")
    assert payment.status_code == 201, payment.text
    paid_by_stripe(client, stripe, patient, payment.json())
    secrets |= {"Stripe key": API_KEY, "webhook secret": WEBHOOK_SECRET}
    claim = claim_document()
    claim["patient"] |= {"nir": NIR, "last_name": "Quesnel-Ombredane", "first_name": "Anaïs"}
    created = client.post("/billing/claims", json=claim, headers=doctor.headers)
    assert created.status_code == 201, created.text
    claim["patient"]["last_name"] = "Quesnel-Ombredane-Autre"
    assert client.post("/billing/claims", json=claim, headers=doctor.headers).status_code == 409
    secrets |= {"NIR": NIR.replace(" ", ""), "NIR as typed": NIR}
    # The links the invitations went out with (written to the outbox: no relay is configured).
    outbox = server.settings.data_dir / "outbox"
    sent = {m for f in outbox.iterdir() for m in re.findall(r"/i/([A-Za-z0-9_-]{43})", f.read_text())}
    assert len(sent) == 2
    secrets |= {f"sent invitation token {n}": sent_token for n, sent_token in enumerate(sorted(sent))}


# A secret counts as leaked when any 12 characters of it in a row are in a line (a log that cuts
# a token or a message short still discloses it); a shorter secret, when it is there whole.
WINDOW = 12


def fragments(value: str) -> set[str]:
    value = value.casefold()
    if len(value) <= WINDOW:
        return {value}
    return {value[i : i + WINDOW] for i in range(len(value) - WINDOW + 1)}


def sign_up_by_outbox(server: LiveServer, client: httpx.Client, email: str, **names: str) -> Account:
    """A patient sign-up confirmed with the code the server wrote to its outbox (no relay here)."""
    started = client.post("/auth/patients", json={**names, "email": email, "password": PASSWORD})
    assert started.status_code == 202, started.text
    code = outbox_signup_code(server.settings.data_dir / "outbox", email)
    path = f"/auth/patients/{started.json()['signup_id']}/confirm"
    confirmed = client.post(path, json={"code": code})
    assert confirmed.status_code == 201, confirmed.text
    user, token = confirmed.json()["user"], confirmed.json()["token"]
    return Account(
        user["id"], "patient", user["email"], user["phone"], token, user["first_name"], user["last_name"]
    )


def leaks(lines: list[str], secrets: dict[str, str]) -> list[str]:
    found = []
    pieces = {what: fragments(value) for what, value in secrets.items()}
    for line in lines:
        lowered = line.casefold()
        found += [
            f"{what} in « {line[:300]} »"
            for what, parts in pieces.items()
            if any(p in lowered for p in parts)
        ]
    return found


def test_a_whole_consultation_leaves_no_health_data_nor_secret_in_the_logs(
    server: LiveServer, stripe: StripeFake, capture: Capture
) -> None:
    secrets: dict[str, str] = {}
    with unique_client(server) as client:
        consultation(server, client, stripe, secrets)
    assert len(capture.lines) >= 5, capture.lines  # the server did log
    if capture.log_format == "json":
        records = [json.loads(line) for line in capture.lines]  # every line is one JSON object
        keys = {"time", "level", "logger", "message", "request_id", "route"}
        assert all(keys <= set(record) for record in records), records[:3]
        assert any(r["logger"].startswith("server.") for r in records)
        during_requests = [r for r in records if r["request_id"] and r["route"].startswith("/api/v1/")]
        assert during_requests, "no log line carries its request"
    else:
        assert any(line.startswith("server.") for line in capture.lines)
    assert len(secrets) >= 20
    assert not leaks(capture.lines, secrets), "\n".join(leaks(capture.lines, secrets))


def test_the_search_finds_a_leak() -> None:
    """The search itself: a line holding a secret in another case is found, a short piece is not."""
    secrets = {"name": "Quesnel", "token": "GDDBEMFxTrWijvQluhPUmAfgqYbzsqWGCQ"}
    assert leaks(["server.x: patient QUESNEL signed in"], secrets)
    assert leaks(["""uvicorn.error: < TEXT '{"token": "GDDBEMFxTrWijvQluhPU...sqWGCQ"}'"""], secrets)
    assert not leaks(["server.x: session GDDBEMFxTrW opened"], secrets)
