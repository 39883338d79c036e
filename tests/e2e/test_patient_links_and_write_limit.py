"""In a real browser: web links in messages are links (http(s) only, nothing becomes markup), and the
patient is told until when they may write, live when the practitioner changes it (issue 12)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from contracts.clock import paris_day
from contracts.fr_format import long_date
from tests.e2e.conftest import Shot, follow_clock, sign_in
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.invitation_env import new_email
from tests.helpers.live_server import LiveServer

pytestmark = pytest.mark.browser

BODY = (
    "Voici l'aide : https://exemple.fr/aide?x=1&y=2. <b>gras</b> <img src=x onerror=alert(1)> "
    "javascript:alert(1) file:///etc/passwd (http://a.fr/page)"
)


def test_links_in_messages_open_safely_and_the_rest_stays_text(
    e2e_server: LiveServer, api_client: httpx.Client, phone: Any
) -> None:
    doctor = make_practitioner(e2e_server)
    email = new_email("liens")
    patient = make_patient(e2e_server, email=email)
    conversation_id = make_conversation(e2e_server, doctor, patient)
    assert send(api_client, doctor, conversation_id, BODY).status_code == 201
    sign_in(phone, e2e_server, email)
    phone.goto(f"{e2e_server.url}/conversations/{conversation_id}")
    body = phone.locator(".message-body").first
    expect(body).to_have_text(BODY)  # every character as written
    links = body.get_by_role("link")
    expect(links).to_have_count(2)
    first = body.get_by_role("link", name="https://exemple.fr/aide?x=1&y=2")
    assert first.get_attribute("href") == "https://exemple.fr/aide?x=1&y=2"
    assert first.get_attribute("rel") == "noopener noreferrer"
    assert first.get_attribute("target") == "_blank"
    assert body.get_by_role("link", name="http://a.fr/page").get_attribute("href") == "http://a.fr/page"
    assert body.locator("b, img, script").count() == 0
    assert phone.evaluate('document.querySelectorAll(\'a[href^="javascript"], a[href^="file"]\').length') == 0


def test_the_patient_is_told_until_when_they_may_write(
    e2e_server: LiveServer, api_client: httpx.Client, phone: Any, shot: Shot
) -> None:
    doctor = make_practitioner(e2e_server)
    email = new_email("jusqua")
    patient = make_patient(e2e_server, email=email)
    conversation_id = make_conversation(e2e_server, doctor, patient)
    until = paris_day(e2e_server.clock()) + timedelta(days=10)

    def set_write(mode: str, day: str | None = None) -> None:
        changed = api_client.patch(
            f"/conversations/{conversation_id}",
            json={"patient_write": {"mode": mode, "until": day}},
            headers=doctor.headers,
        )
        assert changed.status_code == 200, changed.text

    set_write("until", until.isoformat())
    follow_clock(phone, e2e_server.clock)
    sign_in(phone, e2e_server, email)
    phone.goto(f"{e2e_server.url}/conversations/{conversation_id}")
    limit = phone.locator("#write-limit")
    expect(limit).to_have_text(f"Vous pouvez écrire à votre praticien jusqu'au {long_date(until)} inclus.")
    expect(phone.get_by_label("Votre message")).to_be_visible()
    assert send(api_client, doctor, conversation_id, "L'aide : https://exemple.fr/aide.").status_code == 201
    expect(phone.get_by_role("link", name="https://exemple.fr/aide")).to_be_visible()
    shot("patient-write-limit-and-link")

    set_write("never")  # live, over the socket: the composer closes and the banner says why
    banner = phone.locator("#closed-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("quand il rouvrira la conversation")
    expect(banner).to_contain_text("15")
    expect(limit).to_be_hidden()
    shot("patient-closed-never")

    set_write("always")
    expect(phone.get_by_label("Votre message")).to_be_visible()
    expect(limit).to_be_hidden()
    expect(banner).to_be_hidden()
