"""What the patient paid for one consultation, and where the claim or the note contradicts it.

The claim, the note d'honoraires and the payment requests of one consultation are one record: the
payment is a fact (the practitioner recorded it, or the patient paid online), so the claim's
« tiers payant AMO » and the note's « reste à régler » are derived from it, never the other way.

A consultation's payment is every **paid** request of the claim's conversation that is linked to
the claim, or that is linked to no claim and was asked on the Paris day of the act (a request sent
from the « + » menu before the claim was drafted). Refunded and cancelled requests do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.billing.catalog import Catalog
from contracts.billing.claims import Claim
from contracts.billing.errors import Problem
from contracts.billing.reimbursement import estimate_reimbursement
from contracts.clock import paris_day
from contracts.fr_format import cents, eur
from contracts.wire.payments import PaymentPublic
from desktop.billing.fee_notes import PaymentMethod

METHODS = {
    "card_in_person": PaymentMethod.CARTE_BANCAIRE,
    "cheque": PaymentMethod.CHEQUE,
    "transfer": PaymentMethod.VIREMENT,
    "cash": PaymentMethod.ESPECES,
    "online": PaymentMethod.PAIEMENT_EN_LIGNE,
}


def _same_id(a: str, b: str) -> bool:
    return a.replace("-", "").lower() == b.replace("-", "").lower()


@dataclass(frozen=True, slots=True)
class ConsultationPayment:
    """What the patient paid for the consultation of one claim (sum of its paid requests)."""

    amount: Decimal
    method: PaymentMethod | None  # None when several requests were paid in different ways
    paid_on: date | None  # the day of the last payment (Paris)
    payment_id: str  # the request the note cites (the last one paid)

    @classmethod
    def of(cls, claim: Claim, payments: Iterable[PaymentPublic]) -> ConsultationPayment | None:
        """The payment of `claim`'s consultation among its conversation's `payments`, if any."""
        day = paris_day(claim.performed_at)
        mine = [
            p
            for p in payments
            if p.paid
            and (
                (p.claim_id is not None and _same_id(p.claim_id, claim.id))
                or (p.claim_id is None and paris_day(p.created_at) == day)
            )
        ]
        if not mine:
            return None
        mine.sort(key=lambda p: p.paid_at or p.updated_at)
        methods = {METHODS.get(p.method or "") for p in mine}
        last = mine[-1]
        return cls(
            amount=cents(sum((p.euros for p in mine), Decimal("0.00"))),
            method=methods.pop() if len(methods) == 1 else None,
            paid_on=paris_day(last.paid_at) if last.paid_at else None,
            payment_id=last.id,
        )

    @property
    def summary(self) -> str:
        """« 30,00 € par virement le 24/11/2026 »."""
        how = f" par {self.method.label}" if self.method else ""
        when = f" le {self.paid_on.strftime('%d/%m/%Y')}" if self.paid_on else ""
        return f"{eur(self.amount)}{how}{when}"

    def covers(self, claim: Claim) -> bool:
        """The patient paid the whole claim themselves: no tiers payant is left to apply."""
        return self.amount >= claim.total

    def problems(self, claim: Claim, catalog: Catalog) -> list[Problem]:
        """Where `claim` contradicts this payment (each blocks « prête » and the note).

        Checked once the claim's amounts are complete: a paid amount above the total, the
        tiers payant ticked although the patient paid everything, or a partial payment that,
        added to the AMO's tiers payant part, exceeds the total.
        """
        if not claim.amounts_complete:
            return []
        total = claim.total
        if self.amount > total:
            return [
                Problem(
                    "payment",
                    f"Le patient a réglé {self.summary}, plus que le total de la feuille ({eur(total)}) : "
                    "vérifiez la cotation, le dépassement ou le paiement enregistré.",
                )
            ]
        if not claim.tiers_payant_amo:
            return []
        if self.covers(claim):
            return [
                Problem(
                    "tiers_payant_amo",
                    f"Le patient a déjà tout réglé ({self.summary}) : le tiers payant AMO ne s’applique "
                    "pas, décochez-le.",
                )
            ]
        amo = estimate_reimbursement(claim, catalog).paid_by_amo_to_practitioner
        if self.amount + amo > total:
            return [
                Problem(
                    "tiers_payant_amo",
                    f"Le patient a réglé {self.summary} ; avec la part AMO en tiers payant "
                    f"({eur(amo)}), {eur(self.amount + amo)} seraient perçus pour un total de "
                    f"{eur(total)} : décochez le tiers payant ou vérifiez le paiement.",
                )
            ]
        return []
