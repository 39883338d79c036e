"""The billing feature of one workspace: its REST client, its services and their socket events.

`BillingFeature.attach(workspace)` is what the screens (and headless tests) call once per
workspace: it builds the `BillingApiClient` on the workspace's server and token, the
`BillingService`, `PaymentService` and `FeeNoteService`, registers them in `workspace.extra`
(`"billing"`, `"payments"`, `"fee_notes"`) and their persisted events in
`workspace.sync.extra_handlers` (`payment.created`, `payment.updated`, `claim.updated`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from desktop.api.billing import BillingApiClient
from desktop.services.billing import BillingService
from desktop.services.fee_notes import FeeNoteService
from desktop.services.payments import PaymentService
from desktop.services.workspace import Workspace

log = logging.getLogger(__name__)

PAYMENT_EVENTS = ("payment.created", "payment.updated")
CLAIM_EVENTS = ("claim.updated",)


@dataclass
class BillingFeature:
    """The billing services of a workspace."""

    api: BillingApiClient
    billing: BillingService
    payments: PaymentService
    notes: FeeNoteService
    _closed: bool = False

    @classmethod
    def attach(cls, workspace: Workspace) -> BillingFeature:
        known = workspace.extra.get("billing_feature")
        if isinstance(known, BillingFeature):
            return known
        api = workspace.api
        client = BillingApiClient(api.server_url, lambda: api.token)
        billing = BillingService(client)
        payments = PaymentService(client)
        notes = FeeNoteService(
            client,
            billing,
            payments,
            api,
            workspace.conversations,
            workspace.config.data_dir / "notes",
        )
        feature = cls(client, billing, payments, notes)
        workspace.extra.update(billing_feature=feature, billing=billing, payments=payments, fee_notes=notes)
        for name in PAYMENT_EVENTS:
            workspace.sync.extra_handlers[name] = payments.apply_event
        for name in CLAIM_EVENTS:
            workspace.sync.extra_handlers[name] = billing.apply_event
        # `account.updated`, a reconnection: read `/me` again when next needed (sector, address…).
        workspace.sync.account_changed.connect(lambda _account: billing.forget_profile())
        return feature

    async def aclose(self) -> None:
        """Close the REST client (idempotent)."""
        if not self._closed:
            self._closed = True
            await self.api.aclose()
