"""French texts of outgoing messages: invitation (email in text and HTML, SMS) and reset codes.

Each invitation names the practitioner and says the link is valid 15 days, with the last day in
French time. The SMS keeps to one GSM-7 segment (160 characters) with the link whole: the text
around it shortens step by step when the name or the server address is long.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from contracts.fr_format import long_paris_date
from contracts.professions import PROFESSIONS, SPECIALTIES
from server.domain.gsm7 import fits_one_sms, to_gsm7

INVITATION_DAYS = 15
RESET_CODE_MINUTES = 10
EMERGENCY_LINE = "Teleconsult ne sert pas aux urgences : en cas d'urgence, appelez le 15 (SAMU) ou le 112."
DOCTOR_PROFESSIONS = ("medecin_generaliste", "medecin_specialiste", "chirurgien_dentiste")


@dataclass(frozen=True)
class PractitionerName:
    """How a practitioner is named in messages and pages."""

    first_name: str
    last_name: str
    profession: str
    specialty: str | None = None
    city: str | None = None

    @property
    def display(self) -> str:
        """ "Dr Claire Martin" for doctors and dentists, "Claire Martin" otherwise."""
        name = f"{self.first_name} {self.last_name}"
        return f"Dr {name}" if self.profession in DOCTOR_PROFESSIONS else name

    @property
    def short(self) -> str:
        """ "Dr C. Martin": for an SMS that must stay short."""
        initial = self.first_name[:1] + "." if self.first_name else ""
        name = f"{initial} {self.last_name}".strip()
        return f"Dr {name}" if self.profession in DOCTOR_PROFESSIONS else name

    @property
    def title(self) -> str:
        """ "Médecin spécialiste (Cardiologie), Lyon"."""
        label = PROFESSIONS.get(self.profession, "")
        if self.specialty:
            label += f" ({SPECIALTIES.get(self.specialty, self.specialty)})"
        return f"{label}, {self.city}" if self.city else label


@dataclass(frozen=True)
class EmailText:
    subject: str
    text: str
    html: str


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
