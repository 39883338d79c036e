"""Billing of one workspace: its REST client, payment requests, claims and notes d'honoraires.

The `Workspace` builds one `BillingServices` with the account's other services and routes the
persisted billing events to it (`PaymentService.EVENTS`, `BillingServices.CLAIM_EVENTS`). `payments` is
built at once (the payment banner follows the open conversation); `claims` (the act catalog, its
rules, French holidays, Babel) and `fee_notes` are built on first use, so the app's start-up does
not pay for the act catalog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.clock import Clock
from contracts.wire.billing import ClaimEvent
from desktop.billing.api_client import BillingApiClient
from desktop.billing.payments import PaymentService

if TYPE_CHECKING:
    from desktop.billing.claims import ClaimService
    from desktop.billing.fee_note_service import ConversationMessages, DocumentUploader, FeeNoteService

log = logging.getLogger(__name__)


@dataclass
class BillingServices:
    """The billing services of a workspace."""

    CLAIM_EVENTS = ("claim.updated",)  # here, not on `ClaimService`: routing them loads no catalog

    api: BillingApiClient
    payments: PaymentService
    uploader: DocumentUploader
    conversations: ConversationMessages
    work_dir: Path
    clock: Clock
    _claims: ClaimService | None = field(default=None, repr=False)
    _fee_notes: FeeNoteService | None = field(default=None, repr=False)
    _closed: bool = False

    @classmethod
    def build(
        cls,
        server_url: str,
        token: Callable[[], str | None],
        uploader: DocumentUploader,
        conversations: ConversationMessages,
        work_dir: Path,
        clock: Clock,
    ) -> BillingServices:
        """The REST client on the account's server (the token read at each request) and the services."""
        api = BillingApiClient(server_url, token)
        return cls(api, PaymentService(api), uploader, conversations, work_dir, clock)

    @property
    def claims(self) -> ClaimService:
        """Claims: drafted, validated, stored, exported (built on first use)."""
        if self._claims is None:
            from desktop.billing.claims import ClaimService

            self._claims = ClaimService(self.api, clock=self.clock)
        return self._claims

    @property
    def fee_notes(self) -> FeeNoteService:
        """Notes d'honoraires (built on first use)."""
        if self._fee_notes is None:
            from desktop.billing.fee_note_service import FeeNoteService

            self._fee_notes = FeeNoteService(
                self.api,
                self.claims,
                self.payments,
                self.uploader,
                self.conversations,
                self.work_dir,
                self.clock,
            )
        return self._fee_notes

    async def apply_claim_event(self, name: str, event: ClaimEvent) -> None:
        """`claim.updated`: no claim is on screen before the claim service exists."""
        if self._claims is not None:
            await self._claims.apply_event(name, event)

    def forget_profile(self) -> None:
        """The account changed (`account.updated`, a reconnection): read `/me` again when next needed."""
        if self._claims is not None:
            self._claims.forget_profile()

    async def aclose(self) -> None:
        """Close the REST client (idempotent)."""
        if not self._closed:
            self._closed = True
            await self.api.aclose()
