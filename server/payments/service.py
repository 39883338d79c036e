"""Payment requests: asked by the practitioner, paid online or recorded, cancelled, refunded.

Every change of a request is one transaction: the new status, the ``payment.created`` /
``payment.updated`` event to both participants and the audit entry; when it is paid, the system
message « <Prénom Nom> a réglé la téléconsultation du <date> » as well (ASVS 2.3.3). A call to
the provider (checkout page, expiry, refund) happens before that transaction, never inside it: if
the provider fails, nothing is changed; if the request changed meanwhile, the transaction says so.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.wire.payments import PaymentEvent, PaymentNoticePublic, PaymentPublic, PaymentsPublic
from server.accounts.models import PractitionerProfile, User
from server.billing.models import Claim
from server.conversations.models import Conversation
from server.conversations.service import ConversationService
from server.kernel.core import SYSTEM, Actor, Core, Tx
from server.kernel.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from server.kernel.values import check_label, check_uuid, euros, paris_days, parse_amount
from server.payment_providers.ports import (
    CheckoutRequest,
    PaymentProvider,
    PaymentProviderError,
    RefundRequest,
)
from server.payments.models import PaymentRequest
from server.payments.rules import (
    NOT_FOUND,
    STATUS_LABELS,
    check_method,
    paid_message,
    payment_public,
    provider_error,
    refunded_message,
    state_error,
)

log = logging.getLogger(__name__)

CHECKOUT_REUSE_MARGIN = timedelta(minutes=10)


class PaymentService:
    """Use-cases of payment requests; only the conversation's two participants ever see one."""

    def __init__(self, core: Core, conversations: ConversationService, provider: PaymentProvider) -> None:
        self._core = core
        self._conversations = conversations
        self._provider = provider

    @property
    def provider(self) -> PaymentProvider:
        return self._provider

    # ---------------------------------------------------------------- helpers
    async def practitioner_of(self, session: AsyncSession, payment_id: str) -> str | None:
        """Who asked the payment request `payment_id` (None: no such request)."""
        try:
            key = str(uuid.UUID(payment_id))
        except (ValueError, AttributeError, TypeError):
            return None
        row = await session.get(PaymentRequest, key)
        return None if row is None else row.practitioner_id

    async def paid_cents(self, session: AsyncSession, payment_id: str) -> int | None:
        """What the patient paid through request `payment_id` (None: not paid, or no such request)."""
        try:
            key = str(uuid.UUID(payment_id))
        except (ValueError, AttributeError, TypeError):
            return None
        row = await session.get(PaymentRequest, key)
        return row.amount_cents if row is not None and row.status == "paid" else None

    async def public(self, session: AsyncSession, row: PaymentRequest, viewer_role: str) -> PaymentPublic:
        practitioner = await session.get(User, row.practitioner_id)
        assert practitioner is not None
        profile = await session.get(PractitionerProfile, row.practitioner_id)
        claim = await session.get(Claim, row.claim_id) if row.claim_id else None
        act_at = claim.performed_at if claim is not None else None
        return payment_public(row, viewer_role, practitioner, profile, self._provider.online, act_at)

    async def emit(self, tx: Tx, row: PaymentRequest, event: str) -> None:
        """`event` to both participants, each with the view of their role.

        In user-id order, as `Tx.emit` locks users' event counters: the same order as every other
        transaction, so two of them never wait on each other (no deadlock on PostgreSQL).
        """
        viewers = sorted(((row.practitioner_id, "practitioner"), (row.patient_id, "patient")))
        for user_id, role in viewers:
            await tx.emit([user_id], event, PaymentEvent(payment=await self.public(tx.session, row, role)))

    async def _load(
        self, session: AsyncSession, actor: Actor, payment_id: str, *, lock: bool = False
    ) -> PaymentRequest:
        """The request if the actor takes part in its conversation; NotFoundError otherwise."""
        try:
            key = str(uuid.UUID(payment_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError(NOT_FOUND) from None
        stmt = select(PaymentRequest).where(PaymentRequest.id == key)
        row = await session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None or actor.user_id not in (row.practitioner_id, row.patient_id):
            raise NotFoundError(NOT_FOUND)
        return row

    async def _load_own(
        self, session: AsyncSession, actor: Actor, payment_id: str, *, lock: bool = False
    ) -> PaymentRequest:
        """The request if the actor is its practitioner (a patient gets 403, anyone else 404)."""
        row = await self._load(session, actor, payment_id, lock=lock)
        if row.practitioner_id != actor.user_id:
            raise ForbiddenError("Seul le praticien peut modifier cette demande de paiement.")
        return row

    async def consultation_day(self, session: AsyncSession, row: PaymentRequest) -> datetime:
        """The day the fee is for: the linked claim's act, else the day it was asked."""
        if row.claim_id is not None:
            claim = await session.get(Claim, row.claim_id)
            if claim is not None:
                return claim.performed_at
        return row.created_at

    # ---------------------------------------------------------------- creation and reads
    async def create(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        amount: object,
        label: str | None,
        claim_id: str | None = None,
        payment_id: str | None = None,
    ) -> tuple[PaymentPublic, bool]:
        """Ask the patient of a conversation to pay `amount` euros for `label`.

        A retry with the same client `payment_id` returns the stored request (created False).

        Raises:
            InvalidInputError: bad amount or label (nothing stored).
            NotFoundError: conversation or claim unknown, or not the practitioner's.
            ConflictError: the id is already used by another request.
        """
        cents = parse_amount(amount)
        text = check_label(label)
        key = check_uuid(payment_id, "id") if payment_id else str(uuid.uuid4())
        claim_key = check_uuid(claim_id, "claim_id") if claim_id else None
        try:
            async with self._core.transaction() as tx:
                conv = await self._conversations.load_for(tx.session, actor, conversation_id)
                if conv.practitioner_id != actor.user_id:
                    raise ForbiddenError("Seul le praticien peut demander un paiement.")
                existing = await tx.session.get(PaymentRequest, key)
                if existing is not None:
                    return await self._retried(tx.session, existing, conv, (cents, text, claim_key)), False
                if claim_key is not None:
                    await self._check_claim(tx.session, actor, claim_key)
                profile = await tx.session.get(PractitionerProfile, actor.user_id)
                row = PaymentRequest(
                    id=key,
                    conversation_id=conv.id,
                    practitioner_id=conv.practitioner_id,
                    patient_id=conv.patient_id,
                    claim_id=claim_key,
                    amount_cents=cents,
                    currency="EUR",
                    label=text,
                    sector=profile.sector if profile is not None else "non_applicable",
                    status="pending",
                    provider=self._provider.name,
                    checkouts_created=0,
                    created_at=tx.now,
                    updated_at=tx.now,
                )
                tx.session.add(row)
                await tx.session.flush()
                await self.emit(tx, row, "payment.created")
                await tx.audit(actor, "payment.create", "payment", row.id)
                public = await self.public(tx.session, row, "practitioner")
        except IntegrityError:
            # A concurrent retry with the same id committed first (PostgreSQL): answer with it.
            async with self._core.db.read() as session:
                conv = await self._conversations.load_for(session, actor, conversation_id)
                existing = await session.get(PaymentRequest, key)
                if existing is None:
                    raise
                return await self._retried(session, existing, conv, (cents, text, claim_key)), False
        log.info("payment %s asked in conversation %s", key, conv.id)
        return public, True

    async def _retried(
        self,
        session: AsyncSession,
        row: PaymentRequest,
        conv: Conversation,
        content: tuple[int, str, str | None],
    ) -> PaymentPublic:
        """The stored request of a retry; 409 when the id is another request's (nothing changes)."""
        if row.conversation_id != conv.id or (row.amount_cents, row.label, row.claim_id) != content:
            raise ConflictError("Cet identifiant de demande de paiement est déjà utilisé.", code="id_in_use")
        return await self.public(session, row, "practitioner")

    async def _check_claim(self, session: AsyncSession, actor: Actor, claim_id: str) -> None:
        claim = await session.get(Claim, claim_id)
        if claim is None or claim.practitioner_id != actor.user_id:
            raise NotFoundError("Demande de prise en charge introuvable.", field="claim_id")

    async def list_for_conversation(self, actor: Actor, conversation_id: str) -> PaymentsPublic:
        """The conversation's payment requests, newest first, for either participant."""
        async with self._core.db.read() as session:
            conv = await self._conversations.load_for(session, actor, conversation_id)
            rows = (
                await session.scalars(
                    select(PaymentRequest)
                    .where(PaymentRequest.conversation_id == conv.id)
                    .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
                    .limit(200)
                )
            ).all()
            items = [await self.public(session, row, actor.role) for row in rows]
        self._core.audit_read(actor, "payment.list", "conversation", conv.id)
        return PaymentsPublic(items=items)

    async def list_for_practitioner(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 200,
    ) -> PaymentsPublic:
        """All the practitioner's payment requests, newest first (the billing view).

        Days are French calendar days of the request.
        """
        if status is not None and status not in STATUS_LABELS:
            raise InvalidInputError("Statut de paiement inconnu.", field="status")
        stmt = select(PaymentRequest).where(
            PaymentRequest.practitioner_id == actor.user_id,
            *paris_days(PaymentRequest.created_at, date_from, date_to),
        )
        if status is not None:
            stmt = stmt.where(PaymentRequest.status == status)
        stmt = stmt.order_by(PaymentRequest.created_at.desc(), PaymentRequest.id).limit(
            max(1, min(limit, 500))
        )
        async with self._core.db.read() as session:
            rows = (await session.scalars(stmt)).all()
            items = [await self.public(session, row, actor.role) for row in rows]
        self._core.audit_read(actor, "payment.list", "user", actor.user_id or "")
        return PaymentsPublic(items=items)

    async def get(self, actor: Actor, payment_id: str) -> PaymentPublic:
        async with self._core.db.read() as session:
            row = await self._load(session, actor, payment_id)
            public = await self.public(session, row, actor.role)
        self._core.audit_read(actor, "payment.read", "payment", row.id)
        return public

    # ---------------------------------------------------------------- status changes
    async def _close_checkout(self, row: PaymentRequest) -> None:
        """Expire an open checkout page before the request changes; ConflictError if it was paid."""
        if row.checkout_session_id is None or row.provider != self._provider.name:
            return
        try:
            outcome = await self._provider.expire_checkout(row.checkout_session_id)
        except PaymentProviderError as exc:
            raise provider_error(exc) from None
        if outcome == "complete":
            raise ConflictError(
                "Le patient vient de régler ce paiement en ligne : il sera marqué payé dans un instant.",
                code="payment_in_progress",
            )

    async def cancel(self, actor: Actor, payment_id: str) -> PaymentPublic:
        """Cancel a pending request (its checkout page, if any, is closed first)."""
        async with self._core.db.read() as session:
            row = await self._load_own(session, actor, payment_id)
            if row.status != "pending":
                raise state_error(row)
        await self._close_checkout(row)
        async with self._core.transaction() as tx:
            row = await self._load_own(tx.session, actor, payment_id, lock=True)
            if row.status != "pending":
                raise state_error(row)
            row.status, row.cancelled_at, row.updated_at = "cancelled", tx.now, tx.now
            await tx.session.flush()
            await self.emit(tx, row, "payment.updated")
            await tx.audit(actor, "payment.cancel", "payment", row.id)
            return await self.public(tx.session, row, "practitioner")

    async def mark_paid(self, actor: Actor, payment_id: str, method: str) -> PaymentPublic:
        """The practitioner records a payment made to them (card in person, cheque, transfer, cash)."""
        check_method(method)
        async with self._core.db.read() as session:
            row = await self._load_own(session, actor, payment_id)
            if row.status != "pending":
                raise state_error(row)
        await self._close_checkout(row)
        async with self._core.transaction() as tx:
            row = await self._load_own(tx.session, actor, payment_id, lock=True)
            if row.status != "pending":
                raise state_error(row)
            await self.settle(tx, row, method=method, actor=actor)
            return await self.public(tx.session, row, "practitioner")

    async def settle(
        self,
        tx: Tx,
        row: PaymentRequest,
        *,
        method: str,
        actor: Actor,
        provider_payment_id: str | None = None,
    ) -> None:
        """Mark `row` paid inside `tx`: status, system message, events to both sides, audit."""
        row.status, row.method, row.paid_at, row.updated_at = "paid", method, tx.now, tx.now
        if provider_payment_id:
            row.provider_payment_id = provider_payment_id
        await tx.session.flush()
        await self._system_message(tx, row, "paid")
        await self.emit(tx, row, "payment.updated")
        await tx.audit(actor, "payment.paid", "payment", row.id)

    async def _system_message(self, tx: Tx, row: PaymentRequest, status: str) -> None:
        conv = await tx.session.get(Conversation, row.conversation_id)
        patient = await tx.session.get(User, row.patient_id)
        assert conv is not None and patient is not None
        day = await self.consultation_day(tx.session, row)
        body = paid_message(patient, day) if status == "paid" else refunded_message(row, day)
        notice = PaymentNoticePublic(id=row.id, status=status, amount=euros(row.amount_cents))
        data = {"payment": notice.model_dump(mode="json")}
        await self._conversations.append(tx, conv, sender=SYSTEM, body=body, kind="system", data=data)

    async def refund(self, actor: Actor, payment_id: str) -> PaymentPublic:
        """Give a paid request back: through the provider when paid online, else recorded."""
        async with self._core.db.read() as session:
            row = await self._load_own(session, actor, payment_id)
        if row.status != "paid":
            raise ConflictError("Seul un paiement réglé peut être remboursé.", code="payment_not_paid")
        if row.method == "online":
            if row.provider != self._provider.name:
                raise ConflictError(
                    "Ce paiement a été réglé en ligne avec un service de paiement qui n'est plus configuré : "
                    "remboursez-le depuis ce service.",
                    code="provider_changed",
                )
            request = RefundRequest(
                payment_id=row.id,
                provider_payment_id=row.provider_payment_id,
                amount_cents=row.amount_cents,
                idempotency_key=f"teleconsult-refund-{row.id}",
            )
            try:
                await self._provider.refund(request)
            except PaymentProviderError as exc:
                raise provider_error(exc) from None
        async with self._core.transaction() as tx:
            row = await self._load_own(tx.session, actor, payment_id, lock=True)
            if row.status == "paid":  # else a webhook already recorded the refund
                await self.mark_refunded(tx, row, actor)
            return await self.public(tx.session, row, "practitioner")

    async def mark_refunded(self, tx: Tx, row: PaymentRequest, actor: Actor) -> None:
        row.status, row.refunded_at, row.updated_at = "refunded", tx.now, tx.now
        await tx.session.flush()
        await self._system_message(tx, row, "refunded")
        await self.emit(tx, row, "payment.updated")
        await tx.audit(actor, "payment.refund", "payment", row.id)

    # ---------------------------------------------------------------- online payment
    async def checkout(self, actor: Actor, payment_id: str) -> str:
        """The address of the checkout page where the patient pays a pending request.

        Raises:
            NotFoundError: not this patient's request.
            ConflictError: not pending, or paid directly to the practitioner (offline).
            PaymentProviderUnavailableError: the provider failed; nothing was changed.
        """
        async with self._core.db.read() as session:
            row = await self._load(session, actor, payment_id)
        if row.patient_id != actor.user_id:
            raise ForbiddenError("Seul le patient peut régler cette demande de paiement.")
        if row.status != "pending":
            raise state_error(row)
        now = self._core.clock()
        if not self._provider.online or row.provider != self._provider.name:
            raise provider_error(PaymentProviderError("not_supported"))
        if (
            row.checkout_url
            and row.checkout_expires_at
            and row.checkout_expires_at > now + CHECKOUT_REUSE_MARGIN
        ):
            self._core.audit_read(actor, "payment.checkout", "payment", row.id)
            return row.checkout_url
        attempt = row.checkouts_created + 1
        base = self._core.settings.effective_public_url
        page = f"{base}/conversations/{row.conversation_id}"
        try:
            session_info = await self._provider.create_checkout(
                CheckoutRequest(
                    payment_id=row.id,
                    amount_cents=row.amount_cents,
                    currency=row.currency,
                    label=row.label,
                    success_url=f"{page}?paiement=reussi",
                    cancel_url=f"{page}?paiement=abandonne",
                    idempotency_key=f"teleconsult-checkout-{row.id}-{attempt}",
                )
            )
        except PaymentProviderError as exc:
            raise provider_error(exc) from None
        async with self._core.transaction() as tx:
            row = await self._load(tx.session, actor, payment_id, lock=True)
            if row.status != "pending":
                raise state_error(row)
            row.checkout_session_id = session_info.session_id
            row.checkout_url = session_info.url
            row.checkout_expires_at = session_info.expires_at or (tx.now + timedelta(hours=23))
            row.checkouts_created = max(row.checkouts_created, attempt)
            if session_info.provider_payment_id:
                row.provider_payment_id = session_info.provider_payment_id
            row.updated_at = tx.now
            await tx.audit(actor, "payment.checkout", "payment", row.id)
        return session_info.url
