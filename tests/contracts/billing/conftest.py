"""Shared fixtures for the billing tests: the shipped catalog, rules, practitioners and a valid claim."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contracts.billing.catalog import Catalog, load_catalog
from contracts.billing.claims import Claim, ClaimLine, ClaimPatient, ClaimPractitioner, Parcours
from contracts.billing.professions import PractitionerProfile, Profession, Sector, Specialty
from contracts.billing.rules import BillingRules
from contracts.billing.validation import ClaimValidator

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GP = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.MEDECINE_GENERALE)
NURSE = PractitionerProfile(Profession.INFIRMIER)
VALID_NIR = "2 95 10 99 126 111 93"  # python-stdnum doctest vector, born October 1995
VALID_RPPS = "79927398713"  # the classic Luhn example, 11 digits
OTHER_RPPS = "10000000009"


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Europe/Paris datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def rules(catalog: Catalog) -> BillingRules:
    return BillingRules(catalog)


@pytest.fixture
def validator(rules: BillingRules) -> ClaimValidator:
    return ClaimValidator(lambda: NOW, rules)


@pytest.fixture
def make_claim() -> Callable[..., Claim]:
    """A GP's valid TCG claim for an adult; keyword arguments replace Claim fields."""

    def make(**changes: object) -> Claim:
        claim = Claim(
            patient=ClaimPatient(
                "Dupont", "Hélène", date(1995, 10, 3), VALID_NIR, regime="01", caisse="751", centre="0001"
            ),
            practitioner=ClaimPractitioner(VALID_RPPS, "751234567", "01", GP, "Dr Claire Martin"),
            performed_at=paris(2026, 11, 24, 10, 0),
            act=ClaimLine(
                "TCG", "Téléconsultation du médecin généraliste", Decimal("25.00"), Decimal("25.00"), False
            ),
            parcours=Parcours.MEDECIN_TRAITANT,
            created_at=NOW,
        )
        for name, value in changes.items():
            setattr(claim, name, value)
        return claim

    return make
