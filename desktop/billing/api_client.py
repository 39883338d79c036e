"""REST client of the billing routes: claims, notes d'honoraires, payment requests, and `/me`.

A client of its own beside `ApiClient`, on the same plumbing (`desktop.api.http.JsonHttp`): the
server's French `detail` as an `ApiError`, network failures as `ServerUnreachableError`, the
bearer token read at each request (a re-authentication replaces it without rebuilding this
client), every answer read with its `contracts.wire` model. Money is sent as a string of euros
(`"25.00"`): the server refuses JSON numbers. Claims travel as `contracts.billing.document.ClaimDocument`,
the model the server reads them with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from contracts.billing.document import ClaimDocument
from contracts.wire.accounts import UserPublic
from contracts.wire.billing import ClaimPublic, ClaimsPublic, NotePublic
from contracts.wire.payments import PaymentPublic, PaymentsPublic
from desktop.api.http import JsonHttp


def money(amount: Decimal) -> str:
    """`Decimal("25")` → `"25.00"`, the wire form of an amount."""
    return f"{amount:.2f}"


class BillingApiClient(JsonHttp):
    """Claims, notes and payment requests of the signed-in practitioner."""

    def __init__(
        self,
        server_url: str,
        token: Callable[[], str | None],
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(server_url, token, timeout=timeout, transport=transport)

    # ---------------------------------------------------------------- account
    async def me(self) -> UserPublic:
        """The practitioner's account with the fields billing needs (sector, RPPS, AM number, address)."""
        return await self._model(UserPublic, "GET", "/me")

    # ---------------------------------------------------------------- claims
    async def create_claim(self, document: ClaimDocument, conversation_id: str | None) -> ClaimPublic:
        """Store a new claim (brouillon or prête); an identical retry answers the stored one."""
        body = {**document.to_dict(), "conversation_id": conversation_id}
        return await self._model(ClaimPublic, "POST", "/billing/claims", json=body)

    async def update_claim(
        self, claim_id: str, document: ClaimDocument, conversation_id: str | None, version: int | None
    ) -> ClaimPublic:
        """Replace a draft's content (409 `claim_locked` once it is no longer a draft)."""
        body: dict[str, Any] = {**document.to_dict(), "conversation_id": conversation_id}
        if version is not None:
            body["version"] = version
        return await self._model(ClaimPublic, "PUT", f"/billing/claims/{claim_id}", json=body)

    async def claim(self, claim_id: str) -> ClaimPublic:
        return await self._model(ClaimPublic, "GET", f"/billing/claims/{claim_id}")

    async def claims(
        self,
        *,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 200,
    ) -> list[ClaimPublic]:
        """Claims, latest act first; days are French calendar days of the act."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if day_from is not None:
            params["from"] = day_from.isoformat()
        if day_to is not None:
            params["to"] = day_to.isoformat()
        return (await self._model(ClaimsPublic, "GET", "/billing/claims", params=params)).items

    async def set_claim_status(self, claim_id: str, status: str, note: str | None = None) -> ClaimPublic:
        body = {"status": status}
        if note:
            body["note"] = note
        return await self._model(ClaimPublic, "POST", f"/billing/claims/{claim_id}/status", json=body)

    # ---------------------------------------------------------------- notes d'honoraires
    async def create_note(
        self,
        note_id: str,
        total: Decimal,
        *,
        label: str | None = None,
        conversation_id: str | None = None,
        claim_id: str | None = None,
        payment_id: str | None = None,
    ) -> NotePublic:
        """Allocate the note's number (`2026-0042`); the same `note_id` again returns the same number."""
        body = {"id": note_id, "total": money(total)}
        for key, value in (
            ("label", label),
            ("conversation_id", conversation_id),
            ("claim_id", claim_id),
            ("payment_id", payment_id),
        ):
            if value:
                body[key] = value
        return await self._model(NotePublic, "POST", "/billing/notes", json=body)

    async def link_note(self, note_id: str, attachment_id: str) -> NotePublic:
        """Attach the note's PDF, already uploaded into the note's conversation."""
        body = {"attachment_id": attachment_id}
        return await self._model(NotePublic, "PATCH", f"/billing/notes/{note_id}", json=body)

    # ---------------------------------------------------------------- payment requests
    async def create_payment(
        self, conversation_id: str, payment_id: str, amount: Decimal, label: str, claim_id: str | None
    ) -> PaymentPublic:
        """Ask the patient to pay; idempotent on `payment_id`."""
        body = {"id": payment_id, "amount": money(amount), "label": label}
        if claim_id:
            body["claim_id"] = claim_id
        return await self._model(
            PaymentPublic, "POST", f"/conversations/{conversation_id}/payments", json=body
        )

    async def payments(self, conversation_id: str) -> list[PaymentPublic]:
        """The conversation's payment requests, newest first."""
        path = f"/conversations/{conversation_id}/payments"
        return (await self._model(PaymentsPublic, "GET", path)).items

    async def practitioner_payments(
        self,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 500,
    ) -> list[PaymentPublic]:
        """Every payment request of the practitioner (all conversations), newest first."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if day_from:
            params["from"] = day_from.isoformat()
        if day_to:
            params["to"] = day_to.isoformat()
        return (await self._model(PaymentsPublic, "GET", "/billing/payments", params=params)).items

    async def cancel_payment(self, payment_id: str) -> PaymentPublic:
        return await self._model(PaymentPublic, "POST", f"/payments/{payment_id}/cancel")

    async def mark_paid(self, payment_id: str, method: str) -> PaymentPublic:
        """Record a payment received outside the app: card_in_person | cheque | transfer | cash."""
        body = {"method": method}
        return await self._model(PaymentPublic, "POST", f"/payments/{payment_id}/mark-paid", json=body)

    async def refund_payment(self, payment_id: str) -> PaymentPublic:
        return await self._model(PaymentPublic, "POST", f"/payments/{payment_id}/refund")
