"""Export of ready claims, one by one or as a day's batch, in JSON and CSV (format: docs/billing-export.md).

The files are meant for import into the practitioner's SESAM-Vitale certified billing software,
which transmits the claims with the CPS card; this application never transmits anything itself.
Exporting does not change a claim: `ClaimService` then asks the server to mark the exported « prête »
claims « exportée ».
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from contracts.billing.catalog import Catalog, load_catalog
from contracts.billing.claims import Claim, ClaimLine, ClaimStatus
from contracts.billing.errors import ExportError
from contracts.billing.reimbursement import estimate_reimbursement
from contracts.clock import Clock, paris_day, to_paris, to_utc
from contracts.fr_format import cents, long_date
from contracts.identifiers import compact

EXPORT_FORMAT = "teleconsult.claim-export"
BATCH_FORMAT = "teleconsult.claims-batch"
EXPORT_VERSION = 1
EXPORTABLE = frozenset({ClaimStatus.PRETE, ClaimStatus.EXPORTEE})
ExportKind = Literal["json", "csv"]

CSV_COLUMNS = (
    "claim_id", "act_date", "act_time", "teleconsultation",
    "patient_last_name", "patient_first_name", "patient_birth_date", "patient_birth_rank", "patient_nir",
    "patient_is_insured", "regime", "caisse", "centre",
    "practitioner_rpps", "practitioner_am_number", "practitioner_specialty_code", "prescriber_rpps",
    "parcours", "nature", "exoneration", "tiers_payant_amo",
    "line_number", "line_kind", "code", "label", "coefficient", "amount", "amount_unverified",
    "depassement", "claim_total", "parcours_indicator",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportFile:
    """An exported file: its suggested name, bytes and the claims it holds."""

    filename: str
    content: bytes
    claim_ids: tuple[str, ...]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _utc(moment: datetime) -> str:
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def _safe_cell(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "@", "\t", "\r"} else text


class ClaimExporter:
    """Writes claim records and day batches."""

    def __init__(self, clock: Clock, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else load_catalog()
        self._clock = clock

    # ---------------------------------------------------------------- records
    def _line(self, kind: str, line: ClaimLine) -> dict[str, Any]:
        act = self.catalog.acts.get(line.code)
        majoration = self.catalog.majorations.get(line.code)
        if majoration is not None and majoration.kind == "indemnite":
            kind = "indemnite"
        return {
            "kind": kind,
            "code": line.code,
            "label": line.label,
            "coefficient": None if line.coefficient is None else str(line.coefficient),
            "amount": _money(line.amount),
            "amount_unverified": line.amount_unverified,
            "b2_code": act.b2_code if act else None,
            "ps5_code": act.ps5_code if act else None,
        }

    def record(self, claim: Claim) -> dict[str, Any]:
        """The documented JSON record of one exportable claim; raises ExportError for a draft."""
        if claim.status not in EXPORTABLE:
            raise ExportError(
                f"La demande est « {claim.status.label} » : seule une demande validée (« prête ») s’exporte."
            )
        local = to_paris(claim.performed_at)
        estimate = estimate_reimbursement(claim, self.catalog)
        patient, practitioner = claim.patient, claim.practitioner
        lines = [self._line("acte", claim.act)] if claim.act else []
        lines += [self._line("majoration", m) for m in claim.majorations]
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "claim_id": claim.id,
            "status": claim.status.value,
            "billing_mode": "SESAM sans Vitale",
            "teleconsultation": True,
            "act_date": local.date().isoformat(),
            "act_time": local.strftime("%H:%M"),
            "performed_at": _utc(claim.performed_at),
            "patient": {
                "last_name": patient.last_name,
                "first_name": patient.first_name,
                "birth_date": patient.birth_date.isoformat(),
                "birth_rank": patient.birth_rank,
                "nir": compact(patient.nir),
                "is_insured": patient.is_insured,
                "regime": patient.regime,
                "caisse": patient.caisse,
                "centre": patient.centre,
            },
            "practitioner": {
                "full_name": practitioner.full_name,
                "rpps": compact(practitioner.rpps),
                "am_number": compact(practitioner.am_number),
                "specialty_code": practitioner.specialty_code,
                "profession": practitioner.profile.profession.value,
                "sector": practitioner.profile.sector.value,
            },
            "prescriber_rpps": None if claim.prescriber_rpps is None else compact(claim.prescriber_rpps),
            "referring_rpps": None if claim.referring_rpps is None else compact(claim.referring_rpps),
            "parcours": None if claim.parcours is None else claim.parcours.value,
            "parcours_indicator": claim.parcours_indicator_code(self.catalog),
            "nature": claim.nature.value,
            "exoneration": claim.exoneration.value,
            "tiers_payant_amo": claim.tiers_payant_amo,
            "lines": lines,
            "depassement": _money(claim.depassement),
            "totals": {
                "base": _money(claim.base_amount),
                "total": _money(claim.total),
                "amo_estimate": _money(estimate.amo_net),
                "patient_pays_now_estimate": _money(estimate.patient_pays_now),
            },
            "overrides": [
                {"code": o.code, "old_amount": _money(o.old_amount), "new_amount": _money(o.new_amount),
                 "by": o.by, "at": _utc(o.at), "reason": o.reason}
                for o in claim.overrides
            ],
        }  # fmt: skip

    def csv_rows(self, claim: Claim) -> list[dict[str, str]]:
        """One CSV row per act or majoration line of `claim` (claim fields repeated on each row)."""
        record = self.record(claim)
        patient, practitioner = record["patient"], record["practitioner"]
        common = {
            "claim_id": claim.id,
            "act_date": record["act_date"],
            "act_time": record["act_time"],
            "teleconsultation": "1",
            "patient_last_name": _safe_cell(patient["last_name"]),
            "patient_first_name": _safe_cell(patient["first_name"]),
            "patient_birth_date": patient["birth_date"],
            "patient_birth_rank": str(patient["birth_rank"]),
            "patient_nir": patient["nir"],
            "patient_is_insured": "1" if patient["is_insured"] else "0",
            "regime": patient["regime"],
            "caisse": patient["caisse"],
            "centre": patient["centre"],
            "practitioner_rpps": practitioner["rpps"],
            "practitioner_am_number": practitioner["am_number"],
            "practitioner_specialty_code": practitioner["specialty_code"],
            "prescriber_rpps": record["prescriber_rpps"] or "",
            "parcours": record["parcours"] or "",
            "nature": record["nature"],
            "exoneration": record["exoneration"],
            "tiers_payant_amo": "1" if record["tiers_payant_amo"] else "0",
            "depassement": record["depassement"],
            "claim_total": record["totals"]["total"],
            "parcours_indicator": record["parcours_indicator"] or "",
        }
        return [
            {
                **common,
                "line_number": str(number),
                "line_kind": line["kind"],
                "code": line["code"],
                "label": _safe_cell(line["label"]),
                "coefficient": line["coefficient"] or "",
                "amount": line["amount"] or "",
                "amount_unverified": "1" if line["amount_unverified"] else "0",
            }
            for number, line in enumerate(record["lines"], start=1)
        ]

    @staticmethod
    def _csv(rows: Iterable[dict[str, str]]) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")

    # ---------------------------------------------------------------- files
    def export_claim(self, claim: Claim, kind: ExportKind = "json") -> ExportFile:
        """One claim as a JSON record or a CSV file."""
        name = f"teleconsult-demande-{paris_day(claim.performed_at).isoformat()}-{claim.id[:8]}"
        if kind == "csv":
            return ExportFile(f"{name}.csv", self._csv(self.csv_rows(claim)), (claim.id,))
        text = json.dumps(self.record(claim), ensure_ascii=False, indent=2) + "\n"
        return ExportFile(f"{name}.json", text.encode("utf-8"), (claim.id,))

    def export_day(self, claims: Sequence[Claim], day: date, kind: ExportKind = "json") -> ExportFile:
        """The ready (or already exported) claims whose act took place on `day` (Paris), in one file.

        Raises:
            ExportError: when no such claim exists.
        """
        chosen = sorted(
            (c for c in claims if c.status in EXPORTABLE and paris_day(c.performed_at) == day),
            key=lambda c: (c.performed_at, c.id),
        )
        if not chosen:
            raise ExportError(f"Aucune demande prête pour le {long_date(day)}.")
        name = f"teleconsult-demandes-{day.isoformat()}"
        ids = tuple(c.id for c in chosen)
        if kind == "csv":
            rows = [row for c in chosen for row in self.csv_rows(c)]
            return ExportFile(f"{name}.csv", self._csv(rows), ids)
        batch = {
            "format": BATCH_FORMAT,
            "version": EXPORT_VERSION,
            "day": day.isoformat(),
            "generated_at": _utc(self._clock()),
            "count": len(chosen),
            "total": _money(cents(sum((c.total for c in chosen), Decimal("0.00")))),
            "claims": [self.record(c) for c in chosen],
        }
        text = json.dumps(batch, ensure_ascii=False, indent=2) + "\n"
        return ExportFile(f"{name}.json", text.encode("utf-8"), ids)
