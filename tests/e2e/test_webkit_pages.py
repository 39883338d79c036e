"""The patient's pages in WebKitGTK, Safari's engine (Safari user agent), under a private Xvfb:
sign-up from an invitation, chat, documents, payment, the pre-call check — and, since Debian's
WebKitGTK is built without WebRTC, the French explanation a patient gets when the browser cannot
make video calls (never a button that does nothing).

Driven over plain W3C WebDriver (tests/helpers/webkit_driver.py); one MiniBrowser for the module.
The pages talk to the live server on 127.0.0.1 only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import need
from tests.helpers.billing import ask_payment
from tests.helpers.documents import make_pdf, make_png, upload
from tests.helpers.factories import PASSWORD, make_conversation, make_patient, make_practitioner
from tests.helpers.invitation_env import invite, new_email, socket_for
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture
from tests.helpers.webkit_driver import WebKit, available

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

NO_WEBRTC = "Votre navigateur ne permet pas les appels vidéo"


@pytest.fixture(scope="module")
def webkit() -> Iterator[WebKit]:
    missing = available()
    need(missing is None, missing or "")
    browser = WebKit.launch()
    try:
        browser.set_size(390, 844)
        yield browser
    finally:
        browser.quit()


def _check_states(webkit: WebKit) -> dict[str, str]:
    states: dict[str, str] = webkit.run(
        "return Object.fromEntries([...document.querySelectorAll('.call-check')]"
        ".map((li) => [li.dataset.check, li.querySelector('.call-check-state').textContent]))"
    )
    return states


def test_webkit_patient_signs_up_from_the_invitation_chats_sees_documents_and_the_payment(
    webkit: WebKit, e2e_server: LiveServer, e2e_smtp: SmtpCapture, api_client: httpx.Client
) -> None:
    server, client = e2e_server, api_client
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    email = new_email("safari")
    invite(client, doctor, first_name="Hélène", last_name="Dupont", email=email)
    webkit.goto(e2e_smtp.wait(email)[0].link)
    assert "Safari/" in webkit.run("return navigator.userAgent")
    webkit.wait_text("Dr Claire Martin vous invite sur Teleconsult")
    webkit.fill("Mot de passe", PASSWORD)
    webkit.click("Créer mon compte")
    code = re.search(r"code : (\d{6})", e2e_smtp.wait(email, count=2)[1].text)
    assert code is not None
    webkit.fill("Code reçu (6 chiffres)", code.group(1))
    webkit.click("Valider mon inscription")
    webkit.click("Accepter l'invitation")
    webkit.wait("return /\\/conversations\\/[0-9a-f-]{36}$/.test(location.pathname)", 15, "the conversation")
    conversation_id = webkit.url().rsplit("/", 1)[1]

    # Chat: the patient's message reaches the practitioner live.
    with socket_for(server, client, doctor) as sock:
        webkit.fill("Votre message", "Bonjour docteur, je vous écris depuis Safari")
        webkit.click("Envoyer")
        got = sock.events(1, event="message.created")[0]["data"]["message"]
    assert got["body"] == "Bonjour docteur, je vous écris depuis Safari"
    webkit.wait_text("Bonjour docteur, je vous écris depuis Safari")

    # Documents from the practitioner arrive live: the photo decoded, the PDF as a link.
    assert upload(client, doctor, conversation_id, make_png(120, 80), "radio genou.png").status_code == 201
    assert upload(client, doctor, conversation_id, make_pdf(), "ordonnance.pdf").status_code == 201
    webkit.wait(
        "const img = document.querySelector('img.attachment-thumb');"
        " return img && img.complete && img.naturalWidth === 120 && img.src.startsWith('blob:')",
        15,
        "the photo, decoded",
    )
    webkit.wait(
        "return [...document.querySelectorAll('a')]"
        ".some((a) => /ordonnance\\.pdf \\(\\d+ Ko\\)/.test(a.textContent))"
    )

    # Payment (offline: the practitioner records it).
    assert ask_payment(client, doctor, conversation_id, "32.50").status_code == 201
    webkit.wait_text("Paiement demandé : 32,50\u00a0€ — Téléconsultation")
    webkit.wait_text("il enregistrera lui-même votre règlement")


def test_webkit_precheck_reaches_the_practitioner_and_no_webrtc_is_explained_in_french(
    webkit: WebKit, e2e_server: LiveServer, api_client: httpx.Client
) -> None:
    server, client = e2e_server, api_client
    doctor = make_practitioner(server)
    email = new_email("webkit-call")
    patient = make_patient(server, email=email)
    conversation_id = make_conversation(server, doctor, patient)
    webkit.goto(f"{server.url}/connexion")
    webkit.run("sessionStorage.clear()")  # signed out (the module's browser is shared)
    webkit.goto(f"{server.url}/connexion")
    webkit.fill("Adresse e-mail ou téléphone", email)
    webkit.fill("Mot de passe", PASSWORD)
    webkit.click("Me connecter")
    webkit.wait("return location.pathname === '/conversations'", 15, "the conversation list")
    webkit.goto(f"{server.url}/conversations/{conversation_id}")
    webkit.wait("return window.teleconsultCall !== undefined", 15, "the call controller")
    # The premise: Debian's WebKitGTK has no WebRTC (if it ever has, this test must call instead).
    assert webkit.run("return typeof RTCPeerConnection") == "undefined"

    with socket_for(server, client, doctor) as practitioner:
        started = client.post(f"/conversations/{conversation_id}/calls", headers=doctor.headers)
        assert started.status_code == 201, started.text
        webkit.wait_text("Votre praticien vous attend")
        webkit.click("Rejoindre l'appel vidéo")
        webkit.wait_text(NO_WEBRTC)
        # The check ran: WebKit's mock camera and microphone, the server; no network for video.
        assert _check_states(webkit) == {
            "camera": "prête",
            "microphone": "prêt",
            "server": "joignable",
            "network": "indisponible",
            "relay": "non nécessaire",
        }
        text = webkit.text()
        assert "L'appel vidéo est impossible dans ce navigateur." in text
        assert "Safari, Chrome, Firefox ou Edge" in text
        link = webkit.run("return document.querySelector('.call-help a').getAttribute('href')")
        assert link == "/aide/impossible-de-se-connecter#navigateur"
        # The camera is not left on for nothing.
        assert webkit.run("return document.querySelector('.call-local').srcObject") is None
        # The practitioner learns why the patient cannot join.
        frame = practitioner.recv(timeout=15)
        while frame.get("type") != "call.precheck":
            frame = practitioner.recv(timeout=15)
        result = frame["result"]
        assert (result["camera"], result["microphone"], result["network"]) == ("ok", "ok", "failed")
        assert result["browser"].startswith("Safari")
        # « Fermer » gives the messages back, and the camera button is not dead either: pressed
        # again, it explains again.
        webkit.click("Fermer")
        webkit.wait("return document.querySelector('.call-panel').hidden", 15, "the call view closed")
        webkit.click("Appel vidéo")
        webkit.wait("return !document.querySelector('.call-help').hidden", 15, "the explanation again")
        assert NO_WEBRTC in webkit.text()
