"""The patient pages over HTTP: strict CSP, no inline code, French, landing states, help pages."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest

from server.patient_web import CONTENT_SECURITY_POLICY
from server.patient_web.help_pages import HELP_PAGES
from tests.helpers.factories import make_practitioner
from tests.helpers.invitation_env import invite, new_email, set_invitation, sign_up
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGES = ["/", "/connexion", "/inscription", "/mot-de-passe-oublie", "/conversations", "/annuaire", "/aide"]


class Inspector(HTMLParser):
    """Collects what a strict CSP forbids and what accessibility needs."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.inline_styles: list[str] = []
        self.handlers: list[str] = []
        self.inputs: list[str] = []
        self.labels: set[str] = set()
        self.landmarks: set[str] = set()
        self.lang = ""
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "script":
            if a.get("src"):
                self.scripts.append(str(a["src"]))
            elif a.get("type") != "application/json":  # a data block (the page's #labels) never runs
                self.inline_scripts += 1
        if tag == "style":
            self.inline_styles.append("<style>")
        if "style" in a:
            self.inline_styles.append(tag)
        self.handlers += [name for name in a if name.startswith("on")]
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.append(str(a.get("id")))
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("main", "header", "footer", "nav"):
            self.landmarks.add(tag)


def inspect(html: str) -> Inspector:
    found = Inspector()
    found.feed(html)
    return found


def check_page(response: httpx.Response) -> Inspector:
    assert response.headers["content-security-policy"] == EXPECTED_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    page = inspect(response.text)
    assert page.lang == "fr"
    assert page.inline_scripts == 0 and page.inline_styles == [] and page.handlers == []
    assert all(s.startswith("/static/js/") for s in page.scripts) and page.scripts
    assert {"main", "header", "footer", "nav"} <= page.landmarks
    assert set(page.inputs) <= page.labels, f"inputs without a label: {set(page.inputs) - page.labels}"
    assert "15" in response.text and "112" in response.text  # emergency numbers on every page
    return page


def test_csp_constant_is_the_required_policy() -> None:
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_french_labelled_and_under_a_strict_csp(server: LiveServer, path: str) -> None:
    r = httpx.get(f"{server.url}{path}", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    check_page(r)


def test_static_modules_and_styles_are_served_as_such(server: LiveServer) -> None:
    for path, kind in [
        ("/static/js/pages/invitation.js", "javascript"),
        ("/static/js/conversation.js", "javascript"),
        ("/static/css/app.css", "text/css"),
        ("/static/img/icon.svg", "image/svg+xml"),
    ]:
        r = httpx.get(f"{server.url}{path}", timeout=30)
        assert r.status_code == 200 and kind in r.headers["content-type"], path
        assert r.headers["content-security-policy"] == EXPECTED_CSP
    # Modules hold no eval and never write HTML from data.
    for module in ["conversation.js", "attachments.js", "pages/directory.js", "pages/conversations.js"]:
        source = httpx.get(f"{server.url}/static/js/{module}", timeout=30).text
        assert "innerHTML" not in source and "eval(" not in source
    assert "sessionStorage" in httpx.get(f"{server.url}/static/js/session.js", timeout=30).text
    assert "localStorage" not in httpx.get(f"{server.url}/static/js/session.js", timeout=30).text.replace(
        "never localStorage", ""
    )


def test_landing_states_say_what_happened_and_what_to_do(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    emails = {state: new_email(state) for state in ("valid", "expired", "cancelled", "used")}
    invitations = {state: invite(client, doctor, email=e).json()["invitation"] for state, e in emails.items()}
    links = {state: smtp.wait(e)[0].link for state, e in emails.items()}
    set_invitation(server, invitations["expired"]["id"], expires_at=server.clock() - timedelta(hours=1))
    client.post(f"/invitations/{invitations['cancelled']['id']}/cancel", headers=doctor.headers)
    patient = sign_up(client, email=emails["used"])
    token = links["used"].rsplit("/", 1)[1]
    assert client.post("/invitation-links/accept", json={"token": token}, headers=patient.headers).is_success
    expected = {
        "valid": (200, "Dr Claire Martin vous invite sur Teleconsult"),
        "expired": (410, "Cette invitation a expiré"),
        "cancelled": (410, "Cette invitation a été annulée"),
        "used": (410, "Cette invitation a déjà été utilisée"),
    }
    for state, (status, title) in expected.items():
        r = httpx.get(links[state], timeout=30)
        assert r.status_code == status, state
        check_page(r)
        assert f'<h1 id="titre">{title}</h1>' in r.text
        if state != "valid":
            assert (
                "Que faire ?" in r.text
                and "Dr Claire Martin" in r.text
                and "renvoyer une invitation" in r.text
            )
    unknown = httpx.get(f"{server.url}/i/{'Z' * 43}", timeout=30)
    assert unknown.status_code == 404
    assert "Ce lien d'invitation n'est pas valide" in html.unescape(unknown.text)
    assert "copiez-le en entier" in unknown.text


def test_help_pages_at_stable_urls_and_their_api(server: LiveServer, client: httpx.Client) -> None:
    listed = client.get("/help-pages").json()["items"]
    slugs = [p["slug"] for p in listed]
    assert slugs == [
        "impossible-de-se-connecter",
        "je-ne-vois-pas-mon-praticien",
        "mon-praticien-ne-me-voit-pas",
        "invitation-non-recue",
        "camera-et-micro",
    ]
    assert all(p["url"] == f"{server.url}/aide/{p['slug']}" for p in listed)
    assert all(p["title"] and p["summary"] for p in listed)
    for page in HELP_PAGES:
        r = httpx.get(f"{server.url}/aide/{page.slug}", timeout=30)
        assert r.status_code == 200
        check_page(r)
        assert f'<h1 id="titre">{page.title}</h1>' in html.unescape(r.text)
    camera = httpx.get(f"{server.url}/aide/camera-et-micro", timeout=30).text
    for browser in ("Chrome", "Firefox", "Safari", "Edge"):
        assert f'id="{browser.lower()}"' in camera and browser in camera
    assert "iPhone" in camera and "Android" in camera and "ordinateur" in camera
    missing = httpx.get(f"{server.url}/invitation-non-recue", timeout=30)
    assert missing.status_code == 404
    not_received = httpx.get(f"{server.url}/aide/invitation-non-recue", timeout=30).text
    assert "indésirables" in not_received and "renvoyer" in not_received and "15 jours" in not_received
    unknown = httpx.get(f"{server.url}/aide/nimporte-quoi", timeout=30)
    assert unknown.status_code == 404 and "Page d'aide introuvable" in unknown.text
    assert re.search(r'href="/aide/camera-et-micro"', unknown.text)
