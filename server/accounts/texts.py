"""French texts of the codes sent by email and SMS: forgotten password, patient sign-up."""

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


def _email(subject: str, paragraphs: list[str], code: str | None = None) -> EmailText:
    """An email of a few paragraphs; `code`, when given, is shown large after the first."""
    e = html.escape
    parts = [f"<p>{e(p)}</p>" for p in paragraphs]
    lines = [p for p in paragraphs]
    if code is not None:
        parts.insert(
            1,
            '<p>Voici votre code : <strong style="font-size: 1.4em; letter-spacing: 0.2em;">'
            f"{e(code)}</strong></p>",
        )
        lines.insert(1, f"Voici votre code : {code}")
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head>"
        '<body style="font-family: Arial, sans-serif; line-height: 1.5;">' + "".join(parts) + "</body></html>"
    )
    return EmailText(subject=subject, text="\n\n".join(lines), html=body)


def signup_code_email(code: str, first_name: str) -> EmailText:
    return _email(
        "Votre code pour créer votre compte Teleconsult",
        [
            f"Bonjour {first_name},",
            f"Il est valable {RESET_CODE_MINUTES} minutes. Saisissez-le sur la page d'inscription pour "
            "terminer la création de votre compte. Ne le communiquez à personne.",
            "Si vous n'avez pas demandé à créer un compte, ignorez ce message : aucun compte ne sera créé.",
        ],
        code,
    )


def signup_code_sms(code: str) -> str:
    return to_gsm7(
        f"Teleconsult : votre code pour créer votre compte est {code}. "
        f"Valable {RESET_CODE_MINUTES} min. Ne le communiquez à personne."
    )


def signup_exists_email(first_name: str, forgot_url: str) -> EmailText:
    return _email(
        "Vous avez déjà un compte Teleconsult",
        [
            f"Bonjour {first_name},",
            "Quelqu'un (vous, sans doute) a demandé à créer un compte Teleconsult avec cette adresse, "
            "mais vous en avez déjà un : connectez-vous avec lui.",
            f"Mot de passe oublié ? Choisissez-en un nouveau ici : {forgot_url}",
            "Si vous n'avez rien demandé, ignorez ce message : votre compte ne change pas.",
        ],
    )


def signup_exists_sms(forgot_url: str) -> str:
    return to_gsm7(
        "Teleconsult : vous avez déjà un compte avec ce numéro. Connectez-vous, ou choisissez un "
        f"nouveau mot de passe : {forgot_url}"
    )
