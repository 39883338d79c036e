"""French texts of an invitation: the email (text and HTML) and the SMS.

Each invitation names the practitioner and says the link is valid 15 days, with the last day in
French time. The SMS keeps to one GSM-7 segment (160 characters) with the link whole: the text
around it shortens step by step when the name or the server address is long.
"""

from __future__ import annotations

import html
from datetime import datetime

from contracts.fr_format import long_paris_date
from server.accounts.names import PractitionerName
from server.delivery.gsm7 import fits_one_sms, to_gsm7
from server.delivery.texts import EMERGENCY_LINE, EmailText

INVITATION_DAYS = 15


def invitation_email(
    practitioner: PractitionerName,
    patient_first_name: str,
    patient_last_name: str,
    link: str,
    expires_at: datetime,
    help_url: str,
) -> EmailText:
    who = practitioner.display
    until = long_paris_date(expires_at)
    subject = f"{who} vous invite à échanger sur Teleconsult"
    text = "\n".join(
        [
            f"Bonjour {patient_first_name} {patient_last_name},",
            "",
            f"{who} ({practitioner.title}) vous invite à créer votre espace patient sur Teleconsult, "
            "pour échanger avec lui ou elle en ligne et faire vos téléconsultations.",
            "",
            "Pour accepter l'invitation, ouvrez ce lien :",
            link,
            "",
            f"Ce lien personnel est valable {INVITATION_DAYS} jours, jusqu'au {until}. "
            "Il ne peut servir qu'une fois.",
            "",
            f"Si vous ne connaissez pas {who}, ignorez ce message.",
            f"Besoin d'aide ? {help_url}",
            "",
            EMERGENCY_LINE,
        ]
    )
    e = html.escape
    body = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{e(subject)}</title></head>
<body style="font-family: Arial, sans-serif; color: #1b1f24; line-height: 1.5; max-width: 36em;">
<p>Bonjour {e(patient_first_name)} {e(patient_last_name)},</p>
<p><strong>{e(who)}</strong> ({e(practitioner.title)}) vous invite à créer votre espace patient
sur Teleconsult, pour échanger avec lui ou elle en ligne et faire vos téléconsultations.</p>
<p><a href="{e(link)}" style="display: inline-block; padding: 0.75em 1.25em; background: #0b5cad;
color: #ffffff; text-decoration: none; border-radius: 6px;">Accepter l'invitation</a></p>
<p>Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :<br>
<a href="{e(link)}">{e(link)}</a></p>
<p>Ce lien personnel est valable <strong>{INVITATION_DAYS} jours</strong>, jusqu'au {e(until)}.
Il ne peut servir qu'une fois.</p>
<p>Si vous ne connaissez pas {e(who)}, ignorez ce message.
<a href="{e(help_url)}">Besoin d'aide ?</a></p>
<p style="color: #4a5058; font-size: 0.9em;">{e(EMERGENCY_LINE)}</p>
</body></html>
"""
    return EmailText(subject=subject, text=text, html=body)


def invitation_sms(practitioner: PractitionerName, link: str) -> str:
    """One GSM-7 segment naming the practitioner, the 15-day validity and the whole link."""
    candidates = [
        f"{practitioner.display} vous invite sur Teleconsult. Lien valable {INVITATION_DAYS} jours : {link}",
        f"{practitioner.short} vous invite sur Teleconsult. Lien valable {INVITATION_DAYS} jours : {link}",
        f"{practitioner.short} vous invite sur Teleconsult ({INVITATION_DAYS} jours) : {link}",
        f"Invitation de {practitioner.short} ({INVITATION_DAYS} jours) : {link}",
        f"Invitation Teleconsult ({INVITATION_DAYS} jours) : {link}",
    ]
    for candidate in candidates:
        text = to_gsm7(candidate)
        if fits_one_sms(text):
            return text
    return to_gsm7(link)  # an absurdly long server address: the link alone, still usable
