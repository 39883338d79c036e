"""REST client of the billing routes: claims, notes d'honoraires, payment requests, and `/me`.

Kept beside `ApiClient`, as the call routes are (`desktop.api.calls`): the billing feature is
loaded with its screens. Same rules: the server's French `detail` as an `ApiError`, network
failures as `ServerUnreachableError`, the bearer token read at each request (a re-authentication
replaces it without rebuilding this client). Money is sent as a string of euros (`"25.00"`): the
server refuses JSON numbers. Claims travel as the documents of `desktop.billing.claim_to_dict`,
plain dicts here (this package does not import the billing domain).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from desktop.api.http import JsonHttp
from desktop.billing.payments import Payment
from desktop.domain.models import Wire


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
    async def me(self) -> Wire:
        """The practitioner's account with the fields billing needs (sector, RPPS, AM number, address)."""
        return await self._wire("GET", "/me")

    # ---------------------------------------------------------------- claims
    async def create_claim(self, document: Wire, conversation_id: str | None) -> Wire:
        """Store a new claim (brouillon or prête); an identical retry answers the stored one."""
        body = {**document, "conversation_id": conversation_id}
        return await self._wire("POST", "/billing/claims", json=body)

    async def update_claim(
        self, claim_id: str, document: Wire, conversation_id: str | None, version: int | None
    ) -> Wire:
        """Replace a draft's content (409 `claim_locked` once it is no longer a draft)."""
        body: Wire = {**document, "conversation_id": conversation_id}
        if version is not None:
            body["version"] = version
        return await self._wire("PUT", f"/billing/claims/{claim_id}", json=body)

    async def claim(self, claim_id: str) -> Wire:
        return await self._wire("GET", f"/billing/claims/{claim_id}")

    async def claims(
        self,
        *,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 200,
    ) -> list[Wire]:
        """Claims, latest act first; days are French calendar days of the act."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if day_from is not None:
            params["from"] = day_from.isoformat()
        if day_to is not None:
            params["to"] = day_to.isoformat()
        return await self._items("/billing/claims", params)

    async def set_claim_status(self, claim_id: str, status: str, note: str | None = None) -> Wire:
        body: Wire = {"status": status}
        if note:
            body["note"] = note
        return await self._wire("POST", f"/billing/claims/{claim_id}/status", json=body)

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
    ) -> Wire:
        """Allocate the note's number (`2026-0042`); the same `note_id` again returns the same number."""
        body: Wire = {"id": note_id, "total": money(total)}
        for key, value in (
            ("label", label),
            ("conversation_id", conversation_id),
            ("claim_id", claim_id),
            ("payment_id", payment_id),
        ):
            if value:
                body[key] = value
        return await self._wire("POST", "/billing/notes", json=body)

    async def link_note(self, note_id: str, attachment_id: str) -> Wire:
        """Attach the note's PDF, already uploaded into the note's conversation."""
        return await self._wire("PATCH", f"/billing/notes/{note_id}", json={"attachment_id": attachment_id})

    async def notes(self, *, claim_id: str | None = None, conversation_id: str | None = None) -> list[Wire]:
        params = {k: v for k, v in (("claim_id", claim_id), ("conversation_id", conversation_id)) if v}
        return await self._items("/billing/notes", params)

    # ---------------------------------------------------------------- payment requests
    async def create_payment(
        self, conversation_id: str, payment_id: str, amount: Decimal, label: str, claim_id: str | None
    ) -> Payment:
        """Ask the patient to pay; idempotent on `payment_id`."""
        body: Wire = {"id": payment_id, "amount": money(amount), "label": label}
        if claim_id:
            body["claim_id"] = claim_id
        return Payment.from_wire(
            await self._wire("POST", f"/conversations/{conversation_id}/payments", json=body)
        )

    async def payments(self, conversation_id: str) -> list[Payment]:
        """The conversation's payment requests, newest first."""
        return [Payment.from_wire(p) for p in await self._items(f"/conversations/{conversation_id}/payments")]

    async def practitioner_payments(
        self,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 500,
    ) -> list[Payment]:
        """Every payment request of the practitioner (all conversations), newest first."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if day_from:
            params["from"] = day_from.isoformat()
        if day_to:
            params["to"] = day_to.isoformat()
        return [Payment.from_wire(p) for p in await self._items("/billing/payments", params)]

    async def cancel_payment(self, payment_id: str) -> Payment:
        return Payment.from_wire(await self._wire("POST", f"/payments/{payment_id}/cancel"))

    async def mark_paid(self, payment_id: str, method: str) -> Payment:
        """Record a payment received outside the app: card_in_person | cheque | transfer | cash."""
        return Payment.from_wire(
            await self._wire("POST", f"/payments/{payment_id}/mark-paid", json={"method": method})
        )

    async def refund_payment(self, payment_id: str) -> Payment:
        return Payment.from_wire(await self._wire("POST", f"/payments/{payment_id}/refund"))
