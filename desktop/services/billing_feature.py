"""The billing feature of one workspace: its REST client, its services and their socket events.

`BillingFeature.attach(workspace)` is what the screens (and headless tests) call once per
workspace: it builds the `BillingApiClient` on the workspace's server and token and the
`PaymentService` (the payment banner needs it at once), registers them in `workspace.extra`
(`"billing_feature"`, `"payments"`) and the persisted events in `workspace.sync.extra_handlers`
(`payment.created`, `payment.updated`, `claim.updated`).

`billing` (claims: the act catalog, its rules, French holidays, Babel) and `notes` (notes
d'honoraires) are built on first use: the app's start-up does not pay for the act catalog.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.clock import Clock
from desktop.api.billing import BillingApiClient
from desktop.domain.models import Wire
from desktop.services.payments import PaymentService
from desktop.services.ports import ServerApi
from desktop.services.workspace import Workspace

if TYPE_CHECKING:
    from desktop.services.billing import BillingService
    from desktop.services.fee_notes import ConversationMessages, FeeNoteService

log = logging.getLogger(__name__)

PAYMENT_EVENTS = ("payment.created", "payment.updated")
CLAIM_EVENTS = ("claim.updated",)


@dataclass
class BillingFeature:
    """The billing services of a workspace."""

    api: BillingApiClient
    payments: PaymentService
    uploads: ServerApi
    conversations: ConversationMessages
    work_dir: Path
    clock: Clock
    _billing: BillingService | None = field(default=None, repr=False)
    _notes: FeeNoteService | None = field(default=None, repr=False)
    _closed: bool = False

    @classmethod
    def attach(cls, workspace: Workspace) -> BillingFeature:
        known = workspace.extra.get("billing_feature")
        if isinstance(known, BillingFeature):
            return known
        api = workspace.api
        client = BillingApiClient(api.server_url, lambda: api.token)
        payments = PaymentService(client)
        feature = cls(
            client,
            payments,
            api,
            workspace.conversations,
            workspace.config.data_dir / "notes",
            workspace.clock,
        )
        workspace.extra.update(billing_feature=feature, payments=payments)
        for name in PAYMENT_EVENTS:
            workspace.sync.extra_handlers[name] = payments.apply_event
        for name in CLAIM_EVENTS:
            workspace.sync.extra_handlers[name] = feature._on_claim_event
        # `account.updated`, a reconnection: read `/me` again when next needed (sector, address…).
        workspace.sync.account_changed.connect(lambda _account: feature._forget_profile())
        return feature

    @property
    def billing(self) -> BillingService:
        """Claims: drafted, validated, stored, exported (built on first use)."""
        if self._billing is None:
            from desktop.services.billing import BillingService

            self._billing = BillingService(self.api, clock=self.clock)
        return self._billing

    @property
    def notes(self) -> FeeNoteService:
        """Notes d'honoraires (built on first use)."""
        if self._notes is None:
            from desktop.services.fee_notes import FeeNoteService

            self._notes = FeeNoteService(
                self.api,
                self.billing,
                self.payments,
                self.uploads,
                self.conversations,
                self.work_dir,
                self.clock,
            )
        return self._notes

    async def _on_claim_event(self, seq: int, name: str, data: Wire) -> None:
        if self._billing is not None:  # no claim on screen before the billing service exists
            await self._billing.apply_event(seq, name, data)

    def _forget_profile(self) -> None:
        if self._billing is not None:
            self._billing.forget_profile()

    async def aclose(self) -> None:
        """Close the REST client (idempotent)."""
        if not self._closed:
            self._closed = True
            await self.api.aclose()
