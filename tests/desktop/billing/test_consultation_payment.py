"""What the patient paid for a consultation, and each way the claim can contradict it (issue 12, item 2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from contracts.billing.catalog import Catalog
from contracts.billing.claims import Claim
from contracts.wire.payments import PaymentPublic, PractitionerFeePublic
from desktop.billing.consultation_payment import ConsultationPayment
from desktop.billing.fee_notes import PaymentMethod

ACT_DAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Paris, the day of make_claim's act


def payment(
    claim_id: str | None,
    amount: str,
    *,
    status: str = "paid",
    method: str = "transfer",
    at: datetime = ACT_DAY,
) -> PaymentPublic:
    doctor = PractitionerFeePublic(
        id="d1", first_name="Claire", last_name="Martin", display_name="Dr Claire Martin",
        profession="medecin_generaliste", profession_label="Médecin généraliste", sector="secteur_1",
        sector_label="Secteur 1", sector_notice="Praticien conventionné secteur 1",
    )  # fmt: skip
    return PaymentPublic(
        id=f"p-{amount}-{status}", conversation_id="c1", claim_id=claim_id, amount=amount,
        amount_cents=int(Decimal(amount) * 100), amount_label=amount, currency="eur", label="TC",
        status=status, status_label=status, provider="offline", can_pay_online=False, method=method,
        method_label=method, practitioner=doctor, fee_notice="", created_at=at, updated_at=at,
        paid_at=at if status in ("paid", "refunded") else None, cancelled_at=None, refunded_at=None,
    )  # fmt: skip


def test_the_consultations_payment_counts_its_paid_requests_only(make_claim: Callable[..., Claim]) -> None:
    claim = make_claim()
    other_day = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    requests = [
        payment(claim.id, "10.00"),
        payment(None, "5.00", method="cash"),  # asked from the « + » menu the same day
        payment(None, "7.00", at=other_day),  # another day, linked to nothing: another consultation
        payment("another-claim", "25.00"),
        payment(claim.id, "25.00", status="refunded"),
        payment(claim.id, "25.00", status="pending"),
    ]
    paid = ConsultationPayment.of(claim, requests)
    assert paid is not None and paid.amount == Decimal("15.00") and paid.method is None  # two methods
    assert ConsultationPayment.of(claim, requests[2:]) is None
    only = ConsultationPayment.of(claim, requests[:1])
    assert only is not None and only.method is PaymentMethod.VIREMENT
    assert only.summary == "10,00\u00a0€ par virement le 24/11/2026"


def test_each_contradiction_is_a_french_problem(make_claim: Callable[..., Claim], catalog: Catalog) -> None:
    claim = make_claim()  # TCG 25 €, tiers payant: the AMO pays 17,50 €
    full = ConsultationPayment.of(claim, [payment(claim.id, "25.00")])
    assert full is not None and full.covers(claim)
    (problem,) = full.problems(claim, catalog)
    assert problem.field == "tiers_payant_amo" and "décochez-le" in problem.message
    claim.tiers_payant_amo = False
    assert full.problems(claim, catalog) == []

    claim.tiers_payant_amo = True
    share = ConsultationPayment.of(claim, [payment(claim.id, "7.50")])  # the patient's share: consistent
    assert share is not None and share.problems(claim, catalog) == []
    too_much = ConsultationPayment.of(claim, [payment(claim.id, "10.00")])
    assert too_much is not None
    (problem,) = too_much.problems(claim, catalog)
    assert problem.field == "tiers_payant_amo" and "27,50" in problem.message

    above = ConsultationPayment.of(claim, [payment(claim.id, "30.00")])
    assert above is not None
    (problem,) = above.problems(claim, catalog)
    assert problem.field == "payment" and "plus que le total de la feuille (25,00" in problem.message
