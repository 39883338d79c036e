"""Build resources/billing/catalog.json from the shared research catalog (teleconsultation-acts.json).

The shared file is written for people: professions, combinations and conditions are free text, in
English or French. This script copies what it can (codes, labels, amounts, sources, verification
status) and adds, from the overlay below, the structured facts the rules engine needs (professions
as enum values, validity dates, time windows, age limits, context flags, French conditions). Every
overlay fact cites the section of ``BILLING.md`` it comes from in a comment; « rev. » is its
« Revision of 2026-12-02 » section. Codes the revision found but the shared JSON does not hold yet
(MOP, TMO, CRN/CRM/CRD) are described in ``EXTRA_ITEMS`` in the shared file's own shape; the shared
file wins as soon as it holds them.

Amounts are schedules: each step has ``from`` and ``to`` (inclusive, ``null`` when open), so a
revaluation (TE2 at 23 € from 1 January 2026) applies by the date of the act.

Usage::

    python scripts/build_catalog.py            # rewrite resources/billing/catalog.json
    python scripts/build_catalog.py --check    # exit 1 when the shipped file is out of date
    python scripts/build_catalog.py --source PATH

The build fails loudly when the shared file holds a code this overlay does not know, or when one of
its amounts no longer matches the overlay, so that a maintainer looks at it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "billing" / "teleconsultation-acts.json"
TARGET = ROOT / "resources" / "billing" / "catalog.json"
SCHEMA = 2

CONVENTIONED = ["secteur_1", "secteur_2_optam", "secteur_2"]
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EVERY_DAY = [*ALL_DAYS, "holiday"]
ACT_REGULATED_FROM = "2024-12-22"  # BILLING.md §0.3 and §2: the 2024 convention took effect
# rev. « PDSA hours »: ameli's convention page gives weekdays 20:00–08:00, Sundays and public holidays
# 08:00–20:00, Saturday from 14:00 where organised (the Saturday-from-12:00 of §2 came from a weaker
# source). Every night is taken as a PDSA night: the Saturday afternoon and the Sunday run into the
# night, which no source leaves out (docs/decisions-desktop-billing.md). The Saturday afternoon is
# PDSA only where it is organised: the practitioner confirms it.
SATURDAY_CONFIRM = (
    "Le samedi après-midi ne relève de la permanence des soins que là où elle est organisée : "
    "confirmez-le pour votre secteur."
)
PDSA_WINDOWS = [
    {"days": EVERY_DAY, "start": "20:00", "end": "08:00"},
    {"days": ["sun", "holiday"], "start": "08:00", "end": "20:00"},
    {"days": ["sat"], "start": "14:00", "end": "20:00", "confirm": SATURDAY_CONFIRM},
]
PDSA_LABEL = (
    "pendant la permanence des soins (tous les jours de 20 h à 8 h, le dimanche et les jours fériés "
    "de 8 h à 20 h, le samedi à partir de 14 h là où elle est organisée)"
)
REGULATED_SINCE_2024 = [{"flag": "acte_regule", "from": ACT_REGULATED_FROM}]  # BILLING.md §0.3 and §2
# rev. « Still unverified »: F, MN, MM on a teleconsultation after 22/12/2024.
NIGHT_AND_SUNDAY_CONFIRM = [
    {
        "acts": [],
        "from": ACT_REGULATED_FROM,
        "reason": (
            "Depuis le 22 décembre 2024, son application à la téléconsultation n’est pas vérifiée "
            "(en présentiel : urgence justifiée ou acte régulé seulement)."
        ),
    }
]

FLAGS = {
    "depassement": "Dépassement d’honoraires facturé",
    "coordination": (
        "Consultation de correspondant dans le parcours coordonné (retour écrit au médecin traitant)"
    ),
    "regulation_sas": "Patient adressé par le régulateur du SAS et vu sous 48 h",
    "acte_regule": "Acte régulé (15 ou SAS) ou urgence justifiée",
    "medecin_traitant": "Vous êtes le médecin traitant de ce patient",
    "sans_medecin_traitant": "Le patient n’a pas de médecin traitant",
    "hors_patientele_mt": (
        "Patient hors de votre patientèle médecin traitant (vous n’êtes pas son médecin traitant)"
    ),
    "sortie_hospitalisation_ic": (
        "Patient sorti d’hospitalisation pour insuffisance cardiaque depuis moins de 2 mois"
    ),
    "sortie_hospitalisation_polypathologique": (
        "Patient polypathologique sorti d’hospitalisation depuis moins d’un mois"
    ),
}

SNDS_FICHE = (
    "https://github.com/indsante/Documentation-SNDS/blob/a2910d5a0f0914c44514146fd68b01bdeaf50498/"
    "fiches/prestation_covid.md"
)

# Parcours de soins indicator codes sent in the claim (BILLING.md §1.6 and rev. « Still unverified »):
# only `U` (urgence) is confirmed; `MTO` (orienté par le MT) was seen once and is offered to confirm.
PARCOURS_INDICATORS = {
    "urgence": {
        "code": "U",
        "verified": True,
        "reason": None,
        "source": SNDS_FICHE,
    },
    "oriente_par_mt": {
        "code": "MTO",
        "verified": False,
        "reason": (
            "Indicateur « MTO » vu dans une seule source (seul « U » est confirmé) : vérifiez-le dans "
            "votre logiciel certifié avant de l’utiliser."
        ),
        "source": "https://rhumatos.fr/la-convention-medicale-2024-que-retenir-pour-la-rhumatologie",
    },
}

# Reimbursement rates (BILLING.md §5.1). Auxiliaires médicaux at 60 % is general AMO practice, not
# read in our sources: UNVERIFIED. The participation forfaitaire applies to doctors only.
REIMBURSEMENT = {
    "medecin": {"rate": "0.70", "participation_forfaitaire": "2.00", "unverified": []},
    "sage_femme": {"rate": "0.70", "participation_forfaitaire": "0.00", "unverified": ["rate"]},
    "infirmier": {"rate": "0.60", "participation_forfaitaire": "0.00", "unverified": ["rate"]},
    "masseur_kinesitherapeute": {"rate": "0.60", "participation_forfaitaire": "0.00", "unverified": ["rate"]},
    "orthophoniste": {"rate": "0.60", "participation_forfaitaire": "0.00", "unverified": ["rate"]},
    "pedicure_podologue": {"rate": "0.60", "participation_forfaitaire": "0.00", "unverified": ["rate"]},
}
REIMBURSEMENT_SOURCE = (
    "https://defenseconso.fr/medecin-generaliste-pediatre-psychiatre-vos-consultations-vont-bientot-augmenter"
)


def _grant(profession: str, **extra: Any) -> dict[str, Any]:
    grant: dict[str, Any] = {
        "profession": profession,
        "specialties": [],
        "excluded_specialties": [],
        "sectors": CONVENTIONED,
        "requires": [],
        "forbids": [],
        "valid_from": None,
        "valid_to": None,
        "unverified": [],
        "note": None,
    }
    grant.update(extra)
    return grant


_REQUESTERS = [
    "medecin",
    "sage_femme",
    "infirmier",
    "masseur_kinesitherapeute",
    "orthophoniste",
    "pedicure_podologue",
]

ACTS: dict[str, dict[str, Any]] = {
    # §1.1: GP in secteur 1 / OPTAM / secteur 2 at tarif opposable; §1.4: midwives since avenant 5.
    # rev. « Confirmed »: 25 € for midwives too (not revalued by midwife avenant 7), majorations apply
    # except MSF; the midwives' own majorations have no code or amount in our sources.
    "TCG": {
        "kind": "teleconsultation",
        "mode_label": "téléconsultation",
        "valid_from": "2018-09-15",
        "eligibility": [
            _grant("medecin", specialties=["medecine_generale"], forbids=[{"flag": "depassement"}]),
            _grant(
                "sage_femme",
                valid_from="2022-03-19",
                note=(
                    "Sage-femme : TCG à 25 € ; vos majorations (nuit, jours fériés, hors MSF) se cotent "
                    "dans votre logiciel certifié."
                ),
            ),
        ],
        "extra_majorations": ["F", "MN", "MM", "SNP", "SHE"],
        "conditions": (
            "Remboursement : parcours de soins coordonné (sauf exceptions), alternance présentiel et "
            "téléconsultation, proximité territoriale, vidéo obligatoire, 20 % d’activité à distance au plus."
        ),
    },
    # §1.1: any other specialty; GP in secteur 2 without OPTAM billing a dépassement.
    "TC": {
        "kind": "teleconsultation",
        "mode_label": "téléconsultation",
        "valid_from": "2018-09-15",
        "amount_basis": "specialite",
        "unverified": ["amount"],
        "eligibility": [
            _grant("medecin", excluded_specialties=["medecine_generale"]),
            _grant(
                "medecin",
                specialties=["medecine_generale"],
                sectors=["secteur_2"],
                requires=[{"flag": "depassement"}],
                note="Généraliste en secteur 2 hors OPTAM facturant un dépassement.",
            ),
        ],
        "extra_majorations": ["F", "MN", "MM", "SNP", "SHE"],
        "conditions": (
            "Montant de base : consultation de référence de la spécialité (à saisir, non vérifié). Mêmes "
            "conditions de remboursement que TCG."
        ),
    },
    # §1.3: TE2/RQD since avenant 9 (1 Apr 2022, date UNVERIFIED); 23 € from 1 Jan 2026; no majoration.
    "TE2": {
        "kind": "teleexpertise_requis",
        "mode_label": "téléexpertise",
        "valid_from": "2022-04-01",
        "amounts": [{"from": "2022-04-01", "amount": "20.00"}, {"from": "2026-01-01", "amount": "23.00"}],
        "exclusive": True,
        "prescriber_required": True,
        "amo_rate": "1.00",
        "unverified": ["valid_from"],
        "eligibility": [
            _grant("medecin"),
            _grant("sage_femme", unverified=["eligibility"], note="Sage-femme requise : non vérifié."),
        ],
        "conditions": "4 par an et par patient au plus ; tiers payant, 100 % AMO ; aucun dépassement.",
    },
    "RQD": {
        "kind": "teleexpertise_requerant",
        "mode_label": "téléexpertise",
        "valid_from": "2022-04-01",
        "exclusive": True,
        "amo_rate": "1.00",
        "unverified": ["valid_from"],
        "eligibility": [_grant(p) for p in _REQUESTERS],
        "conditions": "4 par an et par patient au plus ; tiers payant, 100 % AMO ; aucun dépassement.",
    },
    # §1.3: replaced by TE2/RQD (end date UNVERIFIED: taken as the day before avenant 9).
    "TE1": {
        "kind": "teleexpertise_requis",
        "mode_label": "téléexpertise",
        "valid_from": "2019-02-10",
        "valid_to": "2022-03-31",
        "exclusive": True,
        "prescriber_required": True,
        "amo_rate": "1.00",
        "unverified": ["valid_to"],
        "eligibility": [_grant("medecin")],
        "conditions": "Acte historique, remplacé par TE2 et RQD.",
    },
    # §3: nurse accompaniment (NGAP 14.9.5, in force early 2020: day UNVERIFIED). Doctor as prescriber.
    "TLS": {
        "kind": "accompagnement",
        "mode_label": "accompagnement de téléconsultation",
        "setting": "soin_prevu",
        "valid_from": "2020-01-01",
        "prescriber_required": True,
        "unverified": ["valid_from"],
        "eligibility": [_grant("infirmier")],
        "conditions": (
            "Infirmier présent auprès du patient pendant la téléconsultation d’un médecin ou d’une "
            "sage-femme, au décours d’un soin déjà prévu ; cumul à taux plein avec les autres actes."
        ),
    },
    "TLL": {
        "kind": "accompagnement",
        "mode_label": "accompagnement de téléconsultation",
        "setting": "lieu_dedie",
        "valid_from": "2020-01-01",
        "prescriber_required": True,
        "unverified": ["valid_from"],
        "eligibility": [_grant("infirmier")],
        "conditions": (
            "Séance dans un lieu dédié à la téléconsultation ; indemnités de déplacement facturées une "
            "seule fois pour plusieurs patients au même endroit."
        ),
    },
    "TLD": {
        "kind": "accompagnement",
        "mode_label": "accompagnement de téléconsultation",
        "setting": "domicile",
        "valid_from": "2020-01-01",
        "prescriber_required": True,
        "unverified": ["valid_from"],
        "eligibility": [_grant("infirmier")],
        "conditions": "Déplacement organisé spécifiquement au domicile du patient pour la téléconsultation.",
    },
    # §1.5: télésoin, amount = coefficient × key letter (values UNVERIFIED: entered by the practitioner).
    "TMI": {
        "kind": "telesoin",
        "mode_label": "télésoin",
        "valid_from": "2023-03-23",
        "amount_basis": "coefficient",
        "unverified": ["amount"],
        "eligibility": [_grant("infirmier")],
        "conditions": (
            "Quatre actes seulement (surveillance post-hospitalisation, aide à la prise de médicaments, "
            "surveillance sous insuline, suivi de plaie) ; patient vu en présentiel dans les 12 mois."
        ),
    },
    "TMK": {
        "kind": "telesoin",
        "mode_label": "télésoin",
        "valid_from": "2024-02-22",
        "amount_basis": "coefficient",
        "unverified": ["amount", "billing_mode"],
        "eligibility": [_grant("masseur_kinesitherapeute")],
        "conditions": (
            "Bilan initial impossible à distance ; patient connu dans les 12 mois ; même territoire."
        ),
    },
    "TFS": {
        "kind": "telesoin",
        "mode_label": "acte à distance",
        "valid_from": "2022-03-19",
        "amount_basis": "acte_remplace",
        "unverified": ["amount", "valid_from"],
        "eligibility": [_grant("sage_femme")],
        "conditions": (
            "Patiente vue en présentiel dans les 12 mois (sauf IVG médicamenteuse, contraception d’urgence)."
        ),
    },
    # rev. « New »: speech-therapy télésoin (claims code 3142); §1.5: conditions (avenant 17). Start
    # date and key-letter value are not in our sources: the amount is entered.
    "TMO": {
        "kind": "telesoin",
        "mode_label": "télésoin",
        "valid_from": None,
        "amount_basis": "coefficient",
        "unverified": ["amount", "valid_from"],
        "eligibility": [_grant("orthophoniste")],
        "conditions": (
            "Tous les actes de la nomenclature sauf les bilans initiaux et ceux qui exigent un contact "
            "direct ; patient vu en présentiel dans les 12 mois ; vidéo obligatoire ; un parent présent "
            "pour un mineur."
        ),
    },
}

_GP = {"professions": ["medecin"], "specialties": ["medecine_generale"]}
_SPECIALIST = {"professions": ["medecin"], "excluded_specialties": ["medecine_generale"]}
_DOCTOR = {"professions": ["medecin"]}
_TELECONSULTATIONS = ["TCG", "TC"]
_REGULATED_ONLY = {
    **_DOCTOR,
    "extra_applies_to": _TELECONSULTATIONS,
    "requires": [{"flag": "acte_regule"}],
    "to_confirm": [
        {
            "acts": [],
            "from": None,
            "reason": (
                "Majoration régulée de permanence des soins : horaires et application à la "
                "téléconsultation non vérifiés."
            ),
        }
    ],
    "unverified": ["time_windows", "applicability"],
}

MIC_MSH_CONFIRM = [
    {
        "acts": [],
        "from": ACT_REGULATED_FROM,
        "reason": "Autorisée en téléconsultation en 2021 ; non vérifié depuis la convention de 2024.",
    }
]

MAJORATIONS: dict[str, dict[str, Any]] = {
    # §2 MEG: child under 6; rev. « Confirmed »: 5 €.
    "MEG": {
        **_GP,
        "below_age": 6,
        "auto": True,
        "valid_from": "2018-09-15",
        "conditions": "Enfant de moins de 6 ans, médecin généraliste.",
    },
    # §2 MCG; rev. « Confirmed »: 5 € (rule: UNCAM decision of 29/10/2024, art. 7).
    "MCG": {
        **_GP,
        "requires": [{"flag": "coordination"}],
        "forbids": [{"flag": "depassement"}, {"flag": "sans_medecin_traitant", "below_age": 16}],
        "excludes": ["SNP"],
        "valid_from": "2018-09-15",
        "conditions": "Généraliste correspondant, retour écrit au médecin traitant ; pas pour un enfant de "
        "moins de 16 ans sans médecin traitant.",
    },
    "MCS": {
        **_SPECIALIST,
        "requires": [{"flag": "coordination"}],
        "forbids": [{"flag": "depassement"}],
        "valid_from": "2018-09-15",
        "conditions": "Spécialiste correspondant, retour écrit au médecin traitant.",
    },
    # §2 MPC; rev. « Corrected »: psychiatrists no longer bill MPC (integrated into CNP).
    "MPC": {
        **_SPECIALIST,
        "excluded_specialties": ["medecine_generale", "psychiatrie"],
        "valid_from": "2018-09-15",
        "unverified": ["amount", "applicability"],
        "to_confirm": [
            {"acts": [], "from": None, "reason": "Valeur actuelle (2 € avant 2024) non vérifiée."}
        ],
        "conditions": "Majoration clinique du spécialiste ; intégrée à la consultation en psychiatrie "
        "depuis la convention de 2024.",
    },
    # §2 SNP/SHE: teleconsultation applicability UNVERIFIED (rev. confirms the amounts only).
    "SNP": {
        **_DOCTOR,
        "excluded_specialties": ["psychiatrie"],
        "extra_applies_to": _TELECONSULTATIONS,
        "requires": [{"flag": "regulation_sas"}],
        "forbids": [{"flag": "medecin_traitant"}],
        "excludes": ["MCG", "MHP", "CRN", "CRM", "CRD"],
        "valid_from": "2023-05-14",
        "unverified": ["applicability"],
        "to_confirm": [
            {"acts": [], "from": None, "reason": "Application à la téléconsultation non vérifiée."}
        ],
        "conditions": (
            "Patient adressé par le régulateur du SAS, vu sous 48 h ; pas pour vos propres patients."
        ),
    },
    "SHE": {
        **_DOCTOR,
        "excluded_specialties": ["psychiatrie"],
        "extra_applies_to": _TELECONSULTATIONS,
        "time_windows": [{"days": EVERY_DAY, "start": "19:00", "end": "21:00"}],
        "time_windows_label": "entre 19 h et 21 h",
        "requires_majorations": ["SNP"],
        "auto": True,  # added automatically once SNP applies, in the window
        "excludes": ["MHP"],
        "valid_from": "2024-12-22",
        "unverified": ["applicability"],
        "to_confirm": [
            {"acts": [], "from": None, "reason": "Application à la téléconsultation non vérifiée."}
        ],
        "conditions": "S’ajoute à SNP quand la consultation a lieu entre 19 h et 21 h.",
    },
    # §2 MHP; rev. « Confirmed »: 5 € on TCG, teleconsultation named (UNCAM decision, art. 8); on TC
    # it is still UNVERIFIED. PDSA hours: see PDSA_WINDOWS.
    "MHP": {
        **_DOCTOR,
        "extra_applies_to": _TELECONSULTATIONS,
        "time_windows": PDSA_WINDOWS,
        "time_windows_label": PDSA_LABEL,
        "forbids": [{"flag": "acte_regule"}],
        "excludes": ["SNP", "SHE", "F", "MN", "MM", "CRN", "CRM", "CRD"],
        "auto": True,  # a teleconsultation is not regulated unless the practitioner says so
        "valid_from": "2024-12-22",
        "unverified": ["applicability"],
        "to_confirm": [
            {
                "acts": ["TC"],
                "from": None,
                "reason": "Confirmée sur le TCG ; sur le TC (spécialiste), elle n’est pas vérifiée.",
            }
        ],
        "conditions": "Acte non régulé aux horaires de permanence des soins.",
    },
    # §2 F/MN/MM: since 22 Dec 2024 only for a regulated act or a justified urgency; rev.: amounts
    # confirmed, teleconsultation use after 22/12/2024 still UNVERIFIED.
    "F": {
        **_DOCTOR,
        "extra_applies_to": _TELECONSULTATIONS,
        "time_windows": [{"days": ["sun", "holiday"], "start": "08:00", "end": "20:00"}],
        "time_windows_label": "le dimanche et les jours fériés de 8 h à 20 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["MN", "MM", "MHP", "CRN", "CRM", "CRD"],
        "unverified": ["applicability", "time_windows"],
        "to_confirm": NIGHT_AND_SUNDAY_CONFIRM,
        "conditions": "Dimanche et jours fériés ; depuis le 22 décembre 2024, "
        "acte régulé ou urgence justifiée "
        "seulement. La nuit, MN ou MM s’appliquent à la place.",
    },
    "MN": {
        **_DOCTOR,
        "extra_applies_to": _TELECONSULTATIONS,
        "time_windows": [
            {"days": EVERY_DAY, "start": "20:00", "end": "00:00"},
            {"days": EVERY_DAY, "start": "06:00", "end": "08:00"},
        ],
        "time_windows_label": "de 20 h à minuit et de 6 h à 8 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["F", "MM", "MHP", "CRN", "CRM", "CRD"],
        "unverified": ["applicability"],
        "to_confirm": NIGHT_AND_SUNDAY_CONFIRM,
        "conditions": "Nuit ; depuis le 22 décembre 2024, acte régulé ou urgence justifiée seulement.",
    },
    "MM": {
        **_DOCTOR,
        "extra_applies_to": _TELECONSULTATIONS,
        "time_windows": [{"days": EVERY_DAY, "start": "00:00", "end": "06:00"}],
        "time_windows_label": "de minuit à 6 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["F", "MN", "MHP", "CRN", "CRM", "CRD"],
        "unverified": ["applicability"],
        "to_confirm": NIGHT_AND_SUNDAY_CONFIRM,
        "conditions": (
            "Milieu de nuit ; depuis le 22 décembre 2024, acte régulé ou urgence justifiée seulement."
        ),
    },
    # rev. « Corrected »: MIC and MSH are hospital-discharge majorations of the médecin traitant, 23 €
    # each; allowed on teleconsultation in 2021 (SNDS), post-2024 status UNVERIFIED.
    "MIC": {
        **_DOCTOR,
        "requires": [{"flag": "medecin_traitant"}, {"flag": "sortie_hospitalisation_ic"}],
        "unverified": ["applicability"],
        "to_confirm": MIC_MSH_CONFIRM,
        "conditions": "Médecin traitant, patient sorti d’hospitalisation pour insuffisance cardiaque "
        "depuis moins de 2 mois.",
    },
    "MSH": {
        **_DOCTOR,
        "requires": [{"flag": "medecin_traitant"}, {"flag": "sortie_hospitalisation_polypathologique"}],
        "unverified": ["applicability"],
        "to_confirm": MIC_MSH_CONFIRM,
        "conditions": "Médecin traitant, patient polypathologique sorti d’hospitalisation depuis moins "
        "d’un mois.",
    },
    # rev. « New »: MOP 5 €, patient over 80 outside the practice's patients, valid in teleconsultation.
    # Start date (1 Jan 2024), any specialty, secteur 1 or OPTAM only: NGAP art. 15.2.5 as quoted by
    # FMF (EXTRA_ITEMS). « Over 80 » is read as « 80 ans révolus » (docs/decisions-desktop-billing.md).
    "MOP": {
        **_DOCTOR,
        "extra_applies_to": _TELECONSULTATIONS,
        "from_age": 80,
        "sectors": ["secteur_1", "secteur_2_optam"],
        "requires": [{"flag": "hors_patientele_mt"}],
        "forbids": [{"flag": "medecin_traitant"}],
        "valid_from": "2024-01-01",
        "conditions": "Patient de 80 ans ou plus dont vous n’êtes pas le médecin traitant ; médecins en "
        "secteur 1 ou adhérents OPTAM.",
    },
    # rev. « New »: regulated PDSA majorations CRN 42.50 / CRM 51.50 / CRD 26.50 €; CRM was 59.50 € in
    # January 2025 (amount UNVERIFIED). Hours are those of MN / MM / F (UNVERIFIED): optional lines.
    "CRN": {
        **_REGULATED_ONLY,
        "time_windows": [
            {"days": EVERY_DAY, "start": "20:00", "end": "00:00"},
            {"days": EVERY_DAY, "start": "06:00", "end": "08:00"},
        ],
        "time_windows_label": "de 20 h à minuit et de 6 h à 8 h",
        "excludes": ["F", "MN", "MM", "MHP", "CRM", "CRD", "SNP"],
        "conditions": "Acte régulé (15 ou SAS) aux horaires de permanence des soins, la nuit.",
    },
    "CRM": {
        **_REGULATED_ONLY,
        "time_windows": [{"days": EVERY_DAY, "start": "00:00", "end": "06:00"}],
        "time_windows_label": "de minuit à 6 h",
        "excludes": ["F", "MN", "MM", "MHP", "CRN", "CRD", "SNP"],
        "unverified": ["amount", "time_windows", "applicability"],
        "conditions": "Acte régulé (15 ou SAS) aux horaires de permanence des soins, en milieu de nuit "
        "(59,50 € en janvier 2025, 51,50 € ensuite : montant à vérifier).",
    },
    "CRD": {
        **_REGULATED_ONLY,
        "time_windows": [
            {"days": ["sun", "holiday"], "start": "08:00", "end": "20:00"},
            {"days": ["sat"], "start": "14:00", "end": "20:00", "confirm": SATURDAY_CONFIRM},
        ],
        "time_windows_label": "le dimanche et les jours fériés de 8 h à 20 h, le samedi après-midi",
        "excludes": ["F", "MN", "MM", "MHP", "CRN", "CRM", "SNP"],
        "conditions": "Acte régulé (15 ou SAS) aux horaires de permanence des soins, le jour.",
    },
    # §3 and rev. « Confirmed »: IFD 2.75 € since 28/01/2024 (nurse avenant 10). Due on TLD (a trip
    # organised for the teleconsultation; secondary sources) and on TLL once for the patients seen in a
    # row at the same place, two trips at most (the nurse confirms). IK (per km) are not modelled.
    "IFD": {
        "kind": "indemnite",
        "professions": ["infirmier"],
        "extra_applies_to": ["TLD", "TLL"],
        "amounts": [{"from": "2024-01-28", "amount": "2.75"}],
        "auto": True,
        "label": "Indemnité forfaitaire de déplacement",
        "status": "verified",
        "verification": "verified: IFD 2.75 € since 28/01/2024 (BILLING.md, revision of 2026-12-02); "
        "IK not modelled",
        "to_confirm": [
            {
                "acts": ["TLL"],
                "from": None,
                "reason": (
                    "Une seule indemnité pour plusieurs patients vus à la suite au même endroit, deux "
                    "déplacements au plus."
                ),
            }
        ],
        "conditions": "Déplacement de l’infirmier pour la téléconsultation : au domicile du patient (TLD), "
        "ou vers le lieu dédié, une fois par déplacement (TLL).",
    },
}
# The shared JSON's « IFD/IK » item becomes the IFD allowance; IK (per km) stay in the certified software.
RENAMED = {"IFD/IK": "IFD"}

FMF_MOP = "https://fmfpro.org/?nom_tarif=tarif-56&p=9455"
REVISION = "BILLING.md, « Revision of 2026-12-02 »"


def _extra(code: str, kind: str, label: str, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": kind,
        "code": code,
        "label_fr": label,
        "professions": [],
        "amount_eur": None,
        "amount_note": None,
        "conditions": None,
        "combinable_with": [],
        "not_combinable_with": [],
        "billing_mode": None,
        "b2_code": None,
        "ps5_code": None,
        "source_url": REVISION,
        "other_sources": [],
        "tariff_date": None,
        "verification": None,
        "notes": None,
    }
    item.update(fields)
    return item


# Items of the revision that the shared JSON does not hold yet, in its own shape (the shared file wins
# once it holds them). Sources beyond BILLING.md are named in each item.
EXTRA_ITEMS = [
    _extra(
        "MOP",
        "majoration",
        "Majoration pour le suivi des personnes âgées (80 ans et plus, médecin non traitant)",
        professions=["médecin (secteur 1 ou OPTAM)"],
        amount_eur=5.0,
        conditions="Patient over 80 outside the practice's patients (not the MT); valid in teleconsultation.",
        source_url=FMF_MOP,
        other_sources=[
            REVISION,
            "https://snorl.org/category-acces-libre/la-nouvelle-convention-noubliez-pas-la-mop",
            "https://www.ameli.fr/medecin/exercice-liberal/facturation-remuneration/consultations-actes/"
            "tarifs/tarifs-generalistes/majoration-personnes-agees",
        ],
        tariff_date="2024-01-01 (replaces the quarterly MPA)",
        verification="verified (5 €, teleconsultation named in NGAP art. 15.2.5 as quoted by FMF; "
        "age boundary wording « plus de 80 ans »)",
    ),
    _extra(
        "TMO",
        "act",
        "Acte d’orthophonie réalisé en télésoin",
        professions=["orthophoniste"],
        amount_note="Coefficient of the equivalent act × AMO key letter (value not in our sources).",
        conditions="Avenant 17: télésoin made permanent; no initial assessment at a distance; patient "
        "known within 12 months; video mandatory.",
        b2_code="TMO",
        ps5_code="3142",
        source_url="https://www.ameli.fr/orthophoniste/actualites/telesante-conditions-de-realisation-"
        "modalites-de-facturation-et-aides-l-equipement",
        other_sources=[REVISION],
        tariff_date="2022-07 (ameli page); start date unverified",
        verification="partial: code and claims code 3142 from the revision; amount by coefficient",
    ),
    *(
        _extra(
            code,
            "majoration",
            label,
            professions=["médecin (acte régulé)"],
            amount_eur=amount,
            conditions="Regulated PDSA majoration.",
            tariff_date=tariff_date,
            verification=verification,
        )
        for code, label, amount, tariff_date, verification in (
            (
                "CRN",
                "Majoration régulée de permanence des soins, nuit",
                42.5,
                None,
                "partial: amount from the revision; hours and teleconsultation use unverified",
            ),
            (
                "CRM",
                "Majoration régulée de permanence des soins, milieu de nuit",
                51.5,
                "59.50 € in January 2025, 51.50 € later (date of the change unknown)",
                "unverified: amount moved (59.50 € in January 2025); hours and teleconsultation use too",
            ),
            (
                "CRD",
                "Majoration régulée de permanence des soins, dimanche et jours fériés",
                26.5,
                None,
                "partial: amount from the revision; hours and teleconsultation use unverified",
            ),
        )
    ),
]

SKIPPED = {
    "TLM": "Code traceur des pharmacies, sans rémunération vérifiée : hors du périmètre de l’application.",
    "TTE": "Acte historique (convention 2016), sans montant.",
    "TDT": "Acte historique (convention 2016), sans montant.",
    "nurse night/Sunday, MIE, MAU": "Majorations infirmières sans code ni montant vérifiés : non proposées.",
}

_CODE_TOKEN = re.compile(r"^([A-Z0-9]+(?:/[A-Z0-9]+)*)\b")


def _codes(texts: list[str]) -> list[str]:
    """Leading code tokens of free-text combination entries: 'MIC/MSH (urgence…)' → ['MIC', 'MSH']."""
    found: list[str] = []
    for text in texts:
        match = _CODE_TOKEN.match(text)
        if match:
            found.extend(match.group(1).split("/"))
    return found


def _status(verification: str | None) -> str:
    """« partial: amount confirmed… » → « partial » (the first word, without its punctuation)."""
    word = re.split(r"[\s:;,(]", (verification or "unverified").strip(), maxsplit=1)[0].lower()
    return word if word in {"verified", "partial", "unverified", "historical"} else "unverified"


def _money(value: float) -> str:
    return f"{value:.2f}"


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _amounts(
    code: str, item: dict[str, Any], overlay: dict[str, Any], valid_from: str | None
) -> list[dict[str, str | None]]:
    """The amount schedule: steps with ``from`` and ``to`` (inclusive; ``None`` when open or unknown).

    Each step ends the day before the next one starts; the last ends with the code (``valid_to``).
    """
    shared = item.get("amount_eur")
    steps: list[dict[str, str]] = overlay.get("amounts") or []
    if steps:
        if shared is not None and _money(shared) not in {s["amount"] for s in steps}:
            raise SystemExit(
                f"{code}: shared amount {shared} is not in the overlay schedule; update the overlay"
            )
    elif shared is not None:
        steps = (
            [{"from": valid_from, "amount": _money(shared)}] if valid_from else [{"amount": _money(shared)}]
        )
    schedule: list[dict[str, str | None]] = []
    for index, step in enumerate(steps):
        following = steps[index + 1].get("from") if index + 1 < len(steps) else None
        end = _day_before(following) if following else step.get("to", overlay.get("valid_to"))
        schedule.append({"from": step.get("from"), "to": end, "amount": step["amount"]})
    return schedule


def _sources(item: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    verification = overlay.get("verification", item.get("verification"))
    return {
        "source": item.get("source_url"),
        "other_sources": item.get("other_sources") or [],
        "verification": verification,
        "status": overlay.get("status", _status(verification)),
        "source_conditions": item.get("conditions"),
        "amount_note": item.get("amount_note"),
        "tariff_date": item.get("tariff_date"),
    }


def _act(item: dict[str, Any], known_majorations: set[str]) -> dict[str, Any]:
    code = item["code"]
    overlay = ACTS[code]
    combinable = [c for c in _codes(item.get("combinable_with") or []) if c in known_majorations]
    not_combinable = " ".join(item.get("not_combinable_with") or []).lower()
    return {
        "code": code,
        "label": item["label_fr"],
        "kind": overlay["kind"],
        "mode_label": overlay["mode_label"],
        "historical": item["kind"] == "historical_act",
        "setting": overlay.get("setting"),
        "eligibility": overlay["eligibility"],
        "professions_source": item.get("professions") or [],
        "amounts": _amounts(code, item, overlay, overlay.get("valid_from")),
        "amount_basis": overlay.get("amount_basis"),
        "valid_from": overlay.get("valid_from"),
        "valid_to": overlay.get("valid_to"),
        "majorations": sorted(set(combinable) | set(overlay.get("extra_majorations", []))),
        "exclusive": overlay.get("exclusive", False) or "toute majoration" in not_combinable,
        "prescriber_required": overlay.get("prescriber_required", False),
        "amo_rate": overlay.get("amo_rate"),
        "conditions": overlay["conditions"],
        "billing_mode": item.get("billing_mode"),
        "b2_code": item.get("b2_code"),
        "ps5_code": item.get("ps5_code"),
        "unverified": overlay.get("unverified", []),
        **_sources(item, overlay),
    }


def _majoration(item: dict[str, Any], code: str) -> dict[str, Any]:
    overlay = MAJORATIONS[code]
    valid_from = overlay.get("valid_from")
    applies = set(_codes(item.get("combinable_with") or [])) & set(ACTS)
    return {
        "code": code,
        "kind": overlay.get("kind", "majoration"),
        "label": overlay.get("label", item["label_fr"]),
        "label_source": item["label_fr"],
        "professions": overlay["professions"],
        "specialties": overlay.get("specialties", []),
        "excluded_specialties": overlay.get("excluded_specialties", []),
        "sectors": overlay.get("sectors", []),
        "applies_to": sorted(applies | set(overlay.get("extra_applies_to", []))),
        "amounts": _amounts(code, item, overlay, valid_from),
        "valid_from": valid_from,
        "valid_to": overlay.get("valid_to"),
        "below_age": overlay.get("below_age"),
        "from_age": overlay.get("from_age"),
        "time_windows": overlay.get("time_windows", []),
        "time_windows_label": overlay.get("time_windows_label"),
        "requires": overlay.get("requires", []),
        "forbids": overlay.get("forbids", []),
        "excludes": sorted(
            set(overlay.get("excludes", []))
            | set(_codes(item.get("not_combinable_with") or [])) & set(MAJORATIONS)
        ),
        "requires_majorations": overlay.get("requires_majorations", []),
        "auto": overlay.get("auto", False),
        "to_confirm": overlay.get("to_confirm", []),
        "conditions": overlay["conditions"],
        "unverified": overlay.get("unverified", []),
        **_sources(item, overlay),
    }


def build(shared: dict[str, Any], source_bytes: bytes) -> dict[str, Any]:
    """The normalised catalog for `shared`, the parsed research catalog whose bytes are `source_bytes`."""
    acts: list[dict[str, Any]] = []
    majorations: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    items = list(shared["items"])
    present = {item["code"] for item in items}
    items += [extra for extra in EXTRA_ITEMS if extra["code"] not in present]
    for item in items:
        code = RENAMED.get(item["code"], item["code"])
        if item["code"] in SKIPPED:
            skipped.append({"code": item["code"], "reason": SKIPPED[item["code"]]})
        elif code in MAJORATIONS and item["kind"] in {"majoration", "allowance"}:
            majorations.append(_majoration(item, code))
        elif code in ACTS and item["kind"] in {"act", "historical_act"}:
            acts.append(_act(item, set(MAJORATIONS)))
        else:
            raise SystemExit(
                f"{code} ({item['kind']}): unknown to scripts/build_catalog.py; add it to the overlay"
            )
    # A majoration allowed by either side is allowed on both sides.
    by_code = {a["code"]: a for a in acts}
    for maj in majorations:
        for act_code in maj["applies_to"]:
            if act_code in by_code and not by_code[act_code]["exclusive"]:
                by_code[act_code]["majorations"] = sorted({*by_code[act_code]["majorations"], maj["code"]})
    for act in acts:
        for maj in majorations:
            if maj["code"] in act["majorations"]:
                maj["applies_to"] = sorted({*maj["applies_to"], act["code"]})
    return {
        "schema": SCHEMA,
        "generated_by": "scripts/build_catalog.py",
        "origin": {
            "file": "teleconsultation-acts.json",
            "schema_version": shared.get("schema_version"),
            "sha256": hashlib.sha256(source_bytes).hexdigest(),
        },
        "territory": "métropole",
        "flags": FLAGS,
        "parcours_indicators": PARCOURS_INDICATORS,
        "reimbursement": {"source": REIMBURSEMENT_SOURCE, "by_profession": REIMBURSEMENT},
        "acts": acts,
        "majorations": majorations,
        "skipped": skipped,
    }


def render(catalog: dict[str, Any]) -> str:
    """The exact text written to the shipped file."""
    return json.dumps(catalog, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--check", action="store_true", help="fail when the target is out of date")
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    text = render(build(json.loads(raw), raw))
    if args.check:
        current = args.target.read_text(encoding="utf-8") if args.target.exists() else ""
        if current != text:
            print(f"{args.target} is out of date: run python scripts/build_catalog.py", file=sys.stderr)
            return 1
        return 0
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text(text, encoding="utf-8")
    print(f"wrote {args.target} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
