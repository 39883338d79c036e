"""A lived-in practice for `make demo`: about 200 patients, conversations with messages, invitations
in every status, pending requests, past calls, claims and payments.

Seeded through the server's own services on its loop (`LiveServer.run`), as the routes would call
them, with a fixed seed and a product clock moved back over the past weeks while seeding (each
conversation, call and invitation then has its own day), so two runs give the same practice. Only
what no service does on request is written to the database directly: an invitation accepted
(its patient account and conversation are real) and a delivery that failed.

Used by scripts/demo.py (`make demo`, 200 patients) and tests/demo/test_demo.py (20).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import update

from contracts.billing.claims import ClaimPatient
from contracts.fr_format import long_paris_date
from server.accounts.service import NewPatient, NewPractitioner
from server.container import Services
from server.conversations.service import MessageDraft
from server.invitations.models import Invitation
from server.invitations.records import InvitationDraft
from server.kernel.core import Actor
from tests.helpers.billing import claim_document
from tests.helpers.clock import PARIS, TestClock, paris
from tests.helpers.factories import rpps_number

START = paris(2026, 12, 2, 10, 0)  # the demo's « now »: Wednesday 2 December 2026, 10:00 in Paris
PASSWORD = "demo-teleconsult-2026"
PRACTITIONER_EMAIL = "claire.martin@cabinet-demo.fr"
RPPS = rpps_number(345_678)  # with its check digit

FIRST_NAMES = [
    "Hélène",
    "Marc",
    "Zoé",
    "Élodie",
    "Jean",
    "Hector",
    "Noémie",
    "Paul",
    "Inès",
    "Lucas",
    "Camille",
    "Sarah",
    "Louis",
    "Chloé",
    "Hugo",
    "Léa",
    "Gabriel",
    "Manon",
    "Arthur",
    "Jade",
    "Raphaël",
    "Louise",
    "Jules",
    "Emma",
    "Adam",
    "Alice",
    "Nathan",
    "Lina",
    "Théo",
    "Rose",
    "Maël",
    "Anna",
    "Sacha",
    "Mila",
    "Tom",
    "Julia",
    "Noah",
    "Eva",
    "Victor",
    "Margaux",
    "François",
    "Brigitte",
    "Michel",
    "Françoise",
    "Bernard",
    "Monique",
]
LAST_NAMES = [
    "Dupont",
    "Petit",
    "Bernard",
    "Fournier",
    "Dubois",
    "Moreau",
    "Girard",
    "Roux",
    "Lambert",
    "Mercier",
    "Vincent",
    "Martin",
    "Durand",
    "Leroy",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Morel",
    "Fontaine",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Gaillard",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Boyer",
    "Denis",
    "Meyer",
    "Lemaire",
    "N'Diaye",
    "Œuvrard",
    "Le Saint-Jean",
    "Da Silva",
]
PATIENT_LINES = (
    "Bonjour docteur, je vous envoie mes résultats d'analyse.",
    "Est-ce que je peux prendre du paracétamol avec mon traitement ?",
    "Merci pour l'ordonnance, bonne journée.",
    "La douleur a bien diminué depuis hier.",
    "Pouvez-vous me renouveler mon arrêt de travail ?",
    "D'accord, à jeudi.",
    "Je suis prête pour la téléconsultation.",
    "Ma fille a encore de la fièvre ce matin (38,5).",
)
PRACTITIONER_LINES = (
    "Bonjour, bien reçu, je regarde cela aujourd'hui.",
    "Oui, sans dépasser 3 g par jour.",
    "Je vous appelle en vidéo à 14 h.",
    "Voici votre ordonnance, à renouveler dans un mois.",
    "Très bien, continuez le traitement encore une semaine.",
)
REQUEST_LINES = (
    "Bonjour, je suis suivie au cabinet depuis 2019.",
    "Je viens d'emménager à Lyon et je cherche un médecin.",
    "",
)
INVITATION_STATUSES = ("pending", "accepted", "expired", "cancelled", "delivery_failed")


@dataclass
class Practice:
    practitioner_id: str
    practitioner_email: str
    password: str
    token: str
    patients: int = 0
    conversations: list[str] = field(default_factory=list)
    messages: int = 0
    invitations: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    calls: int = 0
    claims: int = 0
    payments: Counter[str] = field(default_factory=Counter)


def nir(rng: random.Random, birth: date) -> str:
    """A well-formed NIR (sex, year, month, département 69, commune, order, key)."""
    place = f"69{rng.randint(1, 389):03d}{rng.randint(1, 999):03d}"
    body = f"{rng.choice('12')}{birth.year % 100:02d}{birth.month:02d}{place}"
    return body + f"{97 - int(body) % 97:02d}"


def plan(n_patients: int) -> dict[str, int]:
    """How the patients split: conversations, pending requests, and invitations per status."""
    per_status = max(1, n_patients // 40)
    requests = max(2, n_patients // 40)
    # Accounts: the conversations' patients, the requesters, and the invitations accepted (with
    # their conversation); the other invitations go to people who have no account yet.
    conversations = n_patients - requests - per_status
    return {"conversations": conversations, "requests": requests, "per_status": per_status}


async def seed_practice(
    services: Services, clock: TestClock, n_patients: int = 200, seed: int = 12
) -> Practice:
    """Seed the practice on the server's loop; `clock` is the server's (moved back, then restored)."""
    rng = random.Random(seed)
    now = clock()
    shape = plan(n_patients)
    doctor = await services.accounts.create_practitioner(
        NewPractitioner(
            email=PRACTITIONER_EMAIL,
            password=PASSWORD,
            first_name="Claire",
            last_name="Martin",
            profession="medecin_generaliste",
            rpps=RPPS,
            plan="PRO+",
            city="Lyon",
            postal_code="69002",
            address="12 rue de la République",
            am_number="691234567",
        )
    )
    practice = Practice(
        doctor.id, PRACTITIONER_EMAIL, PASSWORD, await services.accounts.open_session(doctor.id)
    )
    me = Actor(doctor.id, "practitioner")
    names = iter(
        rng.sample(
            [(f, last) for f in FIRST_NAMES for last in LAST_NAMES], n_patients + shape["per_status"] * 4
        )
    )

    async def patient(first: str, last: str, number: int) -> str:
        email = f"{first}.{last}.{number}@patients-demo.fr".lower().replace(" ", "-").replace("'", "")
        email = email.translate(str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc"))
        user = await services.accounts.create_patient(
            NewPatient(first_name=first, last_name=last, password=PASSWORD, email=email)
        )
        practice.patients += 1
        return user.id

    # Conversations, oldest first, each on its own day over the past ten weeks.
    for index in range(shape["conversations"]):
        first, last = next(names)
        day = now - timedelta(
            days=70 * (shape["conversations"] - index) / shape["conversations"], hours=rng.randint(0, 6)
        )
        clock.set(day)
        patient_id = await patient(first, last, index)
        async with services.core.transaction() as tx:
            conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient_id)
        practice.conversations.append(conv.id)
        them = Actor(patient_id, "patient")
        for turn in range(rng.randint(1, 4)):
            clock.set(day + timedelta(minutes=7 * turn))
            who, lines = (them, PATIENT_LINES) if turn % 2 == 0 else (me, PRACTITIONER_LINES)
            await services.conversations.send(
                who, MessageDraft(conv.id, str(uuid.uuid4()), rng.choice(lines))
            )
            practice.messages += 1
        if index % 4 == 0:  # a past video call, then its claim and its payment
            clock.set(day + timedelta(minutes=40))
            call, _ = await services.calls.start(me, conv.id)
            clock.set(day + timedelta(minutes=52))
            await services.calls.end(me, call.id)
            practice.calls += 1
            performed = (day + timedelta(minutes=40)).astimezone(PARIS).replace(second=0, microsecond=0)
            birth = date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
            document = claim_document(
                performed,
                patient=ClaimPatient(
                    last.upper(), first, birth, nir(rng, birth), regime="01", caisse="691", centre="0001"
                ),
                created_at=performed + timedelta(minutes=15),
            )
            await services.claims.create(me, {**document, "conversation_id": conv.id})
            practice.claims += 1
            payment, _ = await services.payments.create(
                me, conv.id, amount="25.00", label=f"Téléconsultation du {long_paris_date(performed)}"
            )
            outcome = ("paid", "paid", "pending", "cancelled")[(index // 4) % 4]
            if outcome == "paid":
                await services.payments.mark_paid(
                    me, payment.id, rng.choice(("cheque", "card_in_person", "transfer"))
                )
            elif outcome == "cancelled":
                await services.payments.cancel(me, payment.id)
            practice.payments[outcome] += 1
        if index % 9 == 5:  # closed to writing between consultations
            await services.conversations.set_patient_write(me, conv.id, "never", None)

    # Pending connection requests from patients who signed up alone (this week).
    for index in range(shape["requests"]):
        first, last = next(names)
        clock.set(now - timedelta(days=index % 5, hours=index))
        patient_id = await patient(first, last, 1000 + index)
        await services.requests.create(
            Actor(patient_id, "patient"), doctor.id, REQUEST_LINES[index % len(REQUEST_LINES)]
        )
        practice.requests += 1

    # Invitations in every status.
    for status in INVITATION_STATUSES:
        for index in range(shape["per_status"]):
            first, last = next(names)
            days_ago = 20 if status == "expired" else rng.randint(0, 10)  # valid 15 days
            clock.set(now - timedelta(days=days_ago, hours=index))
            contact = (
                f"{first}.{last}.{status}{index}@patients-demo.fr".lower().replace(" ", "-").replace("'", "")
            )
            contact = contact.translate(str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc"))
            sent = await services.invitations.create(me, InvitationDraft(first, last, email=contact))
            assert sent.invitation is not None
            invitation_id = sent.invitation.id
            if status == "cancelled":
                await services.invitations.cancel(me, invitation_id)
            elif status == "accepted":
                patient_id = await patient(first, last, 2000 + index)
                async with services.core.transaction() as tx:
                    conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient_id)
                await services.conversations.send(
                    Actor(patient_id, "patient"),
                    MessageDraft(conv.id, str(uuid.uuid4()), "Merci pour l'invitation, docteur."),
                )
                practice.messages += 1
                practice.conversations.append(conv.id)
                await _set(
                    services,
                    invitation_id,
                    status="accepted",
                    accepted_at=clock(),
                    patient_id=patient_id,
                    conversation_id=conv.id,
                )
            elif status == "delivery_failed":
                await _set(
                    services,
                    invitation_id,
                    status="delivery_failed",
                    sent_at=None,
                    delivery_error="Adresse e-mail refusée par le serveur du destinataire.",
                )
            practice.invitations[status] += 1
    clock.set(now)
    return practice


async def _set(services: Services, invitation_id: str, **values: object) -> None:
    async with services.core.db.write() as session:
        await session.execute(update(Invitation).where(Invitation.id == invitation_id).values(**values))


def demo_settings_overrides() -> dict[str, object]:
    """What the demo server changes from the defaults: room for the seeded invitations."""
    return {"invitations_per_day": 10_000}
