"""In a real browser: self sign-up, directory, connection request accepted then chat; sign-in,
sign-out, forgotten password; home and help pages; keyboard use."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shot, arrive, sign_in
from tests.helpers.factories import PASSWORD, make_patient, make_practitioner
from tests.helpers.invitation_env import new_email, socket_for
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

pytestmark = pytest.mark.browser

CODE = re.compile(r"\b(\d{6})\b")


def test_directory_request_accepted_by_the_practitioner_then_chat(
    e2e_server: LiveServer, e2e_smtp: SmtpCapture, api_client: httpx.Client, phone: Any, shot: Shot
) -> None:
    server, client = e2e_server, api_client
    city = "Nantes"  # the e2e server is fresh for each run: this is the only Paul Lemaire in Nantes
    kine = make_practitioner(
        server, first_name="Paul", last_name="Lemaire", profession="masseur_kinesitherapeute", city=city
    )
    make_practitioner(server, plan="PRO", first_name="Paul", last_name="Lemaire", city=city)  # never listed
    email = new_email("zoe")

    phone.goto(f"{server.url}/inscription")
    phone.get_by_label("Prénom").fill("Zoé")
    phone.get_by_label("Nom", exact=True).fill("Bernard")
    phone.get_by_label("Adresse e-mail").fill(email)
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    shot("08-inscription")
    phone.get_by_role("button", name="Créer mon compte").click()
    code_field = phone.get_by_label("Code reçu (6 chiffres)")
    expect(code_field).to_be_focused()  # the code goes to the email: the same answer for anyone
    expect(phone.get_by_role("status")).to_contain_text("Un code vous a été envoyé par e-mail")
    code = CODE.search(e2e_smtp.wait(email)[0].text)
    assert code is not None
    code_field.fill(code.group(1))
    phone.get_by_role("button", name="Valider mon inscription").click()
    arrive(phone, "/annuaire?bienvenue=1", "Trouver un praticien")
    expect(phone.locator("#welcome")).to_be_visible()

    phone.get_by_label("Nom du praticien").fill("lemaire")
    phone.get_by_label("Profession").select_option(label="Masseur-kinésithérapeute")
    phone.get_by_label("Ville").fill(city.lower())
    phone.get_by_role("button", name="Rechercher").click()
    expect(phone.locator("#result-count")).to_have_text("1 praticien trouvé.")
    card = phone.get_by_role("list", name="Praticiens trouvés").get_by_role("listitem")
    expect(card).to_contain_text("Paul Lemaire")
    expect(card).to_contain_text(f"Masseur-kinésithérapeute — {city}")
    card.get_by_role("button", name="Demander une mise en relation").click()
    message = card.get_by_label("Votre message à Paul Lemaire (facultatif)")
    expect(message).to_be_focused()
    message.fill("Bonjour, je suis suivie pour la rééducation de mon genou.")
    shot("09-annuaire")
    with socket_for(server, client, kine) as sock:
        card.get_by_role("button", name="Envoyer la demande").click()
        expect(card.get_by_role("status")).to_contain_text("Demande envoyée à Paul Lemaire")
        request = sock.events(1, event="connection_request.created")[0]["data"]["request"]
    assert request["patient"]["first_name"] == "Zoé"
    assert request["message"] == "Bonjour, je suis suivie pour la rééducation de mon genou."

    phone.goto(f"{server.url}/conversations")
    expect(phone.locator("#requests")).to_contain_text(
        "Demande envoyée à Paul Lemaire : en attente de sa réponse."
    )
    accepted = client.post(f"/connection-requests/{request['id']}/accept", headers=kine.headers)
    assert accepted.status_code == 200
    conversation_id = accepted.json()["conversation_id"]
    expect(phone.locator("#connection-status")).to_have_text(
        "Paul Lemaire a accepté votre demande : la conversation est ouverte."
    )
    link = phone.get_by_role("list", name="Conversations").get_by_role("link")
    expect(link).to_contain_text("Paul Lemaire")
    expect(phone.locator("#requests-section")).to_be_hidden()
    link.click()
    arrive(phone, f"/conversations/{conversation_id}", "Paul Lemaire")
    expect(phone.locator(".message--mine").first).to_contain_text("rééducation de mon genou")
    with socket_for(server, client, kine) as sock:
        composer = phone.get_by_label("Votre message")
        composer.fill("Merci d'avoir accepté !\nÀ jeudi.")
        phone.get_by_role("button", name="Envoyer").click()
        got = sock.events(1, event="message.created")[0]["data"]["message"]
    assert got["body"] == "Merci d'avoir accepté !\nÀ jeudi." and got["conversation_id"] == conversation_id


def test_sign_in_sign_out_and_forgotten_password(
    e2e_server: LiveServer, e2e_smtp: SmtpCapture, phone: Any, shot: Shot
) -> None:
    email = new_email("marc")
    make_patient(e2e_server, email=email, first_name="Marc", last_name="Petit")
    phone.goto(f"{e2e_server.url}/connexion")
    shot("10-connexion")
    phone.get_by_label("Adresse e-mail ou téléphone").fill(email)
    phone.get_by_role("button", name="Me connecter").click()
    password = phone.get_by_label("Mot de passe")
    expect(password).to_be_focused()  # the field at fault
    expect(password).to_have_attribute("aria-invalid", "true")
    sign_in(phone, e2e_server, email)
    expect(phone.get_by_role("navigation", name="Navigation principale")).to_be_visible()

    phone.get_by_role("button", name="Se déconnecter").click()
    arrive(phone, "/connexion?deconnecte=1", "Se connecter")
    expect(phone.get_by_role("status").filter(has_text="déconnecté")).to_be_visible()
    assert phone.evaluate("sessionStorage.getItem('teleconsult.session')") is None
    phone.goto(f"{e2e_server.url}/conversations")
    arrive(phone, "/connexion?suite=%2Fconversations", "Se connecter")

    phone.get_by_role("link", name="Mot de passe oublié ?").click()
    phone.get_by_label("Adresse e-mail ou téléphone portable").fill(email)
    shot("11-mot-de-passe-oublie")
    phone.get_by_role("button", name="Recevoir un code").click()
    code_input = phone.get_by_label("Code reçu (6 chiffres)")
    expect(code_input).to_be_focused()
    code = CODE.search(e2e_smtp.wait(email)[0].text)
    assert code is not None
    code_input.fill(code.group(1))
    phone.get_by_label("Nouveau mot de passe").fill("une-toute-nouvelle-phrase")
    shot("12-mot-de-passe-code")
    phone.get_by_role("button", name="Changer mon mot de passe").click()
    arrive(phone, "/conversations", "Mes conversations")
    phone.get_by_role("button", name="Se déconnecter").click()
    arrive(phone, "/connexion?deconnecte=1", "Se connecter")
    sign_in(phone, e2e_server, email, "une-toute-nouvelle-phrase")


def test_home_and_help_pages_and_the_keyboard(e2e_server: LiveServer, phone: Any, shot: Shot) -> None:
    phone.goto(e2e_server.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Votre espace patient")
    shot("13-accueil")
    # The first Tab reaches the skip link, which moves focus to the main content.
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "contenu"
    phone.goto(f"{e2e_server.url}/aide")
    pages = phone.get_by_role("main").get_by_role("link")
    expect(pages).to_have_count(5)
    shot("14-aide")
    phone.get_by_role("link", name="Autoriser la caméra et le micro").click()
    arrive(phone, "/aide/camera-et-micro", "Autoriser la caméra et le micro")
    for browser in ("Google Chrome", "Mozilla Firefox", "Safari", "Microsoft Edge"):
        expect(phone.get_by_role("heading", name=browser, exact=True)).to_be_visible()
    phone.get_by_role("navigation", name="Navigateurs").get_by_role("link", name="Safari").click()
    assert phone.url.endswith("#safari")
    shot("15-aide-camera-et-micro")


def test_results_of_a_running_search_are_marked_stale_until_its_answer(
    e2e_server: LiveServer, phone: Any
) -> None:
    """A card clicked while a search runs would vanish with its open form when the answer lands
    (seen under load): the list is marked busy and not clickable, the count says a search runs."""
    make_practitioner(e2e_server, first_name="Inès", last_name="Garnier", city="Brest")
    patient = make_patient(e2e_server, email=new_email("ines-search"))
    sign_in(phone, e2e_server, patient.email)
    phone.goto(f"{e2e_server.url}/annuaire")
    expect(phone.locator("#result-count")).to_contain_text("trouvé")
    held: list[Any] = []
    phone.route("**/api/v1/directory?*", lambda route: held.append(route))  # answered when released
    phone.get_by_label("Ville").fill("brest")
    phone.get_by_role("button", name="Rechercher").click()
    expect(phone.locator("#result-count")).to_have_text("Recherche en cours…")
    expect(phone.locator("#results")).to_have_attribute("aria-busy", "true")
    for _ in range(500):  # until the browser's request reaches the route (pumped by Playwright calls)
        if held:
            break
        phone.wait_for_timeout(20)
    assert held, "the search request was sent"
    held[0].continue_()
    expect(phone.locator("#result-count")).to_have_text("1 praticien trouvé.")
    expect(phone.locator("#results")).not_to_have_attribute("aria-busy", "true")
    phone.unroute("**/api/v1/directory?*")
