"""Invitation rules over HTTP on both databases: plan, channel, numbers, duplicates, lifecycle, events."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from server.container import Services
from server.kernel.models import AuditEntry
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.invitation_env import (
    bearer,
    invitation_status,
    invite,
    national,
    new_email,
    set_invitation,
    sign_up,
    socket_for,
    unique_mobile,
)
from tests.helpers.live_server import LiveServer
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture


def lookup(client: httpx.Client, token: str) -> dict[str, object]:
    r = client.post("/invitation-links/lookup", json={"token": token})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_a_pro_practitioner_gets_plan_required_naming_pro_plus(
    server: LiveServer, client: httpx.Client
) -> None:
    pro = make_practitioner(server, plan="PRO")
    r = invite(client, pro, email=new_email())
    assert r.status_code == 403
    assert r.json()["code"] == "plan_required"
    assert "PRO+" in r.json()["detail"] and "formule" in r.json()["detail"]
    assert (
        client.post(
            "/invitations/validate",
            json={"first_name": "A", "last_name": "B", "email": new_email()},
            headers=pro.headers,
        ).status_code
        == 403
    )
    assert client.get("/invitations", headers=pro.headers).json()["items"] == []


def test_channel_is_email_when_an_email_is_given_with_or_without_phone(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    only_email, both = new_email(), new_email()
    r1 = invite(client, doctor, email=only_email)
    r2 = invite(client, doctor, email=both, phone="04 72 00 00 00")  # a landline is fine beside an email
    assert (r1.status_code, r2.status_code) == (201, 201)
    assert r1.json()["invitation"]["channel"] == "email"
    assert r2.json()["invitation"]["channel"] == "email"
    assert r2.json()["invitation"]["phone"] == "+33472000000"
    smtp.wait(only_email)
    smtp.wait(both)


def test_sms_only_with_a_mobile_alone_and_a_landline_is_refused(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    r = invite(client, doctor, phone=national(mobile))
    assert r.status_code == 201, r.text
    assert r.json()["invitation"]["channel"] == "sms" and r.json()["invitation"]["phone"] == mobile
    ovh.wait(mobile)
    landline = invite(client, doctor, phone="01 42 68 53 00")
    assert landline.status_code == 422
    assert landline.json()["code"] == "phone_not_mobile" and "portable" in landline.json()["detail"]
    assert (
        client.post(
            "/invitations/validate",
            json={"first_name": "A", "last_name": "B", "phone": "01 42 68 53 00"},
            headers=doctor.headers,
        ).json()["code"]
        == "phone_not_mobile"
    )
    assert client.post(
        "/invitations/validate",
        json={"first_name": "A", "last_name": "B", "phone": national(mobile)},
        headers=doctor.headers,
    ).json() == {"channel": "sms", "email": None, "phone": mobile}


def test_three_spellings_of_one_number_are_one_contact(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    digits = national(mobile)
    spellings = [digits, "+33 " + digits[1:], "0033 " + digits[1:]]
    results = [invite(client, doctor, phone=s) for s in spellings]
    # One contact: the same invitation asked three times, sent once (test_invitation_duplicates).
    assert [r.json()["outcome"] for r in results] == ["created", "created", "created"]
    assert len({r.json()["invitation"]["id"] for r in results}) == 1
    assert {r.json()["invitation"]["phone"] for r in results} == {mobile}
    assert len(client.get("/invitations", headers=doctor.headers).json()["items"]) == 1
    ovh.wait(mobile, count=1)


def test_inviting_a_patient_with_a_conversation_returns_it(server: LiveServer, client: httpx.Client) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    patient = make_patient(server, email=email)
    conversation_id = make_conversation(server, doctor, patient)
    r = invite(client, doctor, email=email.upper())
    assert r.status_code == 200
    assert r.json() == {
        "outcome": "existing_conversation",
        "invitation": None,
        "conversation_id": conversation_id,
    }
    assert client.get("/invitations", headers=doctor.headers).json()["items"] == []


def test_a_second_invitation_to_a_pending_contact_updates_it(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    first = invite(client, doctor, email=email, first_name="Helene")
    old_token = smtp.wait(email)[0].token
    second = invite(client, doctor, email=email, first_name="Hélène")
    assert second.status_code == 200 and second.json()["outcome"] == "updated"
    assert second.json()["invitation"]["id"] == first.json()["invitation"]["id"]
    assert second.json()["invitation"]["first_name"] == "Hélène"
    new_token = smtp.wait(email, count=2)[1].token
    assert lookup(client, old_token)["state"] == "replaced"
    assert lookup(client, new_token)["state"] == "valid"


def test_correct_kills_the_old_link_and_sends_a_new_one(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    wrong, right = new_email("faute"), new_email("juste")
    created = invite(client, doctor, email=wrong).json()["invitation"]
    old_token = smtp.wait(wrong)[0].token
    set_invitation(server, created["id"], expires_at=server.clock() + timedelta(days=2))
    r = client.patch(
        f"/invitations/{created['id']}",
        json={"email": right, "last_name": "Dupont-Moreau"},
        headers=doctor.headers,
    )
    assert r.status_code == 200, r.text
    fixed = r.json()
    assert (fixed["email"], fixed["last_name"], fixed["status"]) == (right, "Dupont-Moreau", "pending")
    expires = datetime.fromisoformat(fixed["expires_at"].replace("Z", "+00:00"))
    assert expires - server.clock() > timedelta(days=14, hours=23)  # the 15 days restart
    mail = smtp.wait(right)[0]
    assert "Dupont-Moreau" in mail.text
    assert lookup(client, old_token)["state"] == "replaced"
    assert lookup(client, mail.token)["state"] == "valid"
    # Correcting to nothing new sends nothing.
    same = client.patch(f"/invitations/{created['id']}", json={"email": right}, headers=doctor.headers)
    assert same.status_code == 200
    assert len(smtp.received(right)) == 1


def test_resend_gives_a_new_link_and_restarts_the_fifteen_days(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    created = invite(client, doctor, email=email).json()["invitation"]
    first = smtp.wait(email)[0].token
    set_invitation(server, created["id"], expires_at=server.clock() - timedelta(minutes=1))
    assert invitation_status(client, doctor, created["id"])["status"] == "expired"
    r = client.post(f"/invitations/{created['id']}/resend", headers=doctor.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "pending"
    expires = datetime.fromisoformat(r.json()["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=14, hours=23) < expires - server.clock() <= timedelta(days=15)
    second = smtp.wait(email, count=2)[1].token
    assert second != first
    assert lookup(client, first)["state"] == "replaced"
    assert lookup(client, second)["state"] == "valid"


def test_cancel_kills_links_and_is_idempotent(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    created = invite(client, doctor, email=email).json()["invitation"]
    token = smtp.wait(email)[0].token
    r = client.post(f"/invitations/{created['id']}/cancel", headers=doctor.headers)
    assert (
        r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["status_label"] == "Annulée"
    )
    assert client.post(f"/invitations/{created['id']}/cancel", headers=doctor.headers).status_code == 200
    assert lookup(client, token)["state"] == "cancelled"
    patient = sign_up(client, email=new_email())
    refused = client.post("/invitation-links/accept", json={"token": token}, headers=patient.headers)
    assert refused.status_code == 410 and refused.json()["code"] == "invitation_cancelled"
    assert "annulée" in refused.json()["detail"]
    again = client.post(f"/invitations/{created['id']}/resend", headers=doctor.headers)
    assert again.status_code == 409 and again.json()["code"] == "invitation_cancelled"


def test_copy_link_returns_a_fresh_working_link_and_keeps_the_sent_one(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    created = invite(client, doctor, email=email).json()["invitation"]
    sent = smtp.wait(email)[0].token
    r = client.post(f"/invitations/{created['id']}/link", headers=doctor.headers)
    assert r.status_code == 200
    url = r.json()["url"]
    assert url.startswith(f"{server.url}/i/")
    copied = url.rsplit("/", 1)[1]
    assert copied != sent and len(copied) >= 43  # 256 random bits, URL-safe
    assert lookup(client, copied)["state"] == "valid"
    assert lookup(client, sent)["state"] == "valid"
    assert httpx.get(url, timeout=30).status_code == 200
    patient = sign_up(client, email=email)
    accepted = client.post("/invitation-links/accept", json={"token": copied}, headers=patient.headers)
    assert accepted.status_code == 200
    assert lookup(client, sent)["state"] == "used"  # single use: every link of the invitation


def test_expiry_after_fifteen_days(server: LiveServer, client: httpx.Client, smtp: SmtpCapture) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    created = invite(client, doctor, email=email).json()["invitation"]
    expires = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    made = datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
    assert expires - made == timedelta(days=15)
    token = smtp.wait(email)[0].token
    set_invitation(server, created["id"], expires_at=server.clock() - timedelta(seconds=1))
    assert lookup(client, token)["state"] == "expired"
    listed = client.get("/invitations?status=expired", headers=doctor.headers).json()["items"]
    assert [i["id"] for i in listed] == [created["id"]] and listed[0]["status_label"] == "Expirée"
    assert client.get("/invitations?status=pending", headers=doctor.headers).json()["items"] == []
    patient = sign_up(client, email=email)
    refused = client.post("/invitation-links/accept", json={"token": token}, headers=patient.headers)
    assert refused.status_code == 410 and refused.json()["code"] == "invitation_expired"
    assert "15 jours" in refused.json()["detail"] and "renvoyer" in refused.json()["detail"]
    # The sweep stores the status and tells the practitioner.
    with socket_for(server, client, doctor) as sock:
        server.run(lambda s: s.invitation_delivery.sweep_expired())
        event = sock.events(1, event="invitation.updated")[0]
    assert event["data"]["invitation"]["id"] == created["id"]
    assert event["data"]["invitation"]["status"] == "expired"


def test_acceptance_is_single_use_and_idempotent_for_the_same_patient(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    created = invite(client, doctor, email=email).json()["invitation"]
    token = smtp.wait(email)[0].token
    helene = sign_up(client, email=email)
    with socket_for(server, client, doctor) as sock:
        first = client.post("/invitation-links/accept", json={"token": token}, headers=helene.headers)
        assert first.status_code == 200, first.text
        events = sock.events(3)
    conversation_id = first.json()["conversation_id"]
    assert [e["event"] for e in events] == [
        "conversation.created",
        "invitation.updated",
        "invitation.accepted",
    ]
    accepted = events[2]["data"]
    assert accepted["conversation_id"] == conversation_id
    assert accepted["invitation"]["status"] == "accepted" and accepted["invitation"]["id"] == created["id"]
    again = client.post("/invitation-links/accept", json={"token": token}, headers=helene.headers)
    assert again.json()["conversation_id"] == conversation_id
    other = sign_up(client, email=new_email("autre"))
    used = client.post("/invitation-links/accept", json={"token": token}, headers=other.headers)
    assert used.status_code == 410 and used.json()["code"] == "invitation_used"
    status = invitation_status(client, doctor, created["id"])
    assert (status["status"], status["status_label"], status["conversation_id"]) == (
        "accepted",
        "Acceptée",
        conversation_id,
    )
    convs = client.get("/conversations", headers=doctor.headers).json()["items"]
    assert [c["patient"]["first_name"] for c in convs if c["id"] == conversation_id] == ["Hélène"]


def test_an_existing_account_is_offered_sign_in_and_only_it_may_accept(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    owner = make_patient(server, email=email)
    invite(client, doctor, email=email)
    token = smtp.wait(email)[0].token
    view = lookup(client, token)
    assert view["state"] == "valid" and view["account_exists"] is True
    stranger = sign_up(client, email=new_email("intrus"))
    refused = client.post("/invitation-links/accept", json={"token": token}, headers=stranger.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "invitation_for_another_account"
    assert email not in refused.json()["detail"]  # masked
    ok = client.post("/invitation-links/accept", json={"token": token}, headers=bearer(owner.token))
    assert ok.status_code == 200


def test_list_search_and_status_filter(server: LiveServer, client: httpx.Client) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    a = invite(client, doctor, first_name="Zoé", last_name="Bernard", email=new_email("zoe")).json()[
        "invitation"
    ]
    b = invite(client, doctor, first_name="Marc", last_name="Petit", phone=national(mobile)).json()[
        "invitation"
    ]
    client.post(f"/invitations/{b['id']}/cancel", headers=doctor.headers)

    def ids(query: str) -> list[str]:
        r = client.get(f"/invitations?{query}", headers=doctor.headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids("q=zoe") == [a["id"]]  # accents and case folded
    assert ids("q=BERN") == [a["id"]]
    assert ids("q=" + national(mobile)[:5].replace(" ", "+")) == [b["id"]]  # "06 1x" as typed
    assert ids("status=cancelled") == [b["id"]]
    assert ids("status=pending") == [a["id"]]
    assert ids("") == [b["id"], a["id"]]  # newest first
    bad = client.get("/invitations?status=perdue", headers=doctor.headers)
    assert bad.status_code == 422 and "Statut" in bad.json()["detail"]


def test_events_and_audit_follow_an_invitation(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    with socket_for(server, client, doctor) as sock:
        created = invite(client, doctor, email=email).json()["invitation"]
        first, sent = sock.events(2, event="invitation.updated")
    assert (
        first["data"]["invitation"]["id"] == created["id"] and first["data"]["invitation"]["sent_at"] is None
    )
    assert sent["data"]["invitation"]["sent_at"] is not None  # the email was accepted by SMTP
    smtp.wait(email)

    async def actions(services: Services) -> list[str]:
        async with services.core.db.read() as session:
            rows = await session.execute(
                select(AuditEntry.action).where(AuditEntry.object_id == created["id"])
            )
            return list(rows.scalars())

    assert {"invitation.create", "invitation.sent"} <= set(server.run(actions))
