"""The patient's pre-call check as the practitioner reads it."""

from __future__ import annotations

from desktop.domain.call_precheck import Precheck


def test_all_ready() -> None:
    check = Precheck.model_validate(
        {
            "camera": "ok",
            "microphone": "ok",
            "server": "ok",
            "network": "ok",
            "relay": "none",
            "browser": "Safari 18",
        }
    )
    assert check.ok and check.problems == []
    assert check.summary == "Test du patient (Safari 18) : caméra, micro et connexion prêts."


def test_problems_in_french() -> None:
    check = Precheck.model_validate(
        {"camera": "busy", "microphone": "denied", "server": "ok", "network": "failed", "relay": "failed"}
    )
    assert not check.ok
    assert check.summary == (
        "Test du patient : caméra utilisée par une autre application ; micro refusé par le navigateur ; "
        "son réseau bloque la vidéo ; relais vidéo (TURN) injoignable."
    )
    assert check.label("relay") == "injoignable"
    assert Precheck.read("nonsense") == Precheck()  # a result that cannot be read: nothing checked
