"""The catalogue of patient help pages: stable slugs under `/aide/`, pasted by practitioners in chats.

The slugs are a public contract (links already sent in conversations must keep working): add
pages, never rename one. The pages' text lives with the patient web app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    summary: str


HELP_PAGES: tuple[HelpPage, ...] = (
    HelpPage(
        "impossible-de-se-connecter",
        "Je n'arrive pas à me connecter",
        "Mot de passe oublié, lien d'invitation, navigateur, connexion Internet : que vérifier.",
    ),
    HelpPage(
        "je-ne-vois-pas-mon-praticien",
        "Je ne vois pas mon praticien pendant la vidéo",
        "Écran noir ou image figée : le son, la connexion et le navigateur à vérifier.",
    ),
    HelpPage(
        "mon-praticien-ne-me-voit-pas",
        "Mon praticien ne me voit pas (ou ne m'entend pas)",
        "Autoriser la caméra et le micro, fermer les autres applications qui les utilisent.",
    ),
    HelpPage(
        "invitation-non-recue",
        "Je n'ai pas reçu l'invitation",
        "Courrier indésirable, adresse ou numéro erroné, invitation expirée : demandez un renvoi.",
    ),
    HelpPage(
        "camera-et-micro",
        "Autoriser la caméra et le micro",
        "Chrome, Firefox, Safari et Edge, sur ordinateur et sur téléphone, pas à pas.",
    ),
)

BY_SLUG = {page.slug: page for page in HELP_PAGES}


def help_url(public_url: str, slug: str) -> str:
    return f"{public_url}/aide/{slug}"
