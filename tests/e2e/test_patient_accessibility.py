"""Every patient page in a real browser, checked for accessibility (issue 12 item 11a).

- axe-core (WCAG 2.2 A/AA) finds no violation on any page, on a phone (390 × 844) and a laptop
  (1280 × 800), with the focus ring at 3:1 or more against what it is drawn on;
- the conversation page does not move under the reader once loaded: its cumulative layout shift,
  measured by a `layout-shift` PerformanceObserver after the messages, the payment banner and the
  call invitation have all arrived, stays ≤ 0.05;
- with the text at 200 % on a phone the conversation stays usable: the composer keeps its width,
  « Vidéo » stays on screen, nothing scrolls sideways, and no focused control hides under the
  sticky composer;
- messages say who wrote them, on screen and to a screen reader.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.helpers.a11y import CLS_OBSERVER, axe_violations, focus_rings, need_axe, weak_focus_rings
from tests.helpers.billing import ask_payment
from tests.helpers.documents import make_pdf, upload
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.invitation_env import invite, new_email
from tests.helpers.live_server import LiveServer

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}


@dataclass
class Scene:
    doctor: Account
    patient: Account
    conversation: str
    invitation_url: str


@pytest.fixture(scope="module")
def scene(e2e_server: LiveServer) -> Scene:
    """A conversation with messages both ways, a document, a pending payment and an open call."""
    server = e2e_server
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(server, doctor, patient)
    with httpx.Client(base_url=server.api, timeout=30) as client:
        for who, body in [
            (doctor, "Bonjour, comment allez-vous depuis hier ?"),
            (patient, "Mieux, merci. La fièvre est tombée."),
            (doctor, "Très bien. Je vous envoie l'ordonnance."),
        ]:
            assert send(client, who, conv, body).status_code == 201
        assert upload(client, doctor, conv, make_pdf(), "ordonnance.pdf").status_code == 201
        assert ask_payment(client, doctor, conv, "25.00", label="Téléconsultation").status_code == 201
        started = client.post(f"/conversations/{conv}/calls", headers=doctor.headers)
        assert started.status_code in (200, 201), started.text
        invited = invite(client, doctor, first_name="Marc", last_name="Petit", email=new_email("a11y"))
        assert invited.status_code == 201, invited.text
        link = client.post(f"/invitations/{invited.json()['invitation']['id']}/link", headers=doctor.headers)
        assert link.status_code == 200, link.text
        url = link.json()["url"]
    return Scene(doctor, patient, conv, url)


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """Opens pages at a given size; script errors and CSP violations fail the test."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_page(viewport: dict[str, int], patient: Account | None = None) -> Any:
        context = chromium.new_context(viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(15000)
        if patient is not None:
            user = {"id": patient.id, "role": "patient", "first_name": patient.first_name,
                    "last_name": patient.last_name}  # fmt: skip
            session = json.dumps({"token": patient.token, "user": user})
            context.add_init_script(f"sessionStorage.setItem('teleconsult.session', {json.dumps(session)});")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == [], "errors in the page: " + " | ".join(problems)


def settle(page: Any) -> None:
    """Two animation frames: what the page last changed has been laid out and painted."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def signed_out_pages(scene: Scene) -> list[tuple[str, str]]:
    invitation_path = "/" + scene.invitation_url.split("/", 3)[3]
    return [
        ("/", "h1"),
        ("/connexion", "#signin-form"),
        ("/inscription", "h1"),
        ("/mot-de-passe-oublie", "h1"),
        ("/aide", "h1"),
        ("/aide/camera-et-micro", "h1"),
        ("/aide/page-inconnue", "h1"),
        (invitation_path, "h1"),
        (f"/i/{uuid.uuid4().hex}{uuid.uuid4().hex[:11]}", "h1"),
    ]


def signed_in_pages(scene: Scene) -> list[tuple[str, str]]:
    return [
        ("/conversations", ".conversation-list li"),
        ("/annuaire", "h1"),
        (f"/conversations/{scene.conversation}", ".payment-banner"),
    ]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_every_patient_page_passes_axe_with_a_visible_focus_ring(
    e2e_server: LiveServer, scene: Scene, browser_context: Any, viewport: dict[str, int]
) -> None:
    source = need_axe()
    found: dict[str, list[str]] = {}
    for pages, patient in ((signed_out_pages(scene), None), (signed_in_pages(scene), scene.patient)):
        page = browser_context(viewport, patient)
        for path, ready in pages:
            page.goto(f"{e2e_server.url}{path}")
            expect(page.locator(ready).first).to_be_visible()
            settle(page)
            problems = axe_violations(page, source)
            problems += [f"focus ring {weak}" for weak in weak_focus_rings(focus_rings(page))]
            if problems:
                found[path] = problems
    assert found == {}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_the_conversation_does_not_jump_once_loaded(
    e2e_server: LiveServer, scene: Scene, browser_context: Any, viewport: dict[str, int]
) -> None:
    page = browser_context(viewport, scene.patient)
    page.context.add_init_script(CLS_OBSERVER)
    page.goto(f"{e2e_server.url}/conversations/{scene.conversation}")
    expect(page.locator(".message").last).to_contain_text("ordonnance.pdf")
    expect(page.locator(".payment-banner")).to_be_visible()
    expect(page.get_by_text("Votre praticien vous attend")).to_be_visible()
    settle(page)
    cls = page.evaluate("window.__cls")
    print(f"conversation at {viewport['width']}×{viewport['height']}: CLS {cls:.3f}")
    assert cls <= 0.05, f"cumulative layout shift {cls:.3f} > 0.05: {page.evaluate('window.__shifts')}"


def test_messages_say_who_wrote_them(e2e_server: LiveServer, scene: Scene, browser_context: Any) -> None:
    page = browser_context(PHONE, scene.patient)
    page.goto(f"{e2e_server.url}/conversations/{scene.conversation}")
    log = page.get_by_role("log", name="Messages de la conversation")
    expect(log.get_by_role("listitem").filter(has_text="La fièvre est tombée")).to_be_visible()
    theirs = log.locator(".message--theirs").first
    mine = log.locator(".message--mine").first
    # On screen: the sender's name above the first of their messages in a row.
    expect(theirs.locator(".message-sender")).to_have_text("Dr Claire Martin")
    expect(theirs.locator(".message-sender")).to_be_visible()
    expect(mine.locator(".message-sender")).to_have_text("Vous")
    expect(mine.locator(".message-sender")).to_be_visible()
    # To a screen reader: every message starts with its sender, even when it is not shown again.
    again = log.locator(".message--theirs").filter(has_text="ordonnance.pdf")  # after one of hers
    expect(again.locator(".message-sender")).to_have_text("Dr Claire Martin")
    expect(again.locator(".message-sender")).to_have_class("message-sender visually-hidden")
    texts = log.locator(".message").all_inner_texts()
    assert all(t.startswith(("Dr Claire Martin", "Vous", "Information")) for t in texts), texts


def test_the_conversation_is_usable_with_text_at_200_percent(
    e2e_server: LiveServer, scene: Scene, browser_context: Any
) -> None:
    page = browser_context(PHONE, scene.patient)
    page.goto(f"{e2e_server.url}/conversations/{scene.conversation}")
    expect(page.locator(".payment-banner")).to_be_visible()
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    settle(page)
    width = PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    composer = page.locator("#composer-input").bounding_box()
    assert composer is not None and composer["width"] >= 0.6 * width, f"composer too narrow: {composer}"
    assert composer["height"] >= 44, composer
    video = page.locator(".call-button").bounding_box()
    assert video is not None and video["x"] >= 0 and video["x"] + video["width"] <= width, video
    # Tab through the page: every focused control is on screen and not under the sticky composer.
    # From the top of the content (the page focused the composer on load).
    page.evaluate("window.scrollTo(0, 0); document.querySelector('main').focus()")
    covered = []
    for _ in range(40):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => {
              const el = document.activeElement;
              const form = document.getElementById('composer');
              if (!el || el === document.body) return null;
              const r = el.getBoundingClientRect();
              const c = form.getBoundingClientRect();
              const inComposer = form.contains(el);
              const under = !inComposer && !form.hidden && r.bottom > c.top + 1 && r.top < c.bottom;
              const off = r.bottom > innerHeight + 1 || r.top < -1 || r.right > innerWidth + 1 || r.left < -1;
              return { label: (el.textContent || el.tagName).trim().slice(0, 30), under, off,
                       footer: Boolean(el.closest('footer')) };
            }"""
        )
        if where is None or where["footer"]:
            break
        if where["under"] or where["off"]:
            covered.append(where)
    assert covered == [], covered
