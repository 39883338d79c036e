"""The parts of a claim: patient, practitioner, lines, parcours de soins, insurance nature, exoneration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contracts.billing.professions import PractitionerProfile


class Parcours(StrEnum):
    """Parcours de soins situation (the SESAM-Vitale indicator codes are mapped by the certified software)."""

    MEDECIN_TRAITANT = "medecin_traitant"
    ORIENTE_PAR_MT = "oriente_par_mt"
    ACCES_DIRECT_SPECIFIQUE = "acces_direct_specifique"
    MOINS_DE_16_ANS = "moins_de_16_ans"
    URGENCE = "urgence"
    SANS_MEDECIN_TRAITANT = "sans_medecin_traitant"
    HORS_PARCOURS = "hors_parcours"

    @property
    def label(self) -> str:
        """French label."""
        return _PARCOURS_LABELS[self]


_PARCOURS_LABELS = {
    Parcours.MEDECIN_TRAITANT: "Médecin traitant",
    Parcours.ORIENTE_PAR_MT: "Orienté par le médecin traitant",
    Parcours.ACCES_DIRECT_SPECIFIQUE: "Accès direct spécifique (gynécologie, ophtalmologie, psychiatrie…)",
    Parcours.MOINS_DE_16_ANS: "Patient de moins de 16 ans",
    Parcours.URGENCE: "Urgence",
    Parcours.SANS_MEDECIN_TRAITANT: "Sans médecin traitant ou médecin traitant indisponible",
    Parcours.HORS_PARCOURS: "Hors parcours de soins",
}


class InsuranceNature(StrEnum):
    """Nature de l'assurance."""

    MALADIE = "maladie"
    MATERNITE = "maternite"
    AT_MP = "at_mp"

    @property
    def label(self) -> str:
        """French label."""
        return {
            "maladie": "Maladie",
            "maternite": "Maternité",
            "at_mp": "Accident du travail ou maladie professionnelle",
        }[self.value]


class Exoneration(StrEnum):
    """Exonération du ticket modérateur."""

    AUCUNE = "aucune"
    ALD = "ald"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        """French label."""
        return {
            "aucune": "Aucune",
            "ald": "Affection de longue durée (ALD)",
            "autre": "Autre exonération (100 %)",
        }[self.value]


@dataclass
class ClaimPatient:
    """The patient (beneficiary) and the fund that pays; `nir` is the insured person's NIR."""

    last_name: str
    first_name: str
    birth_date: date
    nir: str
    birth_rank: int = 1
    is_insured: bool = True
    regime: str = ""
    caisse: str = ""
    centre: str = ""

    @property
    def full_name(self) -> str:
        """« Hélène DUPONT »."""
        return f"{self.first_name} {self.last_name.upper()}".strip()


@dataclass
class ClaimPractitioner:
    """The practitioner's identifiers as on the CPS card."""

    rpps: str
    am_number: str
    specialty_code: str
    profile: PractitionerProfile
    full_name: str = ""


@dataclass
class ClaimLine:
    """An act or a majoration; `amount` None means still to be entered."""

    code: str
    label: str
    amount: Decimal | None
    catalog_amount: Decimal | None
    amount_unverified: bool
    coefficient: Decimal | None = None
