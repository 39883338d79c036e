"""Export of ready claims: the JSON record, the CSV rows and a day's batch in one file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from contracts.billing.claims import Claim, ClaimLine, ClaimPractitioner, ClaimStatus, Parcours
from contracts.billing.errors import ExportError
from contracts.billing.professions import NurseSetting, PractitionerProfile, Profession
from contracts.billing.rules import BillingRules
from contracts.billing.validation import ClaimValidator
from desktop.billing.export import CSV_COLUMNS, ClaimExporter
from tests.contracts.billing.conftest import NOW, NURSE, OTHER_RPPS, VALID_RPPS, paris

MakeClaim = Callable[..., Claim]


@pytest.fixture
def exporter() -> ClaimExporter:
    return ClaimExporter(lambda: NOW)


def ready(make_claim: MakeClaim, validator: ClaimValidator, **changes: object) -> Claim:
    claim = make_claim(**changes)
    claim.mark_ready(validator, by="user-1", at=NOW)
    return claim


def test_json_record_of_one_claim(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter
) -> None:
    claim = ready(make_claim, validator)
    file = exporter.export_claim(claim)
    assert file.filename == f"teleconsult-demande-2026-11-24-{claim.id[:8]}.json"
    assert "Dupont" not in file.filename  # no health data in file names
    record = json.loads(file.content)
    assert record["format"] == "teleconsult.claim-export" and record["version"] == 1
    assert record["billing_mode"] == "SESAM sans Vitale" and record["teleconsultation"] is True
    assert (record["act_date"], record["act_time"], record["performed_at"]) == (
        "2026-11-24",
        "10:00",
        "2026-11-24T09:00:00Z",
    )
    assert record["patient"]["nir"] == "295109912611193"
    assert (record["parcours"], record["parcours_indicator"]) == ("medecin_traitant", None)
    assert record["practitioner"]["rpps"] == "79927398713"
    assert record["lines"] == [
        {
            "kind": "acte",
            "code": "TCG",
            "label": "Téléconsultation du médecin généraliste",
            "coefficient": None,
            "amount": "25.00",
            "amount_unverified": False,
            "b2_code": "TCG",
            "ps5_code": "1192",
        }
    ]
    assert record["totals"] == {
        "base": "25.00",
        "total": "25.00",
        "amo_estimate": "15.50",
        "patient_pays_now_estimate": "7.50",
    }


def test_csv_has_one_row_per_line(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter
) -> None:
    claim = make_claim()
    claim.patient.birth_date = date(2022, 3, 1)
    claim.patient.is_insured = False
    claim.majorations = [
        ClaimLine("MEG", "Majoration enfant généraliste", Decimal("5.00"), Decimal("5.00"), True)
    ]
    claim.mark_ready(validator, by="u", at=NOW)
    content = exporter.export_claim(claim, "csv").content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["line_number"], r["line_kind"], r["code"], r["amount"]) for r in rows] == [
        ("1", "acte", "TCG", "25.00"),
        ("2", "majoration", "MEG", "5.00"),
    ]
    assert {r["claim_total"] for r in rows} == {"30.00"}
    assert rows[1]["amount_unverified"] == "1" and rows[0]["patient_is_insured"] == "0"


def test_csv_neutralises_spreadsheet_formulas(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter
) -> None:
    claim = ready(make_claim, validator)
    claim.patient.last_name = "=HYPERLINK(1)"
    rows = list(
        csv.DictReader(io.StringIO(exporter.export_claim(claim, "csv").content.decode()), delimiter=";")
    )
    assert rows[0]["patient_last_name"] == "'=HYPERLINK(1)"


def test_a_draft_is_not_exported(make_claim: MakeClaim, exporter: ClaimExporter) -> None:
    with pytest.raises(ExportError) as raised:
        exporter.export_claim(make_claim())
    assert (
        raised.value.message
        == "La demande est « brouillon » : seule une demande validée (« prête ») s’exporte."
    )


def test_day_batch_holds_the_ready_claims_of_that_day(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter
) -> None:
    morning = ready(make_claim, validator, performed_at=paris(2026, 11, 24, 9, 0))
    evening = ready(
        make_claim, validator, performed_at=paris(2026, 11, 24, 23, 30)
    )  # 22:30 UTC, still the 24th
    other_day = ready(make_claim, validator, performed_at=paris(2026, 11, 25, 0, 30))  # 23:30 UTC on the 24th
    draft = make_claim(performed_at=paris(2026, 11, 24, 11, 0))
    claims = [evening, draft, other_day, morning]
    file = exporter.export_day(claims, date(2026, 11, 24))
    assert file.filename == "teleconsult-demandes-2026-11-24.json"
    batch = json.loads(file.content)
    assert batch["format"] == "teleconsult.claims-batch" and batch["day"] == "2026-11-24"
    assert [c["claim_id"] for c in batch["claims"]] == [morning.id, evening.id]
    assert (batch["count"], batch["total"]) == (2, "50.00")
    csv_file = exporter.export_day(claims, date(2026, 11, 24), "csv")
    assert csv_file.content.decode().count("\r\n") == 3  # header and two rows
    # The claims the file holds are those ClaimService then marks « exportée » on the server…
    assert file.claim_ids == csv_file.claim_ids == (morning.id, evening.id)
    for claim in (morning, evening):  # …as the server's status machine does
        claim.transition(ClaimStatus.EXPORTEE, by="user-1", at=NOW, note=file.filename)
    assert exporter.export_day(claims, date(2026, 11, 24)).claim_ids == file.claim_ids  # re-export allowed


def test_empty_day_is_refused(make_claim: MakeClaim, exporter: ClaimExporter) -> None:
    with pytest.raises(ExportError, match=r"Aucune demande prête pour le 24 novembre 2026\."):
        exporter.export_day([make_claim()], date(2026, 11, 24))


def test_nurse_at_home_exports_tld_and_the_travel_allowance(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter, rules: BillingRules
) -> None:
    claim = make_claim(parcours=None, setting=NurseSetting.DOMICILE, prescriber_rpps=OTHER_RPPS)
    claim.practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", NURSE, "Marie Curie")
    claim.set_act("TLD", rules)
    claim.add_majoration("IFD", rules)
    claim.mark_ready(validator, by="u", at=NOW)
    record = json.loads(exporter.export_claim(claim).content)
    assert [(li["kind"], li["code"], li["amount"], li["ps5_code"]) for li in record["lines"]] == [
        ("acte", "TLD", "15.00", "3105"),
        ("indemnite", "IFD", "2.75", None),
    ]
    assert record["totals"]["total"] == "17.75"
    rows = list(
        csv.DictReader(io.StringIO(exporter.export_claim(claim, "csv").content.decode()), delimiter=";")
    )
    assert [(r["line_kind"], r["code"]) for r in rows] == [("acte", "TLD"), ("indemnite", "IFD")]


@pytest.mark.parametrize(
    ("profession", "code", "ps5"),
    [
        (Profession.INFIRMIER, "RQD", "1199"),
        (Profession.INFIRMIER, "TMI", "3140"),
        (Profession.MASSEUR_KINESITHERAPEUTE, "TMK", "3123"),
        (Profession.SAGE_FEMME, "TFS", "1086"),
        (Profession.ORTHOPHONISTE, "TMO", "3142"),
    ],
)
def test_claims_codes_of_the_revision_are_exported(
    make_claim: MakeClaim,
    validator: ClaimValidator,
    exporter: ClaimExporter,
    rules: BillingRules,
    profession: Profession,
    code: str,
    ps5: str,
) -> None:
    claim = make_claim(parcours=None)
    claim.practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", PractitionerProfile(profession))
    line = claim.set_act(code, rules, coefficient=None if code == "RQD" else Decimal("1.6"))
    if line.amount is None:
        claim.override_amount(code, Decimal("5.04"), by="u", at=NOW)
    claim.mark_ready(validator, by="u", at=NOW)
    [exported] = json.loads(exporter.export_claim(claim).content)["lines"]
    assert (exported["code"], exported["b2_code"], exported["ps5_code"]) == (code, code, ps5)


def test_parcours_indicator_is_exported_when_verified_or_confirmed(
    make_claim: MakeClaim, validator: ClaimValidator, exporter: ClaimExporter
) -> None:
    urgent = ready(make_claim, validator, parcours=Parcours.URGENCE)
    assert json.loads(exporter.export_claim(urgent).content)["parcours_indicator"] == "U"
    oriented = ready(make_claim, validator, parcours=Parcours.ORIENTE_PAR_MT, referring_rpps=OTHER_RPPS)
    record = json.loads(exporter.export_claim(oriented).content)
    assert record["parcours_indicator"] is None and record["referring_rpps"] == OTHER_RPPS
    confirmed = ready(
        make_claim,
        validator,
        parcours=Parcours.ORIENTE_PAR_MT,
        parcours_indicator_confirmed=True,
        referring_rpps=OTHER_RPPS,
    )
    assert json.loads(exporter.export_claim(confirmed).content)["parcours_indicator"] == "MTO"
    rows = list(
        csv.DictReader(io.StringIO(exporter.export_claim(confirmed, "csv").content.decode()), delimiter=";")
    )
    assert rows[0]["parcours"] == "oriente_par_mt" and rows[0]["parcours_indicator"] == "MTO"
    assert tuple(rows[0])[-1] == "parcours_indicator"  # appended: the former columns keep their place
