"""French texts of the forgotten-password code (email and SMS)."""

from __future__ import annotations

import html

from server.delivery.gsm7 import to_gsm7
from server.delivery.texts import EmailText

RESET_CODE_MINUTES = 10


def reset_code_email(code: str, first_name: str) -> EmailText:
    subject = "Votre code pour changer de mot de passe Teleconsult"
    lines = [
        f"Bonjour {first_name},",
        "",
        f"Voici votre code : {code}",
        f"Il est valable {RESET_CODE_MINUTES} minutes. Ne le communiquez à personne.",
        "",
        "Si vous n'avez pas demandé à changer de mot de passe, ignorez ce message : "
        "votre mot de passe actuel reste valable.",
    ]
    e = html.escape
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head>"
        '<body style="font-family: Arial, sans-serif; line-height: 1.5;">'
        f"<p>Bonjour {e(first_name)},</p>"
        '<p>Voici votre code : <strong style="font-size: 1.4em; letter-spacing: 0.2em;">'
        f"{e(code)}</strong></p>"
        f"<p>Il est valable {RESET_CODE_MINUTES} minutes. Ne le communiquez à personne.</p>"
        "<p>Si vous n'avez pas demandé à changer de mot de passe, ignorez ce message : "
        "votre mot de passe actuel reste valable.</p></body></html>"
    )
    return EmailText(subject=subject, text="\n".join(lines), html=body)


def reset_code_sms(code: str) -> str:
    return to_gsm7(
        f"Teleconsult : votre code pour changer de mot de passe est {code}. "
        f"Valable {RESET_CODE_MINUTES} min. Ne le communiquez à personne."
    )
