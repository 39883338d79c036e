"""In a real browser: the patient opens the emailed link, signs up, accepts and chats; link states."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shot, arrive, sign_in
from tests.helpers.documents import make_pdf, make_png, upload
from tests.helpers.factories import PASSWORD, make_conversation, make_patient, make_practitioner, send
from tests.helpers.invitation_env import invite, new_email, set_invitation, socket_for
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

pytestmark = pytest.mark.browser

# Emoji and pictographs (and the variation selector that asks for their emoji form).
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def test_patient_opens_the_email_link_signs_up_accepts_and_the_practitioner_gets_the_message(
    e2e_server: LiveServer, e2e_smtp: SmtpCapture, api_client: httpx.Client, phone: Any, shot: Shot
) -> None:
    server, client = e2e_server, api_client
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin", city="Lyon")
    email = new_email("helene")
    invite(client, doctor, first_name="Hélène", last_name="Dupont", email=email)
    mail = e2e_smtp.wait(email)[0]

    phone.goto(mail.link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Dr Claire Martin vous invite sur Teleconsult")
    signup = phone.get_by_role("region", name="Créer mon compte patient")
    expect(signup.get_by_label("Prénom")).to_have_value("Hélène")
    expect(signup.get_by_label("Nom", exact=True)).to_have_value("Dupont")
    expect(signup.get_by_label("Adresse e-mail")).to_have_value(email)
    expect(phone.get_by_role("region", name="Me connecter")).to_be_hidden()
    shot("01-invitation")

    signup.get_by_label("Mot de passe").fill(PASSWORD)
    signup.get_by_role("button", name="Créer mon compte").click()
    code_field = signup.get_by_label("Code reçu (6 chiffres)")
    expect(code_field).to_be_focused()
    code = re.search(r"code : (\d{6})", e2e_smtp.wait(email, count=2)[1].text)  # after the invitation
    assert code is not None
    code_field.fill(code.group(1))
    signup.get_by_role("button", name="Valider mon inscription").click()
    accept = phone.get_by_role("button", name="Accepter l'invitation")
    expect(accept).to_be_focused()  # focus moves to the next step
    expect(phone.locator("[data-me-name]")).to_have_text("Hélène Dupont")
    shot("02-invitation-accepter")

    with socket_for(server, client, doctor) as sock:
        accept.click()
        arrive(phone, re.compile(r"/conversations/[0-9a-f-]{36}$"), "Dr Claire Martin")
        accepted = sock.events(1, event="invitation.accepted")[0]["data"]
        conversation_id = accepted["conversation_id"]
        assert phone.url.endswith(conversation_id)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Dr Claire Martin")
        # The profession's label comes from the page's #labels block (the server's list).
        expect(phone.locator("#chat-subtitle")).to_have_text("Médecin généraliste · Lyon")
        composer = phone.get_by_label("Votre message")
        expect(composer).to_be_focused()
        composer.fill("Bonjour docteur, c'est Hélène 😊")
        composer.press("Enter")
        got = sock.events(1, event="message.created")[0]["data"]["message"]
    assert got["body"] == "Bonjour docteur, c'est Hélène 😊"
    assert (got["sender_role"], got["conversation_id"]) == ("patient", conversation_id)
    expect(phone.locator(".message--mine")).to_contain_text("Bonjour docteur, c'est Hélène 😊")
    # The token lives in sessionStorage only.
    assert phone.evaluate("localStorage.length") == 0
    assert "token" in phone.evaluate("sessionStorage.getItem('teleconsult.session')")

    # The practitioner answers: the message appears live, in the aria-live log.
    assert send(client, doctor, conversation_id, "Bonjour Hélène, à demain 10 h en vidéo.").status_code == 201
    log = phone.get_by_role("log")
    expect(log.locator(".message--theirs")).to_contain_text("à demain 10 h en vidéo")
    assert log.get_attribute("aria-live") == "polite"
    shot("03-conversation")

    # The practitioner closes the conversation: banner with 15 and 112, no composer.
    closed = client.patch(
        f"/conversations/{conversation_id}", json={"patient_write": {"mode": "never"}}, headers=doctor.headers
    )
    assert closed.status_code == 200
    banner = phone.locator("#closed-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("fermé cette conversation")
    expect(banner.get_by_role("link", name="15")).to_have_attribute("href", "tel:15")
    expect(banner.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(phone.locator("#composer")).to_be_hidden()
    shot("04-conversation-fermee")

    phone.goto(f"{server.url}/conversations")
    item = phone.get_by_role("list", name="Conversations").get_by_role("link")
    expect(item).to_contain_text("Dr Claire Martin")
    expect(item).to_contain_text("à demain 10 h en vidéo")
    shot("05-conversations")


def test_expired_used_and_unknown_links_say_what_to_do(
    e2e_server: LiveServer, e2e_smtp: SmtpCapture, api_client: httpx.Client, phone: Any, shot: Shot
) -> None:
    doctor = make_practitioner(e2e_server, first_name="Claire", last_name="Martin")
    email = new_email("expiree")
    inv = invite(api_client, doctor, email=email).json()["invitation"]
    link = e2e_smtp.wait(email)[0].link
    set_invitation(e2e_server, inv["id"], expires_at=e2e_server.clock() - timedelta(days=1))
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cette invitation a expiré")
    expect(phone.locator("main")).to_contain_text("Demandez à Dr Claire Martin de vous la renvoyer")
    expect(phone.get_by_role("heading", name="Que faire ?")).to_be_visible()
    expect(phone.get_by_role("link", name="Connectez-vous")).to_have_attribute("href", "/connexion")
    assert phone.locator("form").count() == 0
    shot("06-invitation-expiree")

    phone.goto(f"{e2e_server.url}/i/{uuid.uuid4().hex}{uuid.uuid4().hex[:11]}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ce lien d'invitation n'est pas valide")
    shot("07-lien-inconnu")


def test_an_invited_patient_with_an_account_signs_in_instead(
    e2e_server: LiveServer, e2e_smtp: SmtpCapture, api_client: httpx.Client, phone: Any
) -> None:
    doctor = make_practitioner(e2e_server, first_name="Claire", last_name="Martin")
    email = new_email("compte")
    make_patient(e2e_server, email=email, first_name="Marc", last_name="Petit")
    invite(api_client, doctor, first_name="Marc", last_name="Petit", email=email)
    phone.goto(e2e_smtp.wait(email)[0].link)
    signin = phone.get_by_role("region", name="Me connecter")
    expect(signin).to_be_visible()
    expect(phone.get_by_role("region", name="Créer mon compte patient")).to_be_hidden()
    expect(signin.get_by_label("Adresse e-mail ou téléphone")).to_have_value(email)
    signin.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    signin.get_by_role("button", name="Me connecter").click()
    alert = phone.get_by_role("alert").filter(has_text="incorrect")
    expect(alert).to_have_text("Identifiant ou mot de passe incorrect.")
    expect(alert).to_be_focused()
    signin.get_by_label("Mot de passe").fill(PASSWORD)
    signin.get_by_role("button", name="Me connecter").click()
    phone.get_by_role("button", name="Accepter l'invitation").click()
    arrive(phone, re.compile(r"/conversations/[0-9a-f-]{36}$"), "Dr Claire Martin")


def test_attachments_show_as_a_thumbnail_and_a_link_fetched_with_the_token(
    e2e_server: LiveServer, api_client: httpx.Client, phone: Any
) -> None:
    doctor = make_practitioner(e2e_server)
    email = new_email("docs")
    patient = make_patient(e2e_server, email=email)
    conversation_id = make_conversation(e2e_server, doctor, patient)
    assert (
        upload(api_client, doctor, conversation_id, make_png(120, 80), "radio genou.png").status_code == 201
    )
    assert upload(api_client, doctor, conversation_id, make_pdf(), "ordonnance.pdf").status_code == 201
    sign_in(phone, e2e_server, email)
    phone.goto(f"{e2e_server.url}/conversations/{conversation_id}")
    image = phone.get_by_role("img", name="Photo : radio genou.png")
    expect(image).to_be_visible()
    assert image.get_attribute("src").startswith("blob:")
    assert phone.evaluate("document.querySelector('.attachment-thumb').naturalWidth") == 120
    # The kind of each document is said in words (with an SVG icon), never by an emoji that shows
    # as an empty box in a browser without an emoji font.
    pdf = phone.get_by_role("link", name=re.compile(r"^Document : ordonnance\.pdf \(\d+ Ko\)$"))
    expect(phone.get_by_role("link", name=re.compile(r"^Photo : radio genou\.png"))).to_be_visible()
    assert not EMOJI.search(phone.locator("#messages").inner_text())
    with phone.expect_download() as download:
        pdf.click()
    assert download.value.suggested_filename == "ordonnance.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    phone.goto(f"{e2e_server.url}/conversations")
    expect(phone.locator(".conversation-list .preview")).to_have_text("Document : ordonnance.pdf")
