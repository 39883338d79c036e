"""Claim validation: every problem that keeps a claim from being « prête », one French message per field."""

from __future__ import annotations

from datetime import timedelta

from contracts.billing.catalog import Act
from contracts.billing.claims import Claim, ClaimLine, Parcours
from contracts.billing.errors import Problem
from contracts.billing.professions import Activity, Profession
from contracts.billing.rules import BillingRules
from contracts.clock import Clock, paris_day
from contracts.fr_format import eur, long_date
from contracts.identifiers import am_number_problem, compact, digits_problem, nir_problem, rpps_problem

_CLOCK_TOLERANCE = timedelta(minutes=5)
_AMOUNT_HINTS = {
    "specialite": " (tarif de la consultation de référence de votre spécialité)",
    "coefficient": " (coefficient × valeur de la lettre clé)",
    "acte_remplace": " (tarif de l’acte présentiel remplacé)",
}


class ClaimValidator:
    """Checks a claim against the identifiers' rules, the billing rules and BILLING.md §4.3."""

    def __init__(self, clock: Clock, rules: BillingRules | None = None) -> None:
        self.rules = rules if rules is not None else BillingRules()
        self._clock = clock

    def validate(self, claim: Claim) -> list[Problem]:
        """All problems of `claim` (empty: it may be marked « prête »)."""
        problems = self._patient(claim) + self._practitioner(claim)
        if claim.performed_at > self._clock() + _CLOCK_TOLERANCE:
            problems.append(Problem("performed_at", "La date de l’acte est dans le futur."))
        if claim.act is None:
            problems.append(Problem("act", "Choisissez l’acte facturé."))
            return problems
        act = self.rules.catalog.acts.get(claim.act.code)
        problems += self.rules.check(claim.act.code, [m.code for m in claim.majorations], claim.context())
        problems += self._amounts(claim, act)
        if act is not None:
            problems += self._act_extras(claim, act)
        return problems

    def __call__(self, claim: Claim) -> list[Problem]:
        return self.validate(claim)

    def _patient(self, claim: Claim) -> list[Problem]:
        patient, found = claim.patient, []
        if not patient.last_name.strip():
            found.append(Problem("patient.last_name", "Le nom du patient est obligatoire."))
        if not patient.first_name.strip():
            found.append(Problem("patient.first_name", "Le prénom du patient est obligatoire."))
        nir_message = nir_problem(patient.nir)
        if nir_message:
            found.append(Problem("patient.nir", nir_message))
        elif patient.is_insured:
            nir = compact(patient.nir)
            month = int(nir[3:5])
            same_year = int(nir[1:3]) == patient.birth_date.year % 100
            if not same_year or (month <= 12 and month != patient.birth_date.month):
                found.append(
                    Problem(
                        "patient.nir",
                        "L’année ou le mois de naissance du NIR ne correspond pas à la date de naissance ; "
                        "si le "
                        "patient n’est pas l’assuré (un enfant, par exemple), indiquez-le.",
                    )
                )
        if patient.birth_date > paris_day(claim.performed_at):
            found.append(
                Problem("patient.birth_date", "La date de naissance est postérieure à la date de l’acte.")
            )
        if not 1 <= patient.birth_rank <= 9:
            found.append(Problem("patient.birth_rank", "Le rang de naissance est un chiffre de 1 à 9."))
        for name, length, what in (
            ("regime", 2, "le code régime"),
            ("caisse", 3, "le code caisse"),
            ("centre", 4, "le code centre"),
        ):
            message = digits_problem(getattr(patient, name), length, what)
            if message:
                found.append(Problem(f"patient.{name}", message))
        return found

    def _practitioner(self, claim: Claim) -> list[Problem]:
        found = []
        for name, message in (
            ("practitioner.rpps", rpps_problem(claim.practitioner.rpps)),
            ("practitioner.am_number", am_number_problem(claim.practitioner.am_number)),
            (
                "practitioner.specialty_code",
                digits_problem(claim.practitioner.specialty_code, 2, "le code spécialité"),
            ),
        ):
            if message:
                found.append(Problem(name, message))
        return found

    def _amounts(self, claim: Claim, act: Act | None) -> list[Problem]:
        found = []
        fields: list[tuple[str, ClaimLine]] = [("act", claim.act)] if claim.act else []
        fields += [(f"majorations[{i}]", m) for i, m in enumerate(claim.majorations)]
        day, catalog = paris_day(claim.performed_at), self.rules.catalog
        overridden = {o.code for o in claim.overrides}
        for name, line in fields:
            entry = catalog.acts.get(line.code) or catalog.majorations.get(line.code)
            tariff = entry.amount_on(day) if entry is not None else None
            if line.amount is None:
                hint = _AMOUNT_HINTS.get(act.amount_basis or "", "") if act and name == "act" else ""
                found.append(Problem(f"{name}.amount", f"Saisissez le montant de {line.code}{hint}."))
            elif line.amount <= 0:
                found.append(
                    Problem(f"{name}.amount", f"Le montant de {line.code} doit être supérieur à zéro.")
                )
            elif tariff is not None and line.amount != tariff and line.code not in overridden:
                # A tariff is the one in force on the day of the act (a revaluation, a date changed).
                found.append(
                    Problem(
                        f"{name}.amount",
                        f"Le tarif de {line.code} le {long_date(day)} est de {eur(tariff)}, pas "
                        f"{eur(line.amount)} : recalculez la cotation.",
                    )
                )
        if claim.depassement < 0:
            found.append(Problem("depassement", "Le dépassement ne peut pas être négatif."))
        return found

    def _act_extras(self, claim: Claim, act: Act) -> list[Problem]:
        found = []
        if act.amount_basis == "coefficient" and (claim.act is None or not claim.act.coefficient):
            found.append(
                Problem("act.coefficient", f"Indiquez le coefficient de l’acte {act.code} (par exemple 1,6).")
            )
        if act.exclusive and claim.depassement > 0:
            found.append(Problem("depassement", f"Aucun dépassement n’est permis pour {act.code}."))
        if act.prescriber_required:
            who = (
                "du médecin téléconsultant"
                if act.activity is Activity.ACCOMPAGNEMENT
                else "du professionnel requérant"
            )
            if not claim.prescriber_rpps:
                found.append(Problem("prescriber_rpps", f"Indiquez le RPPS {who} (zone prescripteur)."))
            else:
                message = rpps_problem(claim.prescriber_rpps)
                if message:
                    found.append(Problem("prescriber_rpps", f"Prescripteur : {message}"))
        doctor_consult = (
            claim.practitioner.profile.profession is Profession.MEDECIN
            and act.activity is Activity.TELECONSULTATION
        )
        if doctor_consult and claim.parcours is None:
            found.append(Problem("parcours", "Indiquez la situation du patient dans le parcours de soins."))
        if claim.parcours is Parcours.ORIENTE_PAR_MT:
            if not claim.referring_rpps:
                message = "Indiquez le RPPS du médecin traitant qui a orienté le patient."
                found.append(Problem("referring_rpps", message))
            else:
                message = rpps_problem(claim.referring_rpps)
                if message:
                    found.append(Problem("referring_rpps", f"Médecin traitant : {message}"))
        if claim.parcours is Parcours.MOINS_DE_16_ANS and claim.patient_age >= 16:
            found.append(
                Problem(
                    "parcours",
                    f"Le patient a {claim.patient_age} ans le {long_date(paris_day(claim.performed_at))} : "
                    "l’exception « moins de 16 ans » ne s’applique pas.",
                )
            )
        return found
