"""Keeps the open conversation's payment banner in step with `PaymentService` (live, from events).

Shown: every pending request, and those settled (paid, refunded) in the last 24 hours until the
practitioner hides them, so « réglé » is seen when the patient pays during or after the call.
Cancelled requests disappear. Actions go through the task runner; a refusal (the patient paid
meanwhile: 409 in French) reaches the message bar and the banner shows the request as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from PySide6.QtCore import QObject

from contracts.clock import Clock
from contracts.wire.payments import PaymentPublic
from desktop.billing.payments import PAID, PENDING, REFUNDED, PaymentService
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.ui.billing.payment_banner import PaymentBanner
from desktop.ui.dialogs.confirm_box import ConfirmBox

SETTLED_SHOWN = timedelta(hours=24)


class PaymentBannerPresenter(QObject):
    """One per main window: the banner follows the conversation on screen."""

    def __init__(
        self,
        banner: PaymentBanner,
        payments: PaymentService,
        runner: TaskRunner,
        messages: Messages,
        clock: Clock,
    ) -> None:
        super().__init__(banner)
        self.banner = banner
        self.payments = payments
        self.runner = runner
        self.messages = messages
        self._clock = clock
        self.conversation_id: str | None = None
        self.dismissed: set[str] = set()
        self.confirm: Callable[[str], Awaitable[bool]] = lambda text: ConfirmBox.ask(
            banner.window(), self.tr("Rembourser"), text, self.tr("Rembourser")
        )  # tests replace it
        self._unsubscribe = [payments.changed.connect(self._on_payments_changed)]
        banner.cancel_requested.connect(self._on_banner_cancel_requested)
        banner.mark_paid_requested.connect(self._on_banner_mark_paid_requested)
        banner.refund_requested.connect(self._on_banner_refund_requested)
        banner.dismiss_requested.connect(self._on_banner_dismiss_requested)
        banner.destroyed.connect(self.dispose)

    def follow(self, conversation_id: str | None) -> None:
        """The conversation on screen changed."""
        self.conversation_id = conversation_id
        self.render()
        if conversation_id and not self.payments.is_loaded(conversation_id):
            self.runner.run(self.payments.load(conversation_id), name="payments-load", report=False)

    def shown(self) -> list[PaymentPublic]:
        if self.conversation_id is None:
            return []
        since = self._clock() - SETTLED_SHOWN
        return [
            p
            for p in self.payments.of(self.conversation_id)
            if p.id not in self.dismissed
            and (p.status == PENDING or (p.status in (PAID, REFUNDED) and p.updated_at >= since))
        ]

    def render(self) -> None:
        self.banner.show_payments(self.shown())

    def _on_payments_changed(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id:
            self.render()

    # ---------------------------------------------------------------- intents
    def _on_banner_cancel_requested(self, payment_id: str) -> None:
        self.runner.run(self._cancel(payment_id), name="payment-cancel")

    async def _cancel(self, payment_id: str) -> None:
        await self.payments.cancel(payment_id)
        self.messages.info(self.tr("Demande de paiement annulée : le patient ne la voit plus."))

    def _on_banner_mark_paid_requested(self, payment_id: str, method: str) -> None:
        self.runner.run(self.payments.mark_paid(payment_id, method), name="payment-mark-paid")

    def _on_banner_refund_requested(self, payment_id: str) -> None:
        self.runner.run(self._refund(payment_id), name="payment-refund")

    async def _refund(self, payment_id: str) -> None:
        known = self.payments.get(payment_id)
        if known is None:
            return
        question = self.tr("Rembourser %1 au patient ? Le remboursement ne peut pas être annulé.").replace(
            "%1", known.amount_label
        )
        if not await self.confirm(question):
            return
        payment = await self.payments.refund(payment_id)
        self.messages.info(self.tr("Paiement remboursé : %1.").replace("%1", payment.amount_label))

    def _on_banner_dismiss_requested(self, payment_id: str) -> None:
        self.dismissed.add(payment_id)
        self.render()

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
