"""The patient pages carry the server's labels as a JSON data block that nothing can break out of."""

from __future__ import annotations

import json
import re

from contracts.professions import DOCTOR_PROFESSIONS, PROFESSIONS
from server.patient_web.rendering import render, script_json

BLOCK = re.compile(r'<script type="application/json" id="labels">(.*?)</script>', re.S)


def test_every_page_carries_the_professions_and_the_dr_rule() -> None:
    page = bytes(render("Conversation", "conversation", "<p></p>").body).decode()
    (data,) = BLOCK.findall(page)
    assert json.loads(data) == {"professions": PROFESSIONS, "doctors": list(DOCTOR_PROFESSIONS)}
    # Data, not a script: the CSP's script-src 'self' has nothing to run (the only script is a file).
    assert re.findall(r"<script(?![^>]*application/json)[^>]*>", page) == [
        '<script type="module" src="/static/js/pages/conversation.js">'
    ]


def test_a_label_cannot_close_the_script_element_or_open_a_comment() -> None:
    nasty = {"x": "</script><script>alert(1)</script><!-- & \u2028 \u2029 é"}
    text = script_json(nasty)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == nasty
