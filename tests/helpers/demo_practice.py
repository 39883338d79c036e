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

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import update

from contracts.billing.claims import ClaimPatient
from contracts.fr_format import long_paris_date
from server.accounts import service as account_service
from server.accounts.service import NewPatient, NewPractitioner
from server.container import Services
from server.conversations.service import MessageDraft
from server.invitations.models import Invitation
from server.invitations.records import InvitationDraft
from server.kernel.core import Actor
from server.kernel.security import hash_password
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


BATCH = 8  # conversations seeded together, on one day


@dataclass
class _Conversation:
    index: int
    first: str
    last: str
    birth: date
    nir: str
    lines: list[str]
    payment: str  # "" (no call), or what became of the call's payment: paid, pending, cancelled
    method: str
    patient_id: str = ""
    conversation_id: str = ""


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


@contextlib.contextmanager
def one_hash_for_all(password_hash: str) -> Iterator[None]:
    """Every demo patient has the same password: its argon2id hash is computed once, not 200 times
    (each takes a tenth of a second or more by design). The accounts are otherwise the service's."""
    names = vars(account_service)
    original = names["hash_password"]

    async def same(password: str) -> str:
        assert password == PASSWORD
        return password_hash

    names["hash_password"] = same
    try:
        yield
    finally:
        names["hash_password"] = original


async def seed_practice(
    services: Services, clock: TestClock, n_patients: int = 200, seed: int = 12
) -> Practice:
    """Seed the practice on the server's loop; `clock` is the server's (moved back, then restored)."""
    with one_hash_for_all(await hash_password(PASSWORD)):
        return await _seed(services, clock, n_patients, seed)


async def _seed(services: Services, clock: TestClock, n_patients: int, seed: int) -> Practice:
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

    # Conversations, oldest first, over the past ten weeks. Everything is drawn first, in order (the
    # same practice on every run); then each batch of conversations shares a day and is seeded
    # concurrently, so the server's writer commits their messages together.
    count = shape["conversations"]
    plans: list[_Conversation] = []
    for index in range(count):
        first, last = next(names)
        birth = date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
        lines = [
            rng.choice(PATIENT_LINES if turn % 2 == 0 else PRACTITIONER_LINES)
            for turn in range(rng.randint(1, 4))
        ]
        outcome = ("paid", "paid", "pending", "cancelled")[(index // 4) % 4] if index % 4 == 0 else ""
        method = rng.choice(("cheque", "card_in_person", "transfer"))
        plans.append(_Conversation(index, first, last, birth, nir(rng, birth), lines, outcome, method))
    for start in range(0, count, BATCH):
        batch = plans[start : start + BATCH]
        day = now - timedelta(days=70 * (count - start) / count, hours=rng.randint(0, 6))
        clock.set(day)
        ids = await asyncio.gather(*(patient(c.first, c.last, c.index) for c in batch))
        for c, patient_id in zip(batch, ids, strict=True):
            c.patient_id = patient_id
            async with services.core.transaction() as tx:
                conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient_id)
            c.conversation_id = conv.id
            practice.conversations.append(conv.id)
        for turn in range(4):
            clock.set(day + timedelta(minutes=7 * turn))
            talking = [c for c in batch if turn < len(c.lines)]
            await asyncio.gather(
                *(
                    services.conversations.send(
                        Actor(c.patient_id, "patient") if turn % 2 == 0 else me,
                        MessageDraft(c.conversation_id, str(uuid.uuid4()), c.lines[turn]),
                    )
                    for c in talking
                )
            )
            practice.messages += len(talking)
        billed = [c for c in batch if c.payment]  # a past video call, then its claim and its payment
        if billed:
            clock.set(day + timedelta(minutes=40))
            calls = await asyncio.gather(*(services.calls.start(me, c.conversation_id) for c in billed))
            clock.set(day + timedelta(minutes=52))
            await asyncio.gather(*(services.calls.end(me, call.id) for call, _ in calls))
            practice.calls += len(billed)
            performed = (day + timedelta(minutes=40)).astimezone(PARIS).replace(second=0, microsecond=0)
            for c in billed:
                insured = ClaimPatient(
                    c.last.upper(), c.first, c.birth, c.nir, regime="01", caisse="691", centre="0001"
                )
                document = claim_document(
                    performed, patient=insured, created_at=performed + timedelta(minutes=15)
                )
                await services.claims.create(me, {**document, "conversation_id": c.conversation_id})
                practice.claims += 1
                label = f"Téléconsultation du {long_paris_date(performed)}"
                payment, _ = await services.payments.create(
                    me, c.conversation_id, amount="25.00", label=label
                )
                if c.payment == "paid":
                    await services.payments.mark_paid(me, payment.id, c.method)
                elif c.payment == "cancelled":
                    await services.payments.cancel(me, payment.id)
                practice.payments[c.payment] += 1
        for c in batch:
            if c.index % 9 == 5:  # closed to writing between consultations
                await services.conversations.set_patient_write(me, c.conversation_id, "never", None)

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
