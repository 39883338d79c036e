"""The patients' directory: PRO+ practitioners found by name, profession and city.

PRO practitioners are never listed (the PRO+ plan is what makes a practitioner findable). Each
result says whether the searching patient already has a conversation with the practitioner or a
request waiting, so the page offers "open the conversation" instead of a second request.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select

from contracts.professions import PROFESSIONS, SPECIALTIES
from contracts.text import fold, words
from server.accounts.models import PractitionerProfile, User
from server.accounts.names import PractitionerName
from server.conversations.models import Conversation
from server.invitations.models import ConnectionRequest
from server.kernel.core import Actor, Core
from server.kernel.errors import InvalidInputError, NotFoundError

LISTED_PLAN = "PRO+"
MAX_RESULTS = 50


def practitioner_card(user: User, profile: PractitionerProfile) -> dict[str, Any]:
    """A practitioner as patients see them (no contact details: they go through a request)."""
    name = PractitionerName(
        user.first_name, user.last_name, profile.profession, profile.specialty, profile.city
    )
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": name.display,
        "profession": profile.profession,
        "profession_label": PROFESSIONS.get(profile.profession, ""),
        "specialty": profile.specialty,
        "specialty_label": SPECIALTIES.get(profile.specialty or "") or None,
        "city": profile.city,
    }


class DirectoryService:
    """Search of listed practitioners."""

    def __init__(self, core: Core) -> None:
        self._core = core

    @staticmethod
    def professions() -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in PROFESSIONS.items()]

    async def search(
        self,
        actor: Actor,
        *,
        query: str = "",
        profession: str | None = None,
        city: str = "",
        limit: int = 30,
    ) -> list[dict[str, Any]]:
        """Listed practitioners matching every word of `query` (name, city, profession) and filters.

        Raises:
            InvalidInputError: unknown profession code.
        """
        limit = max(1, min(limit, MAX_RESULTS))
        stmt = (
            select(User, PractitionerProfile)
            .join(PractitionerProfile, PractitionerProfile.user_id == User.id)
            .where(
                User.role == "practitioner", User.disabled.is_(False), PractitionerProfile.plan == LISTED_PLAN
            )
        )
        if profession:
            if profession not in PROFESSIONS:
                raise InvalidInputError("Cette profession n'est pas dans la liste.", field="profession")
            stmt = stmt.where(PractitionerProfile.profession == profession)
        for word in words(query)[:6]:
            w = word[:64]
            key = PractitionerProfile.directory_key
            stmt = stmt.where(
                or_(
                    key.startswith(w, autoescape=True),
                    key.contains(" " + w, autoescape=True),
                    key.contains("-" + w, autoescape=True),  # "Saint-Étienne": the key keeps hyphens
                )
            )
        city_words = words(city)[:4]
        # City words are checked here, against the city alone (the key mixes name and city).
        fetch = limit if not city_words else MAX_RESULTS * 4
        stmt = stmt.order_by(User.last_name, User.first_name, User.id).limit(fetch)
        async with self._core.db.read() as session:
            rows = list((await session.execute(stmt)).all())
            if city_words:
                rows = [r for r in rows if _city_matches(city_words, r[1].city)][:limit]
            ids = [u.id for u, _ in rows]
            conversations, requests = await self._relations(session, actor, ids)
        out = []
        for user, profile in rows:
            card = practitioner_card(user, profile)
            card["conversation_id"] = conversations.get(user.id)
            card["request_status"] = requests.get(user.id)
            out.append(card)
        return out

    async def _relations(
        self, session: Any, actor: Actor, ids: list[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        if not ids or not actor.is_patient:
            return {}, {}
        convs = await session.execute(
            select(Conversation.practitioner_id, Conversation.id).where(
                Conversation.patient_id == actor.user_id, Conversation.practitioner_id.in_(ids)
            )
        )
        reqs = await session.execute(
            select(ConnectionRequest.practitioner_id, ConnectionRequest.status).where(
                ConnectionRequest.patient_id == actor.user_id,
                ConnectionRequest.practitioner_id.in_(ids),
                ConnectionRequest.status == "pending",
            )
        )
        return {p: c for p, c in convs.all()}, {p: st for p, st in reqs.all()}

    async def listed(self, practitioner_id: str) -> tuple[User, PractitionerProfile]:
        """A listed practitioner by id.

        Raises:
            NotFoundError: unknown id, not a practitioner, not PRO+ or disabled.
        """
        try:
            key = str(uuid.UUID(practitioner_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError("Ce praticien n'est pas dans l'annuaire.") from None
        async with self._core.db.read() as session:
            row = (
                await session.execute(
                    select(User, PractitionerProfile)
                    .join(PractitionerProfile, PractitionerProfile.user_id == User.id)
                    .where(User.id == key, User.role == "practitioner", User.disabled.is_(False))
                )
            ).first()
        if row is None or row[1].plan != LISTED_PLAN:
            raise NotFoundError("Ce praticien n'est pas dans l'annuaire.")
        return row[0], row[1]


def _city_matches(city_words: list[str], city: str | None) -> bool:
    names = words(fold(city or ""))
    return all(any(n.startswith(w) for n in names) for w in city_words)
