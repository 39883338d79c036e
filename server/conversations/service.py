"""Conversations and messages: idempotent sends, stable order, read state, search, write policy."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.clock import paris_day
from contracts.text import fold, search_terms, terms_text, words
from contracts.wire.accounts import PersonPublic
from contracts.wire.conversations import (
    ConversationEvent,
    ConversationPublic,
    ConversationReadEvent,
    ConversationsPublic,
    ConversationUpdatedEvent,
    EventPublic,
    EventsPublic,
    MessageEvent,
    MessagePublic,
    MessagesPublic,
    PatientWritePublic,
    ReadMarkPublic,
)
from server.accounts.models import PractitionerProfile, User
from server.conversations.models import Conversation, ConversationSearchTerm, Message
from server.conversations.writer import MessageWriter
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ForbiddenError, InvalidInputError, NotFoundError
from server.kernel.values import check_uuid, iso

MAX_BODY = 5000


EMERGENCY = "En cas d'urgence, appelez le 15 (SAMU) ou le 112."


WRITE_MODES = ("always", "never", "until")


SELECTIVITY_CAP = 2000


CONVERSATION_COLUMNS = tuple(Conversation.__table__.columns)


MESSAGE_COLUMNS = tuple(Message.__table__.columns)


LAST_COLUMNS = tuple(c.label(f"lm_{c.name}") for c in MESSAGE_COLUMNS)


PROFILE_COLUMNS = (PractitionerProfile.profession, PractitionerProfile.specialty, PractitionerProfile.city)


def message_public(m: Any, sender_role: str | None) -> MessagePublic:
    """A stored message (ORM object or row) on the wire."""
    return MessagePublic(
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        sender_id=m.sender_id,
        sender_role=sender_role or "system",
        kind=m.kind,
        body=m.body,
        data=m.data,
        created_at=m.created_at,
    )


def person_public(u: Any, profile: Any | None = None) -> PersonPublic:
    """A person of a conversation; a practitioner's profession, specialty and city when `profile` is
    given (left unset otherwise: absent from events, null in REST answers, as before)."""
    if profile is None:
        return PersonPublic(id=u.id, first_name=u.first_name, last_name=u.last_name)
    return PersonPublic(
        id=u.id,
        first_name=u.first_name,
        last_name=u.last_name,
        profession=profile.profession,
        specialty=profile.specialty,
        city=profile.city,
    )


def patient_can_write(conv: Any, now: datetime) -> bool:
    if conv.patient_write == "always":
        return True
    if conv.patient_write == "until" and conv.patient_write_until is not None:
        return bool(paris_day(now) <= conv.patient_write_until)
    return False


@dataclass(frozen=True)
class MessageDraft:
    conversation_id: str
    message_id: str
    body: str
    kind: str = "text"
    data: dict[str, Any] | None = None


class ConversationService:
    """Use-cases on conversations; every method checks that the actor is a participant."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._writer = MessageWriter(core, patient_can_write)

    async def close(self) -> None:
        await self._writer.close()

    @property
    def sends_waiting(self) -> int:
        """Message sends waiting for the writer's next transaction (for the metrics)."""
        return self._writer.waiting

    # ---------------------------------------------------------------- helpers
    async def load_for(self, session: AsyncSession, actor: Actor, conversation_id: str) -> Conversation:
        """The conversation if the actor takes part in it; NotFoundError otherwise (no existence leak)."""
        try:
            key = str(uuid.UUID(conversation_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError("Conversation introuvable.") from None
        conv = await session.get(Conversation, key)
        if conv is None or actor.user_id not in (conv.practitioner_id, conv.patient_id):
            raise NotFoundError("Conversation introuvable.")
        return conv

    async def _summaries(
        self, session: AsyncSession, actor: Actor, convs: Sequence[Any]
    ) -> list[ConversationPublic]:
        """Summaries of conversations (ORM objects or rows), with names and last messages.

        Plain column selects, not ORM entities: a list of 50 costs three small queries and no
        object bookkeeping (this is the search-as-you-type path).
        """
        if not convs:
            return []
        user_ids = {c.practitioner_id for c in convs} | {c.patient_id for c in convs}
        users = {
            u.id: u
            for u in await session.execute(
                select(User.id, User.first_name, User.last_name).where(User.id.in_(user_ids))
            )
        }
        profiles = {
            p.user_id: p
            for p in await session.execute(
                select(
                    PractitionerProfile.user_id,
                    PractitionerProfile.profession,
                    PractitionerProfile.specialty,
                    PractitionerProfile.city,
                ).where(PractitionerProfile.user_id.in_({c.practitioner_id for c in convs}))
            )
        }
        last_ids = [c.last_message_id for c in convs if c.last_message_id]
        lasts = (
            {m.id: m for m in await session.execute(select(*MESSAGE_COLUMNS).where(Message.id.in_(last_ids)))}
            if last_ids
            else {}
        )
        now = self._core.clock()
        return [
            self.summary(
                actor,
                c,
                users[c.practitioner_id],
                profiles.get(c.practitioner_id),
                users[c.patient_id],
                lasts.get(c.last_message_id or ""),
                now,
            )
            for c in convs
        ]

    def summary(
        self,
        actor: Actor,
        c: Any,
        practitioner: Any,
        profile: Any | None,
        patient: Any,
        last: Any | None,
        now: datetime,
    ) -> ConversationPublic:
        """The public view of a conversation for `actor` (objects or rows with the same names)."""
        mine_practitioner = actor.user_id == c.practitioner_id
        last_role = None
        if last is not None and last.sender_id is not None:
            last_role = "practitioner" if last.sender_id == c.practitioner_id else "patient"
        return ConversationPublic(
            id=c.id,
            practitioner=person_public(practitioner, profile),
            patient=person_public(patient),
            created_at=c.created_at,
            updated_at=c.updated_at,
            last_seq=c.last_seq,
            last_message=message_public(last, last_role) if last is not None else None,
            unread=c.practitioner_unread if mine_practitioner else c.patient_unread,
            read_seq=c.practitioner_read_seq if mine_practitioner else c.patient_read_seq,
            other_read_seq=c.patient_read_seq if mine_practitioner else c.practitioner_read_seq,
            patient_write=PatientWritePublic(mode=c.patient_write, until=c.patient_write_until),
            patient_can_write=patient_can_write(c, now),
        )

    # ---------------------------------------------------------------- creation (invitations, requests)
    async def ensure_conversation(
        self, tx: Tx, practitioner_id: str, patient_id: str
    ) -> tuple[Conversation, bool]:
        """The pair's conversation, created (with its search terms and events) if missing."""
        conv = await tx.session.scalar(
            select(Conversation).where(
                Conversation.practitioner_id == practitioner_id, Conversation.patient_id == patient_id
            )
        )
        if conv is not None:
            return conv, False
        patient = await tx.session.get(User, patient_id)
        if patient is None or patient.role != "patient":
            raise NotFoundError("Patient introuvable.")
        conv = Conversation(
            id=str(uuid.uuid4()),
            practitioner_id=practitioner_id,
            patient_id=patient_id,
            created_at=tx.now,
            updated_at=tx.now,
            last_seq=0,
            practitioner_read_seq=0,
            patient_read_seq=0,
            practitioner_unread=0,
            patient_unread=0,
            patient_write="always",
        )
        tx.session.add(conv)
        await tx.session.flush()
        await self._index_names(tx.session, conv, patient)
        practitioner = await tx.session.get(User, practitioner_id)
        assert practitioner is not None
        profile = await tx.session.get(PractitionerProfile, practitioner_id)
        for viewer in (practitioner_id, patient_id):
            role = "practitioner" if viewer == practitioner_id else "patient"
            summary = self.summary(Actor(viewer, role), conv, practitioner, profile, patient, None, tx.now)
            await tx.emit([viewer], "conversation.created", ConversationEvent(conversation=summary))
        await tx.audit(Actor(None, "system"), "conversation.create", "conversation", conv.id)
        return conv, True

    async def _index_names(self, session: AsyncSession, conv: Conversation, patient: User) -> None:
        await session.execute(
            delete(ConversationSearchTerm).where(ConversationSearchTerm.conversation_id == conv.id)
        )
        sort_key = fold(f"{patient.last_name} {patient.first_name}")[:220]
        terms = search_terms(patient.first_name, patient.last_name)
        text_of_terms = terms_text(terms)
        if terms:
            await session.execute(
                insert(ConversationSearchTerm),
                [
                    {
                        "practitioner_id": conv.practitioner_id,
                        "term": t,
                        "conversation_id": conv.id,
                        "sort_key": sort_key,
                        "terms_text": text_of_terms,
                    }
                    for t in terms
                ],
            )

    # ---------------------------------------------------------------- reads
    async def list_for(
        self, actor: Actor, *, query: str = "", limit: int = 50, before: str | None = None
    ) -> ConversationsPublic:
        """The actor's conversations.

        Without `query`: most recent first, paged with `before` (`next_before` of a full page:
        « <updated_at>|<id> » of its last item).
        With `query` (practitioner): the first `limit` matches of the patient's name, each query
        word a prefix of a name word, ordered by the matched name; no paging (refine the query).
        """
        limit = max(1, min(limit, 200))
        q_words = list(dict.fromkeys(w[:64] for w in words(query)[:6]))
        if q_words and actor.is_practitioner:
            now = self._core.clock()
            out = await self._core.db.run_read(lambda conn: self._search(conn, actor, q_words, limit, now))
        else:
            async with self._core.db.read() as session:
                convs = await self._recent(session, actor, limit, before)
                out = await self._summaries(session, actor, convs)
        if q_words and not actor.is_practitioner:  # a patient has few conversations: filter here
            out = [c for c in out if _matches(q_words, c.practitioner)]
        self._core.audit_read(actor, "conversation.list", "user", actor.user_id or "")
        last = out[-1] if out and len(out) == limit and not query else None
        next_before = f"{iso(last.updated_at)}|{last.id}" if last is not None else None
        return ConversationsPublic(items=out, next_before=next_before)

    async def _recent(
        self, session: AsyncSession, actor: Actor, limit: int, before: str | None
    ) -> list[Conversation]:
        role_col = Conversation.practitioner_id if actor.is_practitioner else Conversation.patient_id
        stmt = select(Conversation).where(role_col == actor.user_id)
        if before:
            stamp, _, last_id = before.partition("|")
            try:
                cursor = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInputError("Curseur de pagination invalide.", field="before") from None
            if cursor.tzinfo is None:
                raise InvalidInputError("Curseur de pagination invalide.", field="before")
            # (updated_at, id) keyset: no item skipped when several share a timestamp.
            stmt = stmt.where(
                or_(
                    Conversation.updated_at < cursor,
                    and_(Conversation.updated_at == cursor, Conversation.id > last_id),
                )
            )
        stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id).limit(limit)
        return list((await session.execute(stmt)).scalars())

    def _search(
        self, conn: Connection, actor: Actor, q_words: list[str], limit: int, now: datetime
    ) -> list[ConversationPublic]:
        """Summaries of the conversations whose patient name has a word starting with each query word.

        The most selective query word (fewest index entries, counted up to a cap) drives a range
        scan of the covering `(practitioner, term, sort_key, conversation, terms_text)` index in
        name order; every other word is checked on the same index entry (`terms_text LIKE
        '% word%'`), so matching is one bounded walk of one B-tree. The matches come back joined
        with their patient and last message in the same query: search as you type costs two or
        three statements, whatever the number of conversations.
        """
        practitioner_id = actor.user_id or ""
        terms = ConversationSearchTerm

        def in_range(word: str) -> Any:
            upper = word + "\uffff"
            return and_(terms.practitioner_id == practitioner_id, terms.term >= word, terms.term < upper)

        driver = q_words[0]
        if len(q_words) > 1:
            counts = []
            for word in q_words:
                capped = select(terms.conversation_id).where(in_range(word)).limit(SELECTIVITY_CAP).subquery()
                found = conn.scalar(select(func.count()).select_from(capped))
                counts.append((int(found or 0), word))
            driver = min(counts)[1]
        matches = select(terms.conversation_id, terms.term, terms.sort_key).where(in_range(driver))
        for word in q_words:
            if word != driver:
                matches = matches.where(terms.terms_text.contains(" " + word, autoescape=True))
        hits = (
            matches.order_by(terms.term, terms.sort_key, terms.conversation_id).limit(limit + 10).subquery()
        )
        stmt = (
            select(
                *CONVERSATION_COLUMNS,
                User.first_name.label("p_first"),
                User.last_name.label("p_last"),
                *LAST_COLUMNS,
            )
            .select_from(hits)
            .join(Conversation, Conversation.id == hits.c.conversation_id)
            .join(User, User.id == Conversation.patient_id)
            .outerjoin(Message, Message.id == Conversation.last_message_id)
            .order_by(hits.c.term, hits.c.sort_key, hits.c.conversation_id)
        )
        rows, seen = [], set()
        for row in conn.execute(stmt):
            if row.id not in seen:  # a name may match the driving word twice
                seen.add(row.id)
                rows.append(row)
        rows = rows[:limit]
        me = conn.execute(
            select(User.id, User.first_name, User.last_name, *PROFILE_COLUMNS)
            .outerjoin(PractitionerProfile, PractitionerProfile.user_id == User.id)
            .where(User.id == practitioner_id)
        ).one()
        out = []
        for r in rows:
            patient = SimpleNamespace(id=r.patient_id, first_name=r.p_first, last_name=r.p_last)
            last = SimpleNamespace(**{c.name: getattr(r, f"lm_{c.name}") for c in MESSAGE_COLUMNS})
            out.append(self.summary(actor, r, me, me, patient, last if r.lm_id else None, now))
        return out

    async def get(self, actor: Actor, conversation_id: str) -> ConversationPublic:
        async with self._core.db.read() as session:
            conv = await self.load_for(session, actor, conversation_id)
            (summary,) = await self._summaries(session, actor, [conv])
        self._core.audit_read(actor, "conversation.read", "conversation", conv.id)
        return summary

    async def participants(self, actor: Actor, conversation_id: str) -> tuple[str, str]:
        """(practitioner_id, patient_id) of a conversation the actor takes part in."""
        async with self._core.db.read() as session:
            conv = await self.load_for(session, actor, conversation_id)
        return conv.practitioner_id, conv.patient_id

    async def messages(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> MessagesPublic:
        """A page of messages in seq order: the latest ones, those before `before`, or after `after`."""
        limit = max(1, min(limit, 200))
        async with self._core.db.read() as session:
            conv = await self.load_for(session, actor, conversation_id)
            stmt = select(Message).where(Message.conversation_id == conv.id)
            if after is not None:
                stmt = stmt.where(Message.seq > after).order_by(Message.seq).limit(limit)
            else:
                if before is not None:
                    stmt = stmt.where(Message.seq < before)
                stmt = stmt.order_by(Message.seq.desc()).limit(limit)
            rows = list((await session.execute(stmt)).scalars())
        rows.sort(key=lambda m: m.seq)
        self._core.audit_read(actor, "message.list", "conversation", conv.id)
        return MessagesPublic(items=[message_public(m, self._role_of(conv, m.sender_id)) for m in rows])

    @staticmethod
    def _role_of(conv: Conversation, sender_id: str | None) -> str:
        if sender_id is None:
            return "system"
        return "practitioner" if sender_id == conv.practitioner_id else "patient"

    # ---------------------------------------------------------------- writes
    async def send(self, actor: Actor, draft: MessageDraft) -> tuple[MessagePublic, bool]:
        """Store a message once; a retry with the same id returns the stored one.

        Returns:
            The message and whether it was created by this call.

        Raises:
            NotFoundError: unknown conversation, or one the actor is not part of.
            ForbiddenError: the practitioner closed the conversation to the patient.
            ConflictError: the id is already used by a different message.
        """
        message_id = check_uuid(draft.message_id, "id")
        try:  # the writer reads the conversations of a whole batch: only canonical ids reach it
            conversation_id = str(uuid.UUID(draft.conversation_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError("Conversation introuvable.") from None
        body = draft.body.strip() if draft.kind == "text" else draft.body
        if draft.kind == "text" and not body:
            raise InvalidInputError("Le message est vide.", code="empty_message", field="body")
        if len(body) > MAX_BODY:
            raise InvalidInputError(
                f"Le message est trop long ({MAX_BODY} caractères au plus).",
                code="message_too_long",
                field="body",
            )
        return await self._writer.submit(actor, conversation_id, message_id, body, draft.kind, draft.data)

    async def append(
        self,
        tx: Tx,
        conv: Conversation,
        *,
        sender: Actor,
        body: str,
        kind: str = "text",
        data: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> MessagePublic:
        """Append a message (user or system) to a conversation inside `tx`, with its events and audit."""
        seq = (
            await tx.session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values(last_seq=Conversation.last_seq + 1)
                .returning(Conversation.last_seq)
            )
        ).scalar_one()
        mid = message_id or str(uuid.uuid4())
        sender_id = sender.user_id
        await tx.session.execute(
            insert(Message).values(
                id=mid,
                conversation_id=conv.id,
                seq=seq,
                sender_id=sender_id,
                kind=kind,
                body=body,
                data=data,
                created_at=tx.now,
            )
        )
        values: dict[str, Any] = {"updated_at": tx.now, "last_message_id": mid}
        if sender_id == conv.practitioner_id:
            values.update(
                practitioner_read_seq=seq,
                practitioner_unread=0,
                patient_unread=Conversation.patient_unread + 1,
            )
        elif sender_id == conv.patient_id:
            values.update(
                patient_read_seq=seq,
                patient_unread=0,
                practitioner_unread=Conversation.practitioner_unread + 1,
            )
        else:  # system messages are unread for both
            values.update(
                patient_unread=Conversation.patient_unread + 1,
                practitioner_unread=Conversation.practitioner_unread + 1,
            )
        await tx.session.execute(update(Conversation).where(Conversation.id == conv.id).values(**values))
        role = self._role_of(conv, sender_id)
        public = MessagePublic(
            id=mid,
            conversation_id=conv.id,
            seq=seq,
            sender_id=sender_id,
            sender_role=role,
            kind=kind,
            body=body,
            data=data,
            created_at=tx.now,
        )
        await tx.emit(
            [conv.practitioner_id, conv.patient_id], "message.created", MessageEvent(message=public)
        )
        await tx.audit(sender, "message.create", "message", mid)
        return public

    async def mark_read(self, actor: Actor, conversation_id: str, seq: int) -> ReadMarkPublic:
        """Move the actor's read mark up to `seq` (never backwards); tell the other participant."""
        if seq < 0:
            raise InvalidInputError("Numéro de message invalide.", field="seq")
        async with self._core.transaction() as tx:
            conv = await self.load_for(tx.session, actor, conversation_id)
            seq = min(seq, conv.last_seq)
            is_pr = actor.user_id == conv.practitioner_id
            current = conv.practitioner_read_seq if is_pr else conv.patient_read_seq
            if seq <= current:
                return ReadMarkPublic(conversation_id=conv.id, read_seq=current)
            other_id = conv.patient_id if is_pr else conv.practitioner_id
            unread = await tx.session.scalar(
                select(func.count()).where(
                    Message.conversation_id == conv.id,
                    Message.seq > seq,
                    or_(Message.sender_id.is_(None), Message.sender_id == other_id),
                )
            )
            col = "practitioner" if is_pr else "patient"
            await tx.session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values({f"{col}_read_seq": seq, f"{col}_unread": int(unread or 0)})
            )
            event = ConversationReadEvent(
                conversation_id=conv.id, reader_role=actor.role, read_seq=seq, unread=int(unread or 0)
            )
            await tx.emit([conv.practitioner_id, conv.patient_id], "conversation.read", event)
        return ReadMarkPublic(conversation_id=conv.id, read_seq=seq)

    async def set_patient_write(
        self, actor: Actor, conversation_id: str, mode: str, until: date | None
    ) -> ConversationPublic:
        """The practitioner decides whether the patient may write: always, never, or until a day.

        Returns:
            The conversation as it is now.
        """
        if not actor.is_practitioner:
            raise ForbiddenError("Seul le praticien peut modifier ce réglage.")
        if mode not in WRITE_MODES:
            raise InvalidInputError("Le réglage doit être « always », « never » ou « until ».", field="mode")
        if mode == "until":
            if until is None:
                raise InvalidInputError("Indiquez jusqu'à quelle date le patient peut écrire.", field="until")
            if until < paris_day(self._core.clock()):
                raise InvalidInputError("La date choisie est déjà passée.", field="until")
        else:
            until = None
        async with self._core.transaction() as tx:
            conv = await self.load_for(tx.session, actor, conversation_id)
            await tx.session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values(patient_write=mode, patient_write_until=until)
            )
            conv.patient_write, conv.patient_write_until = mode, until
            event = ConversationUpdatedEvent(
                conversation_id=conv.id,
                patient_write=PatientWritePublic(mode=conv.patient_write, until=until),
                patient_can_write=patient_can_write(conv, tx.now),
            )
            await tx.emit([conv.practitioner_id, conv.patient_id], "conversation.updated", event)
            await tx.audit(actor, "conversation.update", "conversation", conv.id)
        return await self.get(actor, conversation_id)

    async def events(self, user_id: str, after: int, limit: int = 500) -> EventsPublic:
        """Persisted events after `after` for a user (REST catch-up; the socket does the same)."""
        async with self._core.db.read() as session:
            rows = await self._core.read_user_events(session, user_id, after, max(1, min(limit, 1000)))
        return EventsPublic(
            items=[EventPublic(type="event", seq=e.seq, event=e.type, data=e.payload) for e in rows]
        )


def _matches(q_words: list[str], person: PersonPublic) -> bool:
    names = words(f"{person.first_name} {person.last_name}")
    return all(any(n.startswith(w) for n in names) for w in q_words)
