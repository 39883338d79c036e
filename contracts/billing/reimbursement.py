"""Expected reimbursement of a claim by the Assurance Maladie (AMO): an estimate, never a promise.

Rules (BILLING.md §5.1): 70 % of the base for doctors and midwives, minus the 2 € participation
forfaitaire for doctors (not for patients under 18 nor in maternity); 100 % for maternity, AT-MP,
ALD and other exonerations, and for téléexpertise; rates of auxiliaires médicaux (60 %) are
UNVERIFIED and come from the catalog. Outside the parcours de soins the rate is not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contracts.billing.catalog import Catalog
from contracts.billing.claims import Claim, Exoneration, InsuranceNature, Parcours
from contracts.billing.professions import Profession
from contracts.fr_format import cents, eur

ZERO = Decimal("0.00")
FULL = Decimal("1.00")


@dataclass(frozen=True, slots=True)
class ReimbursementEstimate:
    """What the AMO is expected to pay and what the patient pays now (all amounts are estimates)."""

    base: Decimal
    total: Decimal
    rate: Decimal | None
    amo_gross: Decimal | None
    participation_forfaitaire: Decimal
    amo_net: Decimal | None
    paid_by_amo_to_practitioner: Decimal
    patient_pays_now: Decimal
    unverified: bool
    notes: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One French sentence for the screens and the recap PDF."""
        if self.amo_net is None or self.rate is None:
            return "Remboursement non estimé."
        percent = int(self.rate * 100)
        text = (
            f"Estimation : l’Assurance Maladie rembourse environ {eur(self.amo_net)} "
            f"({percent} % de {eur(self.base)}"
        )
        if self.participation_forfaitaire:
            text += f", moins {eur(self.participation_forfaitaire)} de participation forfaitaire"
        return text + ")."


def estimate_reimbursement(claim: Claim, catalog: Catalog) -> ReimbursementEstimate:
    """The estimated AMO reimbursement of `claim`."""
    profession = claim.practitioner.profile.profession
    rule = catalog.reimbursement.get(profession)
    act = catalog.acts.get(claim.act.code) if claim.act else None
    notes: list[str] = []
    unverified = rule is None or bool(rule.unverified) or any(line.amount_unverified for line in claim.lines)
    rate: Decimal | None
    if rule is None or act is None:
        rate = None
    elif act.amo_rate is not None:
        rate = act.amo_rate
        notes.append(f"{act.code} : prise en charge à {int(act.amo_rate * 100)} % en tiers payant.")
    elif claim.parcours is Parcours.HORS_PARCOURS:
        rate = None
        notes.append(
            "Hors parcours de soins : le taux de remboursement n’est pas estimé (règle non vérifiée)."
        )
    elif claim.nature is not InsuranceNature.MALADIE or claim.exoneration is not Exoneration.AUCUNE:
        rate = FULL
        notes.append("Prise en charge à 100 % (exonération du ticket modérateur).")
    else:
        rate = rule.rate
    if (
        rule is not None
        and "rate" in rule.unverified
        and rate is not None
        and act is not None
        and act.amo_rate is None
    ):
        notes.append("Taux de remboursement de votre profession non vérifié.")
    pf = ZERO
    if (
        rate is not None
        and rule is not None
        and act is not None
        and act.amo_rate is None
        and profession is Profession.MEDECIN
        and claim.patient_age >= 18
        and claim.nature is not InsuranceNature.MATERNITE
    ):
        pf = rule.participation_forfaitaire
    base, total = claim.base_amount, claim.total
    gross = None if rate is None else cents(base * rate)
    net = None if gross is None else max(ZERO, gross - pf)
    by_amo = gross if (claim.tiers_payant_amo and gross is not None) else ZERO
    if claim.tiers_payant_amo and pf:
        notes.append(
            f"En tiers payant, la participation forfaitaire ({eur(pf)}) sera retenue plus tard sur un "
            "remboursement du patient."
        )
    if not claim.amounts_complete:
        notes.append("Des montants restent à saisir : estimation incomplète.")
    return ReimbursementEstimate(
        base, total, rate, gross, pf, net, by_amo, cents(total - by_amo), unverified, tuple(notes)
    )
