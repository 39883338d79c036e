"""Billing benchmarks: note d'honoraires PDF rendering, claim validation, act suggestion (p50/p95, ms)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from contracts.billing.claims import Claim, ClaimPatient, ClaimPractitioner, Parcours, draft_from_suggestion
from contracts.billing.professions import PractitionerProfile, Profession, Sector, Specialty
from contracts.billing.rules import BillingRules
from contracts.billing.suggestions import ActSuggester, SuggestionRequest
from contracts.billing.validation import ClaimValidator
from desktop.billing.fee_notes import PaymentMethod, PractitionerIdentity, fee_note_from_claim
from desktop.billing.note_renderer import ReportlabNoteRenderer

PARIS = ZoneInfo("Europe/Paris")
GP = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.MEDECINE_GENERALE)


def _timings(action: Callable[[], object], runs: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


def _row(metric: str, value: float, goal: float | None = None) -> dict[str, object]:
    row: dict[str, object] = {"bench": "billing", "metric": metric, "value": round(value, 3), "unit": "ms"}
    if goal is not None:
        row["goal"] = goal
    return row


NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # the claims' clock: a fixed day, not the bench's


def _claim(suggester: ActSuggester) -> Claim:
    performed = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    suggestion = suggester.suggest(SuggestionRequest(GP, performed, patient_birth_date=date(2022, 3, 1)))
    patient = ClaimPatient(
        "Dupont", "Zoé", date(2022, 3, 1), "295109912611193", 1, False, "01", "751", "0001"
    )
    practitioner = ClaimPractitioner("79927398713", "751234567", "01", GP, "Dr Claire Martin")
    claim = draft_from_suggestion(suggestion, patient, practitioner, created_at=NOW)
    claim.parcours = Parcours.MOINS_DE_16_ANS
    return claim


def main() -> list[dict[str, object]]:
    """Rows for bench/__main__.py."""
    rules = BillingRules()
    suggester = ActSuggester(rules)
    validator = ClaimValidator(lambda: NOW, rules)
    claim = _claim(suggester)
    assert validator.validate(claim) == [], "the benchmark claim must be valid"
    identity = PractitionerIdentity(
        "Dr Claire Martin", GP, "79927398713", "751234567", ("12 rue de la Paix", "75002 Paris")
    )
    note = fee_note_from_claim(
        claim,
        number="2026-0042",
        practitioner=identity,
        issued_on=NOW.date(),
        payment_method=PaymentMethod.CARTE_BANCAIRE,
        paid_amount=Decimal("9.00"),
    )
    renderer = ReportlabNoteRenderer()
    request = SuggestionRequest(GP, datetime(2026, 5, 14, 21, 0, tzinfo=PARIS), patient_age=4)

    note_ms = _timings(lambda: renderer.render_note(note), runs=200)
    recap_ms = _timings(lambda: renderer.render_claim_recap(claim), runs=100)
    validate_ms = _timings(lambda: validator.validate(claim), runs=3000, warmup=50)
    suggest_ms = _timings(lambda: suggester.suggest(request), runs=3000, warmup=50)
    return [
        _row("note_pdf_ms_p50", statistics.median(note_ms)),
        _row("note_pdf_ms_p95", _p95(note_ms), goal=20),
        _row("claim_recap_pdf_ms_p95", _p95(recap_ms)),
        _row("claim_validation_ms_p50", statistics.median(validate_ms)),
        _row("claim_validation_ms_p95", _p95(validate_ms), goal=1),
        _row("suggestion_ms_p95", _p95(suggest_ms)),
    ]
