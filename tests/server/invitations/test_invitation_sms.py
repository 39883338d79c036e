"""Invitation SMS through the OVHcloud adapter against a local API: exact request, signature, errors."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from server.accounts.names import PractitionerName
from server.delivery.factory import build_delivery
from server.delivery.gsm7 import septets, to_gsm7
from server.delivery.ovh_sms import ovh_signature
from server.invitations.texts import invitation_sms
from server.settings import SettingsError
from tests.conftest import base_settings
from tests.helpers.factories import make_practitioner
from tests.helpers.invitation_env import (
    invitation_status,
    invite,
    national,
    socket_for,
    unique_mobile,
    wait_until,
)
from tests.helpers.live_server import LiveServer
from tests.helpers.ovh_fake import (
    APPLICATION_KEY,
    CONSUMER_KEY,
    SENDER,
    SERVICE,
    OvhFake,
    expected_signature,
)

LINK = re.compile(r"https?://\S+/i/([A-Za-z0-9_-]{43})")


def test_the_request_is_exactly_ovhs_with_a_valid_signature(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    mobile = unique_mobile()
    inv = invite(client, doctor, first_name="Marc", last_name="Petit", phone=national(mobile)).json()[
        "invitation"
    ]
    (request,) = ovh.wait(mobile)
    assert request.url == f"{ovh.base_url}/sms/{SERVICE}/jobs"
    assert request.headers["X-Ovh-Application"] == APPLICATION_KEY
    assert request.headers["X-Ovh-Consumer"] == CONSUMER_KEY
    assert request.headers["Content-Type"].startswith("application/json")
    # The signature is OVH's: recomputed here from the raw body and the full URL.
    timestamp = request.headers["X-Ovh-Timestamp"]
    assert request.headers["X-Ovh-Signature"] == expected_signature(
        "POST", request.url, request.raw_body, timestamp
    )
    assert request.signature_ok
    assert abs(request.timestamp_skew) <= 5  # OVH's clock (an hour ahead here), not ours
    assert ovh.time_requests >= 1
    body = json.loads(request.raw_body)
    text = body.pop("message")
    assert body == {
        "receivers": [mobile],
        "charset": "UTF-8",
        "coding": "7bit",
        "noStopClause": True,
        "priority": "high",
        "tag": "teleconsult",
        "sender": SENDER,
    }
    assert text.startswith("Dr Claire Martin vous invite sur Teleconsult") and "15 jours" in text
    length = septets(text)
    assert length is not None and length <= 160
    token = LINK.search(text)
    assert token is not None
    assert client.post("/invitation-links/lookup", json={"token": token.group(1)}).json()["state"] == "valid"
    wait_until(lambda: invitation_status(client, doctor, inv["id"])["sent_at"])


def test_provider_errors_are_retried_then_the_sms_goes_once(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    ovh.plan(mobile, "http503", "http429")
    inv = invite(client, doctor, phone=national(mobile)).json()["invitation"]
    requests = ovh.wait(mobile, count=3)
    assert [r.answered for r in requests] == [503, 429, 200]
    assert all(r.signature_ok for r in requests)
    status = wait_until(lambda: (s := invitation_status(client, doctor, inv["id"]))["sent_at"] and s)
    assert status["status"] == "pending"
    # Each attempt drew its own link; the one that went out works.
    accepted_text = json.loads(requests[-1].raw_body)["message"]
    token = LINK.search(accepted_text)
    assert token is not None
    assert client.post("/invitation-links/lookup", json={"token": token.group(1)}).json()["state"] == "valid"


def test_a_provider_that_keeps_failing_gives_delivery_failed_and_an_event(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    ovh.plan(mobile, "http500", "http500", "http500")
    with socket_for(server, client, doctor) as sock:
        inv = invite(client, doctor, phone=national(mobile)).json()["invitation"]
        failed = sock.events(2, event="invitation.updated", timeout=30)[1]["data"]["invitation"]
    assert failed["id"] == inv["id"] and failed["status"] == "delivery_failed"
    assert "SMS" in failed["delivery_error"] and "3 tentatives" in failed["delivery_error"]
    assert len(ovh.sent_to(mobile)) == 3


@pytest.mark.parametrize(
    ("action", "words"), [("invalid", "numéro a été refusé"), ("http400", "a refusé le message")]
)
def test_a_refused_number_or_message_fails_at_once(
    server: LiveServer, client: httpx.Client, ovh: OvhFake, action: str, words: str
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    ovh.plan(mobile, action)
    inv = invite(client, doctor, phone=national(mobile)).json()["invitation"]
    status = wait_until(
        lambda: (s := invitation_status(client, doctor, inv["id"]))["status"] == "delivery_failed" and s
    )
    assert words in status["delivery_error"]
    assert len(ovh.sent_to(mobile)) == 1  # permanent: not retried


@pytest.mark.parametrize(
    ("first", "last", "profession", "base"),
    [
        ("Claire", "Martin", "medecin_generaliste", "http://127.0.0.1:8765"),
        ("Marie-Françoise 😊", "de La Rochefoucauld-Œuvrard", "sage_femme", "https://teleconsult.example.fr"),
        (
            "Jean-Baptiste",
            "X" * 100,
            "medecin_specialiste",
            "https://teleconsult.cabinet-des-alpes.example.fr",
        ),
        ("Ấn", "Nguyễn", "infirmier", "https://" + "tres-long-" * 9 + ".example.fr"),
    ],
)
def test_sms_text_fits_one_gsm7_segment_with_the_whole_link(
    first: str, last: str, profession: str, base: str
) -> None:
    link = f"{base}/i/{'A' * 43}"
    text = invitation_sms(PractitionerName(first, last, profession), link)
    length = septets(text)
    assert length is not None and length <= 160, text
    assert link in text


def test_gsm7_transliteration_keeps_french_accents_of_the_alphabet() -> None:
    assert to_gsm7("Hélène à Nîmes, François Œuvrard 😊") == "Hélène à Nimes, Francois OEuvrard"
    assert septets("é€") == 3  # € is in the extension table


def test_signature_matches_ovhs_documented_scheme() -> None:
    # sha1("AS+CK+POST+URL+BODY+TS"), prefixed with $1$.
    sig = ovh_signature("as", "ck", "post", "https://eu.api.ovh.com/1.0/sms/x/jobs", "{}", 1764000000)
    raw = "as+ck+POST+https://eu.api.ovh.com/1.0/sms/x/jobs+{}+1764000000"
    assert sig == "$1$" + hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324


def test_an_incomplete_or_unknown_sms_configuration_is_refused_in_french(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as missing:
        build_delivery(base_settings(tmp_path, sms_provider="ovh", sms_api_key="ak"))
    assert "incomplète" in str(missing.value) and "TELECONSULT_SMS_API_SECRET" in str(missing.value)
    with pytest.raises(SettingsError) as unknown:
        build_delivery(base_settings(tmp_path, sms_provider="pigeon"))
    assert "inconnu" in str(unknown.value)
    adapters = build_delivery(base_settings(tmp_path))
    assert "outbox" in adapters.description
