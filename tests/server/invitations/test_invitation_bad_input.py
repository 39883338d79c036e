"""Bad input, other practitioners' ids and guessed links: refused clearly in French, nothing changed."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.helpers.factories import Account, make_patient, make_practitioner
from tests.helpers.invitation_env import invitation_status, invite, new_email, sign_up, wait_until
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.smtp_capture import SmtpCapture


def french_error(r: httpx.Response, status: int, code: str | None = None) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    detail = body["detail"]
    assert isinstance(detail, str) and detail[0].isupper() and detail.rstrip().endswith((".", "!", "?"))
    return str(detail)


def listed(client: httpx.Client, who: Account) -> list[dict[str, object]]:
    items: list[dict[str, object]] = client.get("/invitations", headers=who.headers).json()["items"]
    return items


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        (
            {"email": "helene.dupont@"},
            "invalid_email",
            "Adresse e-mail invalide : il manque le domaine après le @",
        ),
        ({"email": "pas une adresse"}, "invalid_email", "Adresse e-mail invalide : elle contient une espace"),
        ({"email": "helene.dupont.exemple.fr"}, "invalid_email", "Adresse e-mail invalide : il manque le @"),
        ({"phone": "06 12 34"}, "invalid_phone", "téléphone"),
        ({"phone": "bonjour"}, "invalid_phone", "téléphone"),
        ({"email": "helene@example.fr", "phone": "12"}, "invalid_phone", "téléphone"),
        ({}, "contact_required", "e-mail ou le numéro"),
        ({"email": "", "phone": "  "}, "contact_required", "e-mail ou le numéro"),
        ({"first_name": "", "email": "a@example.fr"}, "name_required", "prénom"),
        ({"last_name": "   ", "email": "a@example.fr"}, "name_required", "nom"),
        ({"first_name": "H" * 500, "email": "a@example.fr"}, "name_too_long", "100 caractères"),
        ({"last_name": "D" * 500, "email": "a@example.fr"}, "name_too_long", "100 caractères"),
    ],
)
def test_bad_invitation_input_is_refused_in_french_and_nothing_is_created(
    server: LiveServer, client: httpx.Client, fields: dict[str, str], code: str, words: str
) -> None:
    doctor = make_practitioner(server)
    detail = french_error(invite(client, doctor, **fields), 422, code)
    assert words in detail
    assert listed(client, doctor) == []


def test_unknown_fields_and_wrong_types_are_refused(server: LiveServer, client: httpx.Client) -> None:
    doctor = make_practitioner(server)
    french_error(invite(client, doctor, email=new_email(), plan="PRO+"), 422, "invalid_input")
    french_error(client.post("/invitations", json={"first_name": 3}, headers=doctor.headers), 422)
    french_error(client.post("/invitations", content=b"{", headers=doctor.headers), 422)
    assert listed(client, doctor) == []


def test_emoji_and_accents_in_names_are_kept_and_shown(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server, first_name="Anaïs", last_name="Lefèvre-Œuvrard")
    email = new_email()
    r = invite(client, doctor, first_name="  Zoé  😊 ", last_name="N’Diaye-Çelik", email=email)
    assert r.status_code == 201
    inv = r.json()["invitation"]
    assert (inv["first_name"], inv["last_name"]) == ("Zoé 😊", "N’Diaye-Çelik")
    mail = smtp.wait(email)[0]
    assert "Zoé 😊 N’Diaye-Çelik" in mail.text and "Zoé 😊 N’Diaye-Çelik" in mail.html
    assert "Dr Anaïs Lefèvre-Œuvrard" in str(mail.message["Subject"])
    view = client.post("/invitation-links/lookup", json={"token": mail.token}).json()
    assert view["invitation"]["first_name"] == "Zoé 😊"
    page = httpx.get(mail.link, timeout=30)  # the landing page itself
    assert "Zoé 😊" in page.text and "N’Diaye-Çelik" in page.text
    assert "Dr Anaïs Lefèvre-Œuvrard" in page.text
    assert [i["first_name"] for i in listed(client, doctor)] == ["Zoé 😊"]


def test_markup_in_names_is_shown_as_text(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    invite(client, doctor, first_name="<script>alert(1)</script>", last_name='"Dupont"&', email=email)
    mail = smtp.wait(email)[0]
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    page = httpx.get(mail.link, timeout=30).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_used_token_and_a_token_for_another_account(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    first, second = new_email("un"), new_email("deux")
    invite(client, doctor, email=first)
    invite(client, doctor, email=second)
    token_first = smtp.wait(first)[0].token
    token_second = smtp.wait(second)[0].token
    patient_first = sign_up(client, email=first)
    make_patient(server, email=second)  # the second contact has an account of their own
    assert client.post(
        "/invitation-links/accept", json={"token": token_first}, headers=patient_first.headers
    ).is_success
    # The other invitation's token cannot be accepted from the first patient's account.
    detail = french_error(
        client.post("/invitation-links/accept", json={"token": token_second}, headers=patient_first.headers),
        409,
        "invitation_for_another_account",
    )
    assert "autre compte" in detail
    # A used token, from another account.
    intruder = sign_up(client, email=new_email("tiers"))
    french_error(
        client.post("/invitation-links/accept", json={"token": token_first}, headers=intruder.headers),
        410,
        "invitation_used",
    )
    convs = client.get("/conversations", headers=doctor.headers).json()["items"]
    assert len(convs) == 1  # only the first acceptance created a conversation


def test_unknown_and_malformed_tokens(server: LiveServer, client: httpx.Client) -> None:
    patient = sign_up(client, email=new_email())
    for token in ("x" * 43, "court", "a" * 199, "../../etc/passwd", "%00"):
        view = client.post("/invitation-links/lookup", json={"token": token}).json()
        assert view["state"] == "unknown" and "pas valide" in view["detail"]
        french_error(
            client.post("/invitation-links/accept", json={"token": token}, headers=patient.headers),
            404,
            "invitation_unknown",
        )
    french_error(client.post("/invitation-links/accept", json={"token": ""}, headers=patient.headers), 422)
    assert client.get(f"{server.url}/i/{'y' * 43}").status_code == 404


def test_repeated_guesses_are_rate_limited_per_address_and_the_genuine_link_still_works(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    """Patients behind one carrier address keep their links while someone there guesses (issue 11)."""
    doctor = make_practitioner(server)
    email = new_email()
    invite(client, doctor, email=email)
    real = smtp.wait(email)[0].token
    with unique_client(server) as guesser:
        for i in range(30):
            token = uuid.uuid4().hex + uuid.uuid4().hex[:11]
            path = f"{server.url}/i/{token}" if i % 2 else None
            if path:
                assert guesser.get(path).status_code == 404
            else:
                assert (
                    guesser.post("/invitation-links/lookup", json={"token": token}).json()["state"]
                    == "unknown"
                )
        guess = uuid.uuid4().hex + uuid.uuid4().hex[:11]
        limited = guesser.post("/invitation-links/lookup", json={"token": guess})
        detail = french_error(limited, 429, "rate_limited")
        assert "heure" in detail and limited.headers["Retry-After"] == "3600"
        page = guesser.get(f"{server.url}/i/{guess}")
        assert page.status_code == 429 and "Trop de tentatives" in page.text
        patient = make_patient(server)
        refused = guesser.post("/invitation-links/accept", json={"token": guess}, headers=patient.headers)
        french_error(refused, 429, "rate_limited")
        # The genuine link, from the same address: shown, and accepted.
        assert guesser.post("/invitation-links/lookup", json={"token": real}).json()["state"] == "valid"
        assert guesser.get(f"{server.url}/i/{real}").status_code == 200
        accepted = guesser.post("/invitation-links/accept", json={"token": real}, headers=patient.headers)
        assert accepted.status_code == 200, accepted.text
        # Still throttled afterwards.
        french_error(guesser.post("/invitation-links/lookup", json={"token": guess}), 429, "rate_limited")
    # Another address is not affected.
    assert client.post("/invitation-links/lookup", json={"token": guess}).json()["state"] == "unknown"


def test_every_invitation_endpoint_refuses_another_practitioners_ids(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    owner, other = make_practitioner(server), make_practitioner(server)
    email = new_email()
    inv = invite(client, owner, email=email).json()["invitation"]
    smtp.wait(email)
    before = wait_until(lambda: (r := invitation_status(client, owner, inv["id"]))["sent_at"] and r)
    patient = make_patient(server)
    attempts = [
        ("GET", f"/invitations/{inv['id']}", None),
        ("PATCH", f"/invitations/{inv['id']}", {"email": new_email("pirate")}),
        ("POST", f"/invitations/{inv['id']}/resend", None),
        ("POST", f"/invitations/{inv['id']}/cancel", None),
        ("POST", f"/invitations/{inv['id']}/link", None),
    ]
    for method, path, body in attempts:
        detail = french_error(
            client.request(method, path, json=body, headers=other.headers), 404, "not_found"
        )
        assert detail == "Invitation introuvable."
        french_error(
            client.request(method, path, json=body, headers=patient.headers), 403, "practitioner_only"
        )
        french_error(client.request(method, path, json=body), 401)
    french_error(client.get("/invitations/pas-un-uuid", headers=other.headers), 404)
    assert listed(client, other) == []
    assert client.get(f"/invitations/{inv['id']}", headers=owner.headers).json() == before
    assert len(smtp.received(email)) == 1  # nothing was resent
