"""The shipped act catalog: up to date with the shared research JSON, complete, UNVERIFIED items flagged."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from contracts.billing.catalog import Catalog, Verification, read_catalog_text
from contracts.billing.professions import Profession

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "billing" / "teleconsultation-acts.json"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "scripts" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_catalog_is_up_to_date_with_the_shared_json() -> None:
    if not SHARED.exists():
        pytest.skip(f"shared research catalog not present at {SHARED}: nothing to compare with")
    script = _build_script()
    raw = SHARED.read_bytes()
    expected = script.render(script.build(json.loads(raw), raw))
    assert read_catalog_text() == expected, "run: python scripts/build_catalog.py"


def test_build_refuses_a_code_it_does_not_know() -> None:
    script = _build_script()
    shared = {"items": [{"kind": "act", "code": "TXX", "label_fr": "Inconnu"}]}
    with pytest.raises(SystemExit, match="TXX"):
        script.build(shared, b"{}")


def test_build_refuses_an_amount_that_left_the_schedule() -> None:
    if not SHARED.exists():
        pytest.skip(f"shared research catalog not present at {SHARED}")
    script = _build_script()
    shared = json.loads(SHARED.read_bytes())
    te2 = next(item for item in shared["items"] if item["code"] == "TE2")
    te2["amount_eur"] = 21.0
    with pytest.raises(SystemExit, match="TE2"):
        script.build(shared, b"{}")


def test_the_shared_file_wins_over_the_overlay_extras_once_it_holds_them() -> None:
    if not SHARED.exists():
        pytest.skip(f"shared research catalog not present at {SHARED}")
    script = _build_script()
    shared = json.loads(SHARED.read_bytes())
    assert "MOP" not in {item["code"] for item in shared["items"]}
    built = script.build(shared, b"{}")
    assert next(m for m in built["majorations"] if m["code"] == "MOP")["amounts"][0]["amount"] == "5.00"
    mop = {**next(e for e in script.EXTRA_ITEMS if e["code"] == "MOP"), "amount_eur": 5.5}
    shared["items"].append(mop)
    revalued = script.build(shared, b"{}")
    assert [m["code"] for m in revalued["majorations"]].count("MOP") == 1
    assert next(m for m in revalued["majorations"] if m["code"] == "MOP")["amounts"][0]["amount"] == "5.50"


def test_verification_statuses_follow_the_shared_wording() -> None:
    script = _build_script()
    assert script._status("partial: amount 19.06 € confirmed (secondary, 2026)") == "partial"
    assert script._status("verified (amount métropole and midwife, secondary sources)") == "verified"
    assert script._status("unverified (current)") == "unverified"
    assert script._status(None) == "unverified"


def test_every_act_and_majoration_keeps_label_amount_dates_and_source(catalog: Catalog) -> None:
    assert {"TCG", "TC", "TE2", "RQD", "TLS", "TLL", "TLD", "TMI", "TMK", "TFS", "TMO"} <= set(catalog.acts)
    assert {"MEG", "MCG", "MCS", "MHP", "F", "MN", "MM", "MOP", "CRN", "CRM", "CRD", "IFD"} <= set(
        catalog.majorations
    )
    for entry in [*catalog.acts.values(), *catalog.majorations.values()]:
        assert entry.label and entry.conditions and entry.source, entry.code
        # A web source, or the revision of BILLING.md for what it found without naming a page.
        assert entry.source.startswith(("http", "BILLING.md")), entry.code
        assert all(isinstance(step.amount, Decimal) for step in entry.amounts), entry.code
        assert entry.verification, entry.code
    for act in catalog.acts.values():
        assert act.eligibility, act.code


def test_amount_schedules_have_no_gap_and_no_overlap(catalog: Catalog) -> None:
    for entry in [*catalog.acts.values(), *catalog.majorations.values()]:
        for before, after in zip(entry.amounts, entry.amounts[1:], strict=False):
            assert before.valid_to is not None and after.valid_from is not None, entry.code
            assert (after.valid_from - before.valid_to).days == 1, entry.code
    te1 = catalog.act("TE1")
    assert te1.amounts[-1].valid_to == te1.valid_to == date(2022, 3, 31)


def test_amounts_are_the_documented_ones(catalog: Catalog) -> None:
    day = date(2026, 11, 24)
    expected = {
        "TCG": "25.00", "TLS": "10.00", "TLL": "12.00", "TLD": "15.00", "RQD": "10.00",
        "MEG": "5.00", "MCG": "5.00", "MCS": "5.00", "MHP": "5.00", "MOP": "5.00", "MIC": "23.00",
        "MSH": "23.00", "F": "19.06", "MN": "35.00", "MM": "40.00", "CRN": "42.50", "CRM": "51.50",
        "CRD": "26.50", "IFD": "2.75",
    }  # fmt: skip
    assert {code: str(catalog.entry(code).amount_on(day)) for code in expected} == expected


@pytest.mark.parametrize(
    ("code", "day", "amount"),
    [
        # TE2 went from 20 € to 23 € on 1 January 2026 (BILLING.md §1.3 and its revision).
        ("TE2", date(2025, 12, 31), Decimal("20.00")),
        ("TE2", date(2026, 1, 1), Decimal("23.00")),
        ("TE2", date(2022, 3, 31), None),  # before the code existed
        # IFD is 2.75 € since 28 January 2024 (nurse avenant 10); the amount before is not in our data.
        ("IFD", date(2024, 1, 27), None),
        ("IFD", date(2024, 1, 28), Decimal("2.75")),
        # TE1 ended on 31 March 2022.
        ("TE1", date(2022, 3, 31), Decimal("12.00")),
        ("TE1", date(2022, 4, 1), None),
    ],
)
def test_amounts_apply_by_the_day_of_the_act(
    catalog: Catalog, code: str, day: date, amount: Decimal | None
) -> None:
    assert catalog.entry(code).amount_on(day) == amount


def test_what_the_revision_verified_is_no_longer_flagged(catalog: Catalog) -> None:
    verified = ["TCG", "TLD", "TE2", "MEG", "MCG", "MCS", "MHP", "MOP", "F", "MN", "MM", "MIC", "IFD"]
    assert [code for code in verified if catalog.entry(code).amount_unverified] == []
    midwife = next(g for g in catalog.act("TCG").eligibility if g.profession is Profession.SAGE_FEMME)
    assert "amount" not in midwife.unverified
    assert catalog.majoration("MIC").label.startswith("Majoration sortie d'hospitalisation")
    assert "urgence_mt_declare" not in catalog.flags


def test_what_stays_unverified_is_flagged(catalog: Catalog) -> None:
    assert catalog.act("TC").amount_unverified and catalog.act("TC").amount_on(date(2026, 1, 1)) is None
    assert catalog.act("TMI").amount_unverified
    assert catalog.act("TMO").amount_unverified and catalog.act("TMO").amount_on(date(2026, 1, 1)) is None
    assert catalog.majoration("MPC").amount_unverified
    assert catalog.majoration("CRM").amount_unverified  # 59.50 € in January 2025, 51.50 € later
    assert catalog.act("TC").status is Verification.PARTIAL
    # Verified on TCG, still to confirm on TC; F/MN/MM on a teleconsultation since 22/12/2024.
    [mhp] = catalog.majoration("MHP").to_confirm
    assert mhp.concerns("TC", date(2026, 12, 6)) and not mhp.concerns("TCG", date(2026, 12, 6))
    [sunday] = catalog.majoration("F").to_confirm
    assert sunday.concerns("TCG", date(2024, 12, 22)) and not sunday.concerns("TCG", date(2024, 12, 21))
    assert all(catalog.majoration(code).to_confirm for code in ("CRN", "CRM", "CRD"))


def test_claims_codes_of_the_revision(catalog: Catalog) -> None:
    codes = {code: catalog.act(code).ps5_code for code in ("RQD", "TMI", "TMK", "TFS", "TMO", "TCG", "TLD")}
    assert codes == {
        "RQD": "1199", "TMI": "3140", "TMK": "3123", "TFS": "1086", "TMO": "3142", "TCG": "1192",
        "TLD": "3105",
    }  # fmt: skip


def test_parcours_indicators(catalog: Catalog) -> None:
    urgence, oriented = catalog.parcours_indicators["urgence"], catalog.parcours_indicators["oriente_par_mt"]
    assert (urgence.code, urgence.verified) == ("U", True)
    assert (oriented.code, oriented.verified) == ("MTO", False) and oriented.reason
    assert "medecin_traitant" not in catalog.parcours_indicators


def test_combinations_come_from_the_data(catalog: Catalog) -> None:
    assert {"MEG", "MHP", "MOP"} <= catalog.act("TCG").majorations
    assert "MEG" not in catalog.act("TC").majorations
    assert catalog.act("TE2").exclusive and not catalog.act("TE2").majorations
    assert {"SNP"} <= catalog.majoration("MCG").excludes
    assert catalog.act("TLD").majorations == {"IFD"} and catalog.act("TLS").majorations == frozenset()
    assert catalog.majoration("IFD").kind == "indemnite"


def test_professions_and_reimbursement_rules(catalog: Catalog) -> None:
    tcg = {g.profession for g in catalog.act("TCG").eligibility}
    assert tcg == {Profession.MEDECIN, Profession.SAGE_FEMME}
    assert {g.profession for g in catalog.act("TMO").eligibility} == {Profession.ORTHOPHONISTE}
    assert catalog.reimbursement[Profession.MEDECIN].rate == Decimal("0.70")
    assert catalog.reimbursement[Profession.MEDECIN].participation_forfaitaire == Decimal("2.00")
    assert "rate" in catalog.reimbursement[Profession.INFIRMIER].unverified
