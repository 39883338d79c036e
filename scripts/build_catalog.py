"""Build resources/billing/catalog.json from the shared research catalog (teleconsultation-acts.json).

The shared file is written for people: professions, combinations and conditions are free text, in
English or French. This script copies what it can (codes, labels, amounts, sources, verification
status) and adds, from the overlay below, the structured facts the rules engine needs (professions
as enum values, validity dates, time windows, age limits, context flags, French conditions). Every
overlay fact cites the section of ``BILLING.md`` it comes from in a comment.

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "billing" / "teleconsultation-acts.json"
TARGET = ROOT / "resources" / "billing" / "catalog.json"
SCHEMA = 1

CONVENTIONED = ["secteur_1", "secteur_2_optam", "secteur_2"]
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# BILLING.md §2, MHP row: Mon–Fri 20:00–08:00, Saturday from 12:00, Sunday/holiday 08:00–08:00.
PDSA_WINDOWS = [
    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "20:00", "end": "08:00"},
    {"days": ["sat"], "start": "12:00", "end": "08:00"},
    {"days": ["sun", "holiday"], "start": "08:00", "end": "08:00"},
]
PDSA_LABEL = "du lundi au vendredi de 20 h à 8 h, le samedi à partir de 12 h, le dimanche et les jours fériés"
REGULATED_SINCE_2024 = [{"flag": "acte_regule", "from": "2024-12-22"}]  # BILLING.md §0.3 and §2

FLAGS = {
    "depassement": "Dépassement d’honoraires facturé",
    "coordination": (
        "Consultation de correspondant dans le parcours coordonné (retour écrit au médecin traitant)"
    ),
    "regulation_sas": "Patient adressé par le régulateur du SAS et vu sous 48 h",
    "acte_regule": "Acte régulé (15 ou SAS) ou urgence justifiée",
    "urgence_mt_declare": "Urgence, patient ayant déclaré un médecin traitant",
    "medecin_traitant": "Vous êtes le médecin traitant de ce patient",
    "sans_medecin_traitant": "Le patient n’a pas de médecin traitant",
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
    "TCG": {
        "kind": "teleconsultation",
        "mode_label": "téléconsultation",
        "valid_from": "2018-09-15",
        "eligibility": [
            _grant("medecin", specialties=["medecine_generale"], forbids=[{"flag": "depassement"}]),
            _grant(
                "sage_femme",
                valid_from="2022-03-19",
                unverified=["amount"],
                note="Sage-femme : même tarif que l’acte présentiel remplacé (montant non vérifié).",
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
}

_GP = {"professions": ["medecin"], "specialties": ["medecine_generale"]}
_SPECIALIST = {"professions": ["medecin"], "excluded_specialties": ["medecine_generale"]}
_DOCTOR = {"professions": ["medecin"]}

MAJORATIONS: dict[str, dict[str, Any]] = {
    # §2 MEG: child under 6; amount after 2024 UNVERIFIED.
    "MEG": {
        **_GP,
        "below_age": 6,
        "auto": True,
        "valid_from": "2018-09-15",
        "unverified": ["amount"],
        "conditions": "Enfant de moins de 6 ans, médecin généraliste.",
    },
    "MCG": {
        **_GP,
        "requires": [{"flag": "coordination"}],
        "forbids": [{"flag": "depassement"}, {"flag": "sans_medecin_traitant", "below_age": 16}],
        "excludes": ["SNP"],
        "valid_from": "2018-09-15",
        "unverified": ["amount"],
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
    "MPC": {
        **_SPECIALIST,
        "valid_from": "2018-09-15",
        "unverified": ["amount", "applicability"],
        "conditions": "Majoration clinique du spécialiste (2,70 € en psychiatrie avant 2024) : "
        "valeur actuelle "
        "non vérifiée.",
    },
    # §2 SNP/SHE: teleconsultation applicability UNVERIFIED.
    "SNP": {
        **_DOCTOR,
        "excluded_specialties": ["psychiatrie"],
        "extra_applies_to": ["TCG", "TC"],
        "requires": [{"flag": "regulation_sas"}],
        "forbids": [{"flag": "medecin_traitant"}],
        "excludes": ["MCG", "MHP"],
        "valid_from": "2023-05-14",
        "unverified": ["applicability"],
        "conditions": (
            "Patient adressé par le régulateur du SAS, vu sous 48 h ; pas pour vos propres patients."
        ),
    },
    "SHE": {
        **_DOCTOR,
        "excluded_specialties": ["psychiatrie"],
        "extra_applies_to": ["TCG", "TC"],
        "time_windows": [{"days": [*ALL_DAYS, "holiday"], "start": "19:00", "end": "21:00"}],
        "time_windows_label": "entre 19 h et 21 h",
        "requires_majorations": ["SNP"],
        "auto": True,  # added automatically once SNP applies, in the window
        "excludes": ["MHP"],
        "valid_from": "2024-12-22",
        "unverified": ["amount", "applicability"],
        "conditions": "S’ajoute à SNP quand la consultation a lieu entre 19 h et 21 h.",
    },
    # §2 MHP: non-regulated act at PDSA hours; teleconsultation applicability from the press only.
    "MHP": {
        **_DOCTOR,
        "time_windows": PDSA_WINDOWS,
        "time_windows_label": PDSA_LABEL,
        "forbids": [{"flag": "acte_regule"}],
        "excludes": ["SNP", "SHE"],
        "valid_from": "2024-12-22",
        "unverified": ["amount", "applicability"],
        "conditions": "Acte non régulé aux horaires de permanence des soins.",
    },
    # §2 F/MN/MM: since 22 Dec 2024 only for a regulated act or a justified urgency.
    "F": {
        **_DOCTOR,
        "extra_applies_to": ["TCG", "TC"],
        "time_windows": [{"days": ["sun", "holiday"], "start": "08:00", "end": "20:00"}],
        "time_windows_label": "le dimanche et les jours fériés de 8 h à 20 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["MN", "MM", "MHP"],
        "unverified": ["applicability", "time_windows"],
        "conditions": "Dimanche et jours fériés ; depuis le 22 décembre 2024, "
        "acte régulé ou urgence justifiée "
        "seulement. La nuit, MN ou MM s’appliquent à la place.",
    },
    "MN": {
        **_DOCTOR,
        "extra_applies_to": ["TCG", "TC"],
        "time_windows": [
            {"days": [*ALL_DAYS, "holiday"], "start": "20:00", "end": "00:00"},
            {"days": [*ALL_DAYS, "holiday"], "start": "06:00", "end": "08:00"},
        ],
        "time_windows_label": "de 20 h à minuit et de 6 h à 8 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["F", "MM", "MHP"],
        "unverified": ["applicability"],
        "conditions": "Nuit ; depuis le 22 décembre 2024, acte régulé ou urgence justifiée seulement.",
    },
    "MM": {
        **_DOCTOR,
        "extra_applies_to": ["TCG", "TC"],
        "time_windows": [{"days": [*ALL_DAYS, "holiday"], "start": "00:00", "end": "06:00"}],
        "time_windows_label": "de minuit à 6 h",
        "requires": REGULATED_SINCE_2024,
        "excludes": ["F", "MN", "MHP"],
        "unverified": ["applicability"],
        "conditions": (
            "Milieu de nuit ; depuis le 22 décembre 2024, acte régulé ou urgence justifiée seulement."
        ),
    },
    # §2 MIC/MSH: amount and label UNVERIFIED: the practitioner enters the amount.
    "MIC": {
        **_DOCTOR,
        "label": "Majoration MIC (urgence, médecin traitant déclaré) — libellé non vérifié",
        "requires": [{"flag": "urgence_mt_declare"}],
        "unverified": ["amount", "label", "applicability"],
        "conditions": "Téléconsultation en urgence, patient avec médecin traitant déclaré (SNDS 2021).",
    },
    "MSH": {
        **_DOCTOR,
        "label": "Majoration MSH (urgence, médecin traitant déclaré) — libellé non vérifié",
        "requires": [{"flag": "urgence_mt_declare"}],
        "unverified": ["amount", "label", "applicability"],
        "conditions": "Téléconsultation en urgence, patient avec médecin traitant déclaré (SNDS 2021).",
    },
}

SKIPPED = {
    "TLM": "Code traceur des pharmacies, sans rémunération vérifiée : hors du périmètre de l’application.",
    "TTE": "Acte historique (convention 2016), sans montant.",
    "TDT": "Acte historique (convention 2016), sans montant.",
    "IFD/IK": "Indemnités de déplacement : montants non vérifiés, à saisir dans le logiciel certifié.",
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
    word = (verification or "unverified").split()[0].lower()
    return word if word in {"verified", "partial", "unverified", "historical"} else "unverified"


def _money(value: float) -> str:
    return f"{value:.2f}"


def _amounts(
    code: str, item: dict[str, Any], overlay: dict[str, Any], valid_from: str | None
) -> list[dict[str, str]]:
    shared = item.get("amount_eur")
    steps: list[dict[str, str]] = overlay.get("amounts") or []
    if steps:
        if shared is not None and _money(shared) not in {s["amount"] for s in steps}:
            raise SystemExit(
                f"{code}: shared amount {shared} is not in the overlay schedule; update the overlay"
            )
        return steps
    if shared is None:
        return []
    return [{"from": valid_from or "2000-01-01", "amount": _money(shared)}]


def _sources(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": item.get("source_url"),
        "other_sources": item.get("other_sources") or [],
        "verification": item.get("verification"),
        "status": _status(item.get("verification")),
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
        **_sources(item),
    }


def _majoration(item: dict[str, Any]) -> dict[str, Any]:
    code = item["code"]
    overlay = MAJORATIONS[code]
    shared_amount = item.get("amount_eur")
    valid_from = overlay.get("valid_from")
    applies = set(_codes(item.get("combinable_with") or [])) & set(ACTS)
    return {
        "code": code,
        "label": overlay.get("label", item["label_fr"]),
        "label_source": item["label_fr"],
        "professions": overlay["professions"],
        "specialties": overlay.get("specialties", []),
        "excluded_specialties": overlay.get("excluded_specialties", []),
        "applies_to": sorted(applies | set(overlay.get("extra_applies_to", []))),
        "amounts": []
        if shared_amount is None
        else [{"from": valid_from or "2000-01-01", "amount": _money(shared_amount)}],
        "valid_from": valid_from,
        "valid_to": overlay.get("valid_to"),
        "below_age": overlay.get("below_age"),
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
        "conditions": overlay["conditions"],
        "unverified": overlay.get("unverified", []),
        **_sources(item),
    }


def build(shared: dict[str, Any], source_bytes: bytes) -> dict[str, Any]:
    """The normalised catalog for `shared`, the parsed research catalog whose bytes are `source_bytes`."""
    acts: list[dict[str, Any]] = []
    majorations: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for item in shared["items"]:
        code = item["code"]
        if code in SKIPPED:
            skipped.append({"code": code, "reason": SKIPPED[code]})
        elif code in MAJORATIONS and item["kind"] == "majoration":
            majorations.append(_majoration(item))
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
