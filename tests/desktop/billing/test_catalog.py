"""The shipped act catalog: up to date with the shared research JSON, complete, UNVERIFIED items flagged."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from desktop.billing.catalog import Catalog, Verification, read_catalog_text
from desktop.billing.professions import Profession

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


def test_every_act_and_majoration_keeps_label_amount_dates_and_source(catalog: Catalog) -> None:
    assert {"TCG", "TC", "TE2", "RQD", "TLS", "TLL", "TLD", "TMI", "TMK", "TFS"} <= set(catalog.acts)
    assert {"MEG", "MCG", "MCS", "MHP", "F", "MN", "MM"} <= set(catalog.majorations)
    for entry in [*catalog.acts.values(), *catalog.majorations.values()]:
        assert entry.label and entry.conditions and entry.source, entry.code
        assert entry.source.startswith("http"), entry.code
        assert all(isinstance(step.amount, Decimal) for step in entry.amounts), entry.code
        assert entry.verification, entry.code
    for act in catalog.acts.values():
        assert act.eligibility, act.code


def test_amounts_are_the_documented_ones(catalog: Catalog) -> None:
    day = date(2026, 11, 24)
    assert catalog.act("TCG").amount_on(day) == Decimal("25.00")
    assert catalog.act("TLS").amount_on(day) == Decimal("10.00")
    assert catalog.act("TLL").amount_on(day) == Decimal("12.00")
    assert catalog.act("TLD").amount_on(day) == Decimal("15.00")
    assert catalog.majoration("MEG").amount_on(day) == Decimal("5.00")
    # TE2 went from 20 € to 23 € on 1 January 2026 (BILLING.md §1.3).
    assert catalog.act("TE2").amount_on(date(2025, 12, 31)) == Decimal("20.00")
    assert catalog.act("TE2").amount_on(date(2026, 1, 1)) == Decimal("23.00")


def test_unverified_amounts_are_flagged(catalog: Catalog) -> None:
    assert not catalog.act("TCG").amount_unverified
    assert not catalog.act("TLD").amount_unverified
    assert catalog.act("TC").amount_unverified and catalog.act("TC").amount_on(date(2026, 1, 1)) is None
    assert catalog.act("TMI").amount_unverified
    assert catalog.majoration("MEG").amount_unverified
    assert catalog.majoration("MIC").amount_unverified and not catalog.majoration("MIC").amounts
    assert "applicability" in catalog.majoration("MHP").unverified
    assert catalog.act("TC").status is Verification.PARTIAL


def test_combinations_come_from_the_data(catalog: Catalog) -> None:
    assert "MEG" in catalog.act("TCG").majorations
    assert "MEG" not in catalog.act("TC").majorations
    assert catalog.act("TE2").exclusive and not catalog.act("TE2").majorations
    assert {"SNP"} <= catalog.majoration("MCG").excludes


def test_professions_and_reimbursement_rules(catalog: Catalog) -> None:
    tcg = {g.profession for g in catalog.act("TCG").eligibility}
    assert tcg == {Profession.MEDECIN, Profession.SAGE_FEMME}
    assert catalog.reimbursement[Profession.MEDECIN].rate == Decimal("0.70")
    assert catalog.reimbursement[Profession.MEDECIN].participation_forfaitaire == Decimal("2.00")
    assert "rate" in catalog.reimbursement[Profession.INFIRMIER].unverified
