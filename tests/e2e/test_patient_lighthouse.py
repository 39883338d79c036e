"""Lighthouse on the patient pages (issue 12 item 11a): accessibility 100, and a cumulative layout
shift ≤ 0.05 on the conversation page with its payment banner and call invitation arriving.

Lighthouse (npm, `scripts/lighthouse.mjs`) drives Debian's chromium; a run takes ~20 s per page, so
this runs in `make a11y` (TELECONSULT_LIGHTHOUSE=1), not in `make test`, where axe-core and a
`layout-shift` observer check the same pages (test_patient_accessibility.py). Prints the scores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from tests.conftest import need
from tests.e2e.conftest import CHROMIUM
from tests.helpers.a11y import ROOT
from tests.helpers.billing import ask_payment
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TELECONSULT_LIGHTHOUSE", "") in ("", "0"),
        reason="Lighthouse takes ~20 s a page: `make a11y` (TELECONSULT_LIGHTHOUSE=1)",
    ),
]

SCRIPT = ROOT / "scripts" / "lighthouse.mjs"


def lighthouse(url: str, session: str = "") -> dict[str, Any]:
    node = shutil.which("node")
    need(node is not None, "node introuvable : installez Node.js")
    need((ROOT / "node_modules" / "lighthouse").is_dir(), "lighthouse introuvable : lancez « npm ci »")
    assert node is not None
    done = subprocess.run(
        [node, str(SCRIPT), url, *([session] if session else [])],
        cwd=ROOT,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"lighthouse {url}: accessibility {result['accessibility']}, CLS {result['cls']:.3f}")
    return result


def test_lighthouse_scores_the_patient_pages_100_and_the_conversation_does_not_jump(
    e2e_server: LiveServer,
) -> None:
    server = e2e_server
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(server, doctor, patient)
    with httpx.Client(base_url=server.api, timeout=30) as client:
        for who, body in [(doctor, "Bonjour, comment allez-vous ?"), (patient, "Mieux, merci.")]:
            assert send(client, who, conv, body).status_code == 201
        assert ask_payment(client, doctor, conv, "25.00").status_code == 201
        assert client.post(f"/conversations/{conv}/calls", headers=doctor.headers).status_code in (200, 201)
    user = {"id": patient.id, "role": "patient", "first_name": "Hélène", "last_name": "Dupont"}
    session = json.dumps({"token": patient.token, "user": user})

    conversation = lighthouse(f"{server.url}/conversations/{conv}", session)
    results = [
        conversation,
        lighthouse(f"{server.url}/connexion"),
        lighthouse(f"{server.url}/conversations", session),
    ]
    for result in results:
        assert result["runtimeError"] is None, result
        assert result["accessibility"] == 100, result
    assert conversation["cls"] <= 0.05, conversation
