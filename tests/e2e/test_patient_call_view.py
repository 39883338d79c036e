"""The call on the patient's phone (issue 12 item 9): the remote video large, the controls and
nothing else, in portrait (390 × 844) and landscape (844 × 390), with fullscreen and its exit; the
speaker chosen on the page (issue 13 item 6).

Chromium gets a fake camera and microphone; the practitioner has opened the call but no desktop
peer answers, so the page shows the call view as the patient sees it while being connected. The
pre-call check gathers host candidates only (no ICE server, mDNS off): nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.helpers.a11y import axe_violations, focus_rings, need_axe, weak_focus_rings
from tests.helpers.call_browser import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}
LAPTOP = {"width": 1280, "height": 800}

# The geometry of what the patient sees, in CSS pixels of the viewport.
LAYOUT = """
() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height, shown: r.width > 0 && r.height > 0 &&
             getComputedStyle(el).visibility !== "hidden" }; };
  const button = (name) => [...document.querySelectorAll(".call-controls button")]
    .find((b) => b.textContent.trim() === name);
  return {
    vw: innerWidth, vh: innerHeight, scrollY: scrollY,
    pageHeight: document.documentElement.scrollHeight,
    remote: box(document.querySelector(".call-remote")),
    local: box(document.querySelector(".call-local")),
    header: box(document.querySelector(".site-header")),
    composer: box(document.querySelector("#composer")),
    messages: box(document.querySelector("#chat-scroll")),
    buttons: Object.fromEntries(["Couper le micro", "Couper la caméra", "Plein écran", "Raccrocher"]
      .map((name) => [name, box(button(name))])),
    selects: [...document.querySelectorAll(".call-devices select")].map(box),
  };
}
"""

# Chromium's fake devices list three real outputs (« Fake Default Audio Output » with the id
# "default", « Fake Audio Output 1 » and « 2 »), and its `setSinkId` really switches between them
# and refuses an id it does not know (NotFoundError). The only stand-ins, at the browser's device
# seam and only in the tests that install this script: `enumerateDevices` leaves out the ids in
# `window.__unplugged` (a headset unplugged) and adds the devices in `window.__extra` (an output
# gone by the time it is chosen); `setSinkId` rejects the ids in `window.__refused` with
# NotAllowedError (an output the browser does not allow), and is chromium's own for every other id.
DEVICE_SEAM = """
window.__unplugged = new Set();
window.__extra = [];
window.__refused = new Set();
const listed = MediaDevices.prototype.enumerateDevices;
MediaDevices.prototype.enumerateDevices = async function () {
  const devices = await listed.call(this);
  return [...devices.filter((d) => !window.__unplugged.has(d.deviceId)), ...window.__extra];
};
const route = HTMLMediaElement.prototype.setSinkId;
HTMLMediaElement.prototype.setSinkId = function (id) {
  if (window.__refused.has(id)) return Promise.reject(new DOMException("refusé", "NotAllowedError"));
  return route.call(this, id);
};
"""
# Firefox ESR before 116, Safari: no way to choose the output.
NO_SINK_ID = "delete HTMLMediaElement.prototype.setSinkId; delete HTMLMediaElement.prototype.sinkId;"
DEVICE_CHANGED = "() => navigator.mediaDevices.dispatchEvent(new Event('devicechange'))"
SINK_ID = "(video) => video.sinkId"


@pytest.fixture(scope="module")
def media_browser(chromium: Any) -> Iterator[Any]:
    """Chromium with a fake camera and microphone, not announcing itself over mDNS."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--disable-features=WebRtcHideLocalIpsWithMdns"],
    )
    yield browser
    browser.close()


@pytest.fixture
def call_page(
    media_browser: Any, e2e_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, str]]:
    """The patient's conversation, signed in, with the practitioner waiting in an open call.

    Parametrized indirectly, a script run in the page before its own (a browser's variant).
    """
    doctor = make_practitioner(e2e_server, first_name="Claire", last_name="Martin")
    patient: Account = make_patient(e2e_server, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(e2e_server, doctor, patient)
    with httpx.Client(base_url=e2e_server.api, timeout=30) as client:
        started = client.post(f"/conversations/{conv}/calls", headers=doctor.headers)
        assert started.status_code in (200, 201), started.text
    context = media_browser.new_context(viewport=PORTRAIT, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15000)
    user = {"id": patient.id, "role": "patient", "first_name": "Hélène", "last_name": "Dupont"}
    session = json.dumps({"token": patient.token, "user": user})
    context.add_init_script(f"sessionStorage.setItem('teleconsult.session', {json.dumps(session)});")
    if script := getattr(request, "param", ""):
        context.add_init_script(script)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{e2e_server.url}/conversations/{conv}?video=480")
    yield page, conv
    context.close()
    assert problems == [], problems


def keep_screenshot(page: Any, name: str) -> None:
    """Kept in $TELECONSULT_SCREENSHOTS when set (docs/screenshots)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def assert_call_fills_the_screen(page: Any, what: str) -> None:
    """Remote video ≥ 60 % of the screen, preview small inside it, every control on screen, nothing
    else shown and nothing to scroll."""
    layout = page.evaluate(LAYOUT)
    vw, vh = layout["vw"], layout["vh"]
    remote = layout["remote"]
    share = remote["w"] * remote["h"] / (vw * vh)
    assert share >= 0.6, f"{what}: the remote video covers {share:.0%} of the screen: {layout}"
    print(f"{what} {vw}×{vh}: remote video {remote['w']:.0f}×{remote['h']:.0f} px, {share:.0%} of the screen")
    local = layout["local"]
    assert local["w"] * local["h"] <= 0.25 * remote["w"] * remote["h"], f"{what}: preview too large"
    assert remote["x"] <= local["x"] and local["x"] + local["w"] <= remote["x"] + remote["w"] + 1
    assert remote["y"] <= local["y"] and local["y"] + local["h"] <= remote["y"] + remote["h"] + 1
    for name, box in layout["buttons"].items():
        assert box is not None and box["shown"], f"{what}: {name} missing"
        inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["w"] <= vw and box["y"] + box["h"] <= vh
        assert inside, f"{what}: {name} is not on screen without scrolling: {box} in {vw}×{vh}"
        assert box["h"] >= 44 and box["w"] >= 44, f"{what}: {name} is a small target: {box}"
    for part in ("header", "composer", "messages"):
        assert not layout[part]["shown"], f"{what}: the {part} is still shown during the call"
    # The device lists (camera, micro, speaker): one compact row on screen, under the video.
    selects = layout["selects"]
    assert len(selects) == 3 and all(box["shown"] for box in selects), f"{what}: device lists {selects}"
    assert max(b["y"] for b in selects) - min(b["y"] for b in selects) <= 1, f"{what}: not one row: {selects}"
    assert all(b["x"] >= 0 and b["x"] + b["w"] <= vw and b["y"] + b["h"] <= vh for b in selects), selects
    assert selects[0]["y"] >= remote["y"] + remote["h"], f"{what}: device lists over the video"
    assert layout["scrollY"] == 0 and layout["pageHeight"] <= vh, f"{what}: the page scrolls: {layout}"


def test_the_call_takes_the_phone_screen_in_portrait_and_landscape_with_fullscreen(
    call_page: tuple[Any, str],
) -> None:
    page, _ = call_page
    source = need_axe()
    page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
    hang_up = page.get_by_role("button", name="Raccrocher")
    expect(hang_up).to_be_visible()
    expect(page.locator(".call-status")).to_have_text("Connexion à votre praticien…")
    expect(page.locator(".call-checks")).to_be_hidden()
    assert_call_fills_the_screen(page, "portrait")
    keep_screenshot(page, "patient-appel-portrait")
    assert axe_violations(page, source) == []
    assert weak_focus_rings(focus_rings(page)) == []

    page.set_viewport_size(LANDSCAPE)
    expect(hang_up).to_be_in_viewport(ratio=1)
    assert_call_fills_the_screen(page, "landscape")
    keep_screenshot(page, "patient-appel-paysage")

    # Fullscreen for the whole call view, and back (the button, or Esc in a real browser).
    page.get_by_role("button", name="Plein écran").click()
    expect(page.get_by_role("button", name="Quitter le plein écran")).to_be_visible()
    assert page.evaluate("document.fullscreenElement?.className") == "call-panel"
    expect(hang_up).to_be_in_viewport(ratio=1)
    page.get_by_role("button", name="Quitter le plein écran").click()
    expect(page.get_by_role("button", name="Plein écran")).to_be_visible()
    assert page.evaluate("document.fullscreenElement") is None

    # A computer: the call on the left, the conversation still usable on the right.
    page.set_viewport_size(LAPTOP)
    expect(hang_up).to_be_in_viewport(ratio=1)
    expect(page.locator("#composer-input")).to_be_visible()
    wide = page.evaluate(LAYOUT)
    composer = page.locator("#composer").bounding_box()
    assert composer is not None and composer["x"] >= wide["remote"]["x"] + wide["remote"]["w"], wide
    keep_screenshot(page, "patient-appel-ordinateur")

    page.set_viewport_size(PORTRAIT)
    assert_call_fills_the_screen(page, "portrait again")

    # Hanging up: the end is said, and « Fermer » gives the conversation back, focus on « Vidéo ».
    hang_up.click()
    expect(page.locator(".call-status")).to_have_text("Vous avez raccroché. L'appel est terminé.")
    page.get_by_role("button", name="Fermer").click()
    expect(page.locator("#composer")).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.locator(".call-button")).to_be_focused()


def join(page: Any) -> Any:
    """Join the open call; the speaker list once the page has listed the devices."""
    page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
    expect(page.get_by_role("group", name="Changer d'appareil pendant l'appel")).to_be_visible()
    return page.get_by_label("Haut-parleur", exact=True)


@pytest.mark.parametrize("call_page", [DEVICE_SEAM], indirect=True)
def test_the_patient_chooses_the_speaker_and_keeps_the_sound_when_an_output_fails_or_goes(
    call_page: tuple[Any, str],
) -> None:
    page, _ = call_page
    speakers = join(page)
    remote = page.locator(".call-remote")  # the element that plays the practitioner (call_peer.js)
    problem = page.locator(".call-device-problem")
    values = speakers.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
    labels = speakers.locator("option").all_inner_texts()
    assert len(values) == 3 and values[0] == "default", values
    assert labels == ["Fake Default Audio Output", "Fake Audio Output 1", "Fake Audio Output 2"], labels
    expect(speakers).to_be_enabled()
    expect(speakers).to_have_value("default")  # nothing chosen yet: the default output, listed first
    assert remote.evaluate(SINK_ID) == ""

    # Another output: the practitioner's sound goes there (chromium's own setSinkId).
    speakers.select_option(label="Fake Audio Output 2")
    page.wait_for_function("(id) => document.querySelector('.call-remote').sinkId === id", arg=values[2])
    expect(speakers).to_have_value(values[2])
    expect(problem).to_be_hidden()

    # An output the browser does not allow: said, the sound stays where it was.
    page.evaluate("(id) => window.__refused.add(id)", values[1])
    speakers.select_option(values[1])
    expect(problem).to_have_text(
        "Votre navigateur n'autorise pas ce haut-parleur : le son reste sur le précédent."
    )
    expect(speakers).to_have_value(values[2])
    assert remote.evaluate(SINK_ID) == values[2]

    # An output listed but gone by the time it is chosen: chromium refuses it (NotFoundError).
    gone = {"kind": "audiooutput", "deviceId": "casque-parti", "label": "Casque", "groupId": ""}
    page.evaluate("(device) => window.__extra.push(device)", gone)
    page.evaluate(DEVICE_CHANGED)
    expect(speakers.locator("option")).to_have_count(4)
    speakers.select_option(label="Casque")
    expect(problem).to_have_text("Impossible d'utiliser ce haut-parleur : le son reste sur le précédent.")
    expect(speakers).to_have_value(values[2])
    assert remote.evaluate(SINK_ID) == values[2]

    # The chosen output unplugged during the call: back on the default output, said.
    page.evaluate("(id) => { window.__extra.length = 0; window.__unplugged.add(id); }", values[2])
    page.evaluate(DEVICE_CHANGED)
    expect(problem).to_have_text(
        "Votre haut-parleur s'est déconnecté : vous entendez votre praticien sur la sortie audio par défaut."
    )
    expect(speakers).to_have_value("default")
    assert remote.evaluate(SINK_ID) == ""

    # One output left: the list shows it, disabled, as the camera's with one camera.
    page.evaluate("(id) => window.__unplugged.add(id)", values[1])
    page.evaluate(DEVICE_CHANGED)
    expect(speakers.locator("option")).to_have_count(1)
    expect(speakers).to_be_disabled()
    # None listed (a browser that exposes no output to the page): no empty list.
    page.evaluate("() => window.__unplugged.add('default')")
    page.evaluate(DEVICE_CHANGED)
    expect(speakers).to_be_hidden()
    expect(page.get_by_label("Micro", exact=True)).to_be_enabled()
    expect(page.get_by_role("button", name="Raccrocher")).to_be_visible()  # the call view stayed


@pytest.mark.parametrize("call_page", [NO_SINK_ID], indirect=True)
def test_a_browser_that_cannot_choose_the_speaker_shows_no_speaker_list(call_page: tuple[Any, str]) -> None:
    page, _ = call_page
    speakers = join(page)
    microphones = page.get_by_label("Micro", exact=True)
    expect(microphones.locator("option")).to_have_count(3)  # the other lists work
    expect(speakers).to_have_count(0)
    expect(page.locator("#call-speaker-select")).to_have_count(0)
    page.evaluate(DEVICE_CHANGED)  # a device plugged in: listed again, still no speaker list
    expect(microphones).to_be_enabled()
    expect(page.locator(".call-device-problem")).to_be_hidden()
    expect(page.locator(".call-status")).to_have_text("Connexion à votre praticien…")
    # (no script error: the fixture fails the test on any)
