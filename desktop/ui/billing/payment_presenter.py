"""Gives the « Demander un paiement » dialog life: defaults from the claim, live checks, sending.

Defaults: the label « Téléconsultation du <jour> » (the day of the conversation's latest claim, or
today in Paris); the amount the patient owes for that claim, that is its total minus the part the
Assurance Maladie pays the practitioner directly in tiers payant (the total itself without tiers
payant). The preview repeats what the patient's banner will say: amount, label, practitioner,
sector (BILLING §5.3: the sector is stated before any payment) and, with a claim, the estimated
reimbursement, labelled as an estimate.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import shiboken6
from PySide6.QtCore import QObject, Signal

from contracts.clock import paris_day
from contracts.fr_format import eur, long_date, parse_amount
from desktop.billing.billing_profile import BillingProfile
from desktop.billing.billing_services import BillingServices
from desktop.billing.claims import ClaimRecord
from desktop.billing.consultation_payment import ConsultationPayment
from desktop.billing.payments import check_request
from desktop.domain.errors import UserFacingError
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.ui.billing.payment_dialog import PaymentDialog

log = logging.getLogger(__name__)


def amount_text(amount: Decimal) -> str:
    """`Decimal("25")` → « 25,00 », as a French practitioner types it."""
    return f"{amount:.2f}".replace(".", ",")


class PaymentPresenter(QObject):
    """One presenter per dialog."""

    payment_sent = Signal(str)  # payment id

    def __init__(
        self,
        dialog: PaymentDialog,
        billing: BillingServices,
        runner: TaskRunner,
        messages: Messages,
        conversation_id: str,
        *,
        claim: ClaimRecord | None = None,
    ) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.billing = billing
        self.runner = runner
        self.messages = messages
        self.conversation_id = conversation_id
        self.claim: ClaimRecord | None = None
        self.profile: BillingProfile | None = billing.claims.profile
        self._sending = False
        self.payment_id = str(uuid.uuid4())  # kept across attempts: a retry never asks twice
        dialog.edited.connect(self._on_dialog_edited)
        dialog.submit_requested.connect(self._on_dialog_submit_requested)
        day = paris_day(billing.clock())
        dialog.set_values("", self.tr("Téléconsultation du %1").replace("%1", long_date(day)))
        self._refresh_preview()
        if claim is not None:
            self.use_claim(claim)
        runner.run(self._load(find_claim=claim is None), name="payment-defaults", report=False)

    async def _load(self, *, find_claim: bool) -> None:
        """The practitioner's sector for the preview, and the conversation's claim for the defaults."""
        try:
            self.profile = await self.billing.claims.load_profile()
            latest = await self.billing.claims.latest_of(self.conversation_id) if find_claim else None
        except UserFacingError as exc:
            log.info("payment defaults not loaded: %s", type(exc).__name__)
            return
        if not shiboken6.isValid(self.dialog.amount):  # the dialog was closed meanwhile
            return
        if latest is not None and not self.dialog.amount.text():
            self.use_claim(latest)
        else:
            self._refresh_preview()

    def use_claim(self, record: ClaimRecord) -> None:
        """Pre-fill from the conversation's claim and offer to link the request to it."""
        self.claim = record
        claim = record.claim
        day = long_date(paris_day(claim.performed_at))
        codes = ", ".join(line.code for line in claim.lines) or "—"
        owed = self.billing.claims.estimate(claim).patient_pays_now if claim.amounts_complete else claim.total
        paid = self._paid()
        if paid is not None:  # what the patient already paid for this consultation is not asked again
            owed = max(Decimal("0.00"), owed - paid.amount)
        self.dialog.set_values(
            amount_text(owed) if owed else "", self.tr("Téléconsultation du %1").replace("%1", day)
        )
        self.dialog.offer_claim_link(
            self.tr("Lier à la feuille de soins du %1 (%2, %3)")
            .replace("%1", day)
            .replace("%2", codes)
            .replace("%3", eur(claim.total))
        )
        self._refresh_preview()

    def _paid(self) -> ConsultationPayment | None:
        """What the patient already paid for the claim's consultation (the conversation's requests)."""
        if self.claim is None:
            return None
        return ConsultationPayment.of(self.claim.claim, self.billing.payments.of(self.conversation_id))

    def _overpaid(self, amount: Decimal) -> str | None:
        """The French refusal when `amount`, linked to the claim, would exceed what the patient owes."""
        paid = self._paid()
        if self.claim is None or paid is None:
            return None
        claim = self.claim.claim
        owed = self.billing.claims.estimate(claim).patient_pays_now if claim.amounts_complete else claim.total
        if paid.amount + amount <= owed:
            return None
        return self.tr("Le patient a déjà réglé %1 pour cette consultation ; il doit %2 en tout : ").replace(
            "%1", paid.summary
        ).replace("%2", eur(owed)) + self.tr(
            "demandez au plus %1, ou ne liez pas la demande à la feuille."
        ).replace("%1", eur(max(Decimal("0.00"), owed - paid.amount)))

    # ---------------------------------------------------------------- preview and checks
    def _parse(self, text: str) -> Decimal | None:
        try:
            return parse_amount(text)
        except ValueError:
            return None

    def _refresh_preview(self) -> None:
        amount = self._parse(self.dialog.amount.text())
        label = self.dialog.label.text().strip() or self.tr("(libellé à saisir)")
        shown = eur(amount) if amount is not None else self.tr("(montant à saisir)")
        lines = [self.tr("Le patient verra :"), f"{shown} — {label}"]
        profile = self.profile
        if profile is not None:
            who = " · ".join(part for part in (profile.display_name, profile.sector_notice) if part)
            lines.append(who)
        lines.append(self.tr("La demande, datée, lui annonce vos honoraires avant tout règlement."))
        linked = self.claim is not None and self.dialog.link_claim.isChecked()
        paid = self._paid() if linked else None
        if paid is not None:
            lines.append(self.tr("Déjà réglé pour cette consultation : %1.").replace("%1", paid.summary))
        if linked and self.claim is not None:
            estimate = self.billing.claims.estimate(self.claim.claim)
            if estimate.amo_net is not None:
                lines.append(
                    self.tr(
                        "Remboursement Assurance Maladie : environ %1 (estimation, non garantie)."
                    ).replace("%1", eur(estimate.amo_net))
                )
            if self.claim.claim.tiers_payant_amo and estimate.paid_by_amo_to_practitioner:
                lines.append(
                    self.tr("Tiers payant : %1 vous sont versés par l'Assurance Maladie sur %2.")
                    .replace("%1", eur(estimate.paid_by_amo_to_practitioner))
                    .replace("%2", eur(self.claim.claim.total))
                )
        self.dialog.set_preview("\n".join(lines))

    def _on_dialog_edited(self, amount: str, label: str, _link: bool) -> None:
        self.dialog.clear_errors()
        if amount.strip() and self._parse(amount) is None:
            self.dialog.set_error(
                "amount",
                self.tr("« %1 » n'est pas un montant en euros (exemple : 25,00).").replace("%1", amount),
            )
        self._refresh_preview()

    # ---------------------------------------------------------------- sending
    def _on_dialog_submit_requested(self, amount_text_: str, label: str, link: bool) -> None:
        if self._sending:
            return
        self.dialog.clear_errors()
        amount = self._parse(amount_text_)
        if amount is None:
            self.dialog.set_error(
                "amount",
                self.tr("Indiquez le montant en euros (exemple : 25,00).")
                if not amount_text_.strip()
                else self.tr("« %1 » n'est pas un montant en euros (exemple : 25,00).").replace(
                    "%1", amount_text_
                ),
            )
            self.dialog.amount.setFocus()
            return
        try:
            check_request(amount, label)
        except UserFacingError as exc:
            self.dialog.set_error(exc.field, exc.message)
            return
        claim_id = self.claim.id if link and self.claim is not None else None
        refusal = self._overpaid(amount) if claim_id is not None else None
        if refusal is not None:  # the request would contradict the claim and what was paid
            self.dialog.set_error("amount", refusal)
            self.dialog.amount.setFocus()
            return
        self._sending = True
        self.dialog.set_busy(True)
        self.runner.run(self._send(amount, label, claim_id), name="payment-request", report=False)

    async def _send(self, amount: Decimal, label: str, claim_id: str | None) -> None:
        try:
            payment = await self.billing.payments.request(
                self.conversation_id, amount, label, claim_id, payment_id=self.payment_id
            )
        except UserFacingError as exc:
            self._sending = False
            self.dialog.set_busy(False)
            self.dialog.set_error(exc.field if exc.field in ("amount", "label") else None, exc.message)
            return
        self.messages.info(self.tr("Demande de paiement envoyée : %1.").replace("%1", payment.amount_label))
        self.payment_sent.emit(payment.id)
        self.dialog.accept()
