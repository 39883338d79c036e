"""The invitation landing page (`/i/<token>`), rendered on the server for each state of the link.

A valid link shows who invites and the sign-up form prefilled from the invitation, or the sign-in
form when the invited contact already has an account (the page's module then signs in or up and
accepts). Any other state gets a page saying what happened and what to do, with an HTTP status
that says it too: 404 for an unknown link, 410 for an expired, used, cancelled or replaced one.
"""

from __future__ import annotations

import html

from server.invitations.links import LinkView
from server.patient_web.rendering import template

TITLES = {
    "expired": "Cette invitation a expiré",
    "used": "Cette invitation a déjà été utilisée",
    "cancelled": "Cette invitation a été annulée",
    "replaced": "Ce lien a été remplacé par un plus récent",
    "unknown": "Ce lien d'invitation n'est pas valide",
}


def _e(value: str | None) -> str:
    return html.escape(value or "")


def _what_to_do(view: LinkView) -> list[str]:
    who = _e(view.practitioner.display if view.practitioner else "votre praticien")
    resend = (
        f"Demandez à {who} de vous <strong>renvoyer une invitation</strong> : vous recevrez un nouveau "
        "lien, valable 15 jours."
    )
    sign_in = (
        'Vous avez déjà un compte ? <a href="/connexion">Connectez-vous</a> pour retrouver vos conversations.'
    )
    help_link = '<a href="/aide/invitation-non-recue">Aide : problèmes d\'invitation</a>'
    if view.state == "used":
        return [sign_in, resend, help_link]
    if view.state == "replaced":
        return ["Ouvrez le lien du <strong>dernier</strong> e-mail ou SMS reçu.", resend, help_link]
    if view.state == "unknown":
        return [
            "Vérifiez que le lien est complet : copiez-le en entier depuis l'e-mail ou le SMS reçu.",
            resend,
            sign_in,
            help_link,
        ]
    return [resend, sign_in, help_link]


def invitation_main(view: LinkView) -> tuple[str, str, int]:
    """(page title, main HTML, HTTP status) for a link."""
    if view.state == "valid" and view.invitation is not None and view.practitioner is not None:
        return _valid(view)
    title = TITLES.get(view.state, TITLES["unknown"])
    items = "".join(f"<li>{item}</li>" for item in _what_to_do(view))
    main = f"""
<section class="panel panel--problem" aria-labelledby="titre" data-link-state="{_e(view.state)}">
  <h1 id="titre">{_e(title)}</h1>
  <p>{_e(view.public()["detail"])}</p>
  <h2>Que faire ?</h2>
  <ul class="todo">{items}</ul>
</section>"""
    return title, main, 404 if view.state == "unknown" else 410


def rate_limited_main(detail: str) -> str:
    return f"""
<section class="panel panel--problem" aria-labelledby="titre" data-link-state="rate_limited">
  <h1 id="titre">Trop de tentatives</h1>
  <p>{_e(detail)}</p>
  <p>Si vous avez reçu une invitation, ouvrez-la directement depuis l'e-mail ou le SMS, dans une heure.</p>
  <p><a href="/aide/invitation-non-recue">Aide : problèmes d'invitation</a></p>
</section>"""


def _valid(view: LinkView) -> tuple[str, str, int]:
    inv, who = view.invitation, view.practitioner
    assert inv is not None and who is not None
    data = view.public()["invitation"]
    name = _e(who.display)
    title = f"{who.display} vous invite sur Teleconsult"
    main = template("invitation.html").substitute(
        title=_e(title),
        who_title=_e(who.title),
        name=name,
        valid_until=_e(data["valid_until"]),
        signup_hidden=" hidden" if view.account_exists else "",
        signin_hidden="" if view.account_exists else " hidden",
        hint_hidden="" if view.account_exists else " hidden",
        first_name=_e(inv.first_name),
        last_name=_e(inv.last_name),
        email=_e(inv.email),
        phone=_e(inv.phone),
        identifier=_e(inv.email or inv.phone or ""),
    )
    return title, main, 200
