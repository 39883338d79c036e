"""The claim document: a `Claim` as the desktop sends it and the server stores it (schema 1).

A Pydantic model, so both sides read the JSON the same way: decimals are strings (« 25.00 »), dates
ISO 8601 (« 2026-11-24 »), instants ISO 8601 in UTC (« 2026-11-24T09:00:00Z »), enums their
values. `ClaimDocument.model_validate(data)` refuses what is malformed, with each problem named by
its field; `ClaimDocument.of(claim)` and `.to_claim()` convert to and from the rules' `Claim`.
"""

from __future__ import annotations

import re
from datetime import UTC, date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)

from contracts.billing.claims import (
    AmountOverride,
    Claim,
    ClaimLine,
    ClaimPatient,
    ClaimPractitioner,
    ClaimStatus,
    Exoneration,
    InsuranceNature,
    Parcours,
    StatusChange,
)
from contracts.billing.errors import ClaimFormatError
from contracts.billing.professions import NurseSetting, PractitionerProfile, Profession, Sector, Specialty
from contracts.wire.common import french_validation

CLAIM_SCHEMA = 1
MAX_LINES = 20

_MONEY = re.compile(r"\d{1,7}\.\d{2}")


def _money_text(value: Any) -> Any:
    """Money travels as a string with two decimals (« 25.00 »): never a JSON number."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise ValueError("un montant s'écrit en texte à deux décimales, par exemple « 25.00 »")
    return Decimal(value)


# Money: a string of euros with two decimals on the wire, a Decimal inside.
Money = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    Field(max_digits=9, decimal_places=2, ge=0),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
]
Coefficient = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str)]
# Instants: aware, kept in UTC, written with « Z ».
Instant = Annotated[
    AwareDatetime,
    AfterValidator(lambda v: v.astimezone(UTC)),
    PlainSerializer(lambda v: v.astimezone(UTC).isoformat().replace("+00:00", "Z"), return_type=str),
]
Text = Annotated[str, Field(max_length=500)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PatientPart(_Part):
    last_name: Text
    first_name: Text
    birth_date: date
    nir: Annotated[str, Field(max_length=40)]
    birth_rank: Annotated[int, Field(ge=1, le=9)]
    is_insured: bool
    regime: Annotated[str, Field(max_length=10)]
    caisse: Annotated[str, Field(max_length=10)]
    centre: Annotated[str, Field(max_length=10)]


class PractitionerPart(_Part):
    full_name: Text
    rpps: Annotated[str, Field(max_length=40)]
    am_number: Annotated[str, Field(max_length=40)]
    specialty_code: Annotated[str, Field(max_length=10)]
    profession: Profession
    specialty: Specialty | None
    sector: Sector


class LinePart(_Part):
    code: Annotated[str, Field(min_length=1, max_length=10)]
    label: Text
    amount: Money | None
    catalog_amount: Money | None
    amount_unverified: bool
    coefficient: Coefficient | None = None


class TotalsPart(_Part):
    base: Money
    total: Money


class OverridePart(_Part):
    code: Annotated[str, Field(min_length=1, max_length=10)]
    old_amount: Money | None
    new_amount: Money
    by: Annotated[str, Field(max_length=64)]
    at: Instant
    reason: Annotated[str, Field(max_length=2000)]


class ChangePart(_Part):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    from_status: ClaimStatus = Field(alias="from")
    to_status: ClaimStatus = Field(alias="to")
    by: Annotated[str, Field(max_length=64)]
    at: Instant
    note: Annotated[str, Field(max_length=2000)]


class ClaimDocument(_Part):
    """Everything about one claim, as stored; `totals` are the lines' sums when written."""

    schema_version: Literal[1] = Field(alias="schema")
    id: Annotated[str, Field(min_length=1, max_length=64)]
    status: ClaimStatus
    created_at: Instant
    performed_at: Instant
    catalog_sha256: Annotated[str, Field(max_length=64)]
    patient: PatientPart
    practitioner: PractitionerPart
    act: LinePart | None
    majorations: Annotated[list[LinePart], Field(max_length=MAX_LINES)]
    parcours: Parcours | None
    parcours_indicator_confirmed: bool = False  # added after the first documents: absent is false
    nature: InsuranceNature
    exoneration: Exoneration
    tiers_payant_amo: bool
    prescriber_rpps: Annotated[str, Field(max_length=40)] | None
    referring_rpps: Annotated[str, Field(max_length=40)] | None = None  # added later: absent is none
    flags: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=40)]
    setting: NurseSetting | None
    depassement: Money | None
    totals: TotalsPart
    overrides: Annotated[list[OverridePart], Field(max_length=200)]
    history: Annotated[list[ChangePart], Field(max_length=200)]

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    # ---------------------------------------------------------------- conversions
    @classmethod
    def of(cls, claim: Claim) -> ClaimDocument:
        """The document of `claim`."""
        patient, practitioner = claim.patient, claim.practitioner
        return cls(
            schema_version=CLAIM_SCHEMA,
            id=claim.id,
            status=claim.status,
            created_at=claim.created_at,
            performed_at=claim.performed_at,
            catalog_sha256=claim.catalog_sha256,
            patient=PatientPart(
                last_name=patient.last_name,
                first_name=patient.first_name,
                birth_date=patient.birth_date,
                nir=patient.nir,
                birth_rank=patient.birth_rank,
                is_insured=patient.is_insured,
                regime=patient.regime,
                caisse=patient.caisse,
                centre=patient.centre,
            ),
            practitioner=PractitionerPart(
                full_name=practitioner.full_name,
                rpps=practitioner.rpps,
                am_number=practitioner.am_number,
                specialty_code=practitioner.specialty_code,
                profession=practitioner.profile.profession,
                specialty=practitioner.profile.specialty,
                sector=practitioner.profile.sector,
            ),
            act=None if claim.act is None else _line_part(claim.act),
            majorations=[_line_part(m) for m in claim.majorations],
            parcours=claim.parcours,
            parcours_indicator_confirmed=claim.parcours_indicator_confirmed,
            nature=claim.nature,
            exoneration=claim.exoneration,
            tiers_payant_amo=claim.tiers_payant_amo,
            prescriber_rpps=claim.prescriber_rpps,
            referring_rpps=claim.referring_rpps,
            flags=sorted(claim.flags),
            setting=claim.setting,
            depassement=claim.depassement,
            totals=TotalsPart(base=claim.base_amount, total=claim.total),
            overrides=[
                OverridePart(
                    code=o.code,
                    old_amount=o.old_amount,
                    new_amount=o.new_amount,
                    by=o.by,
                    at=o.at,
                    reason=o.reason,
                )
                for o in claim.overrides
            ],
            history=[
                ChangePart(from_status=h.from_status, to_status=h.to_status, by=h.by, at=h.at, note=h.note)
                for h in claim.history
            ],
        )

    def to_claim(self) -> Claim:
        """The rules' `Claim` of this document."""
        p, pr = self.patient, self.practitioner
        return Claim(
            patient=ClaimPatient(
                p.last_name,
                p.first_name,
                p.birth_date,
                p.nir,
                p.birth_rank,
                p.is_insured,
                p.regime,
                p.caisse,
                p.centre,
            ),
            practitioner=ClaimPractitioner(
                pr.rpps,
                pr.am_number,
                pr.specialty_code,
                PractitionerProfile(pr.profession, pr.sector, pr.specialty),
                pr.full_name,
            ),
            performed_at=self.performed_at,
            act=None if self.act is None else _line(self.act),
            majorations=[_line(m) for m in self.majorations],
            parcours=self.parcours,
            parcours_indicator_confirmed=self.parcours_indicator_confirmed,
            nature=self.nature,
            exoneration=self.exoneration,
            tiers_payant_amo=self.tiers_payant_amo,
            prescriber_rpps=self.prescriber_rpps,
            referring_rpps=self.referring_rpps,
            flags=frozenset(self.flags),
            setting=self.setting,
            depassement=self.depassement or Decimal("0.00"),
            status=self.status,
            history=[StatusChange(h.from_status, h.to_status, h.by, h.at, h.note) for h in self.history],
            overrides=[
                AmountOverride(o.code, o.old_amount, o.new_amount, o.by, o.at, o.reason)
                for o in self.overrides
            ],
            id=self.id,
            created_at=self.created_at,
            catalog_sha256=self.catalog_sha256,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form (what the server stores and answers)."""
        return self.model_dump(mode="json", by_alias=True)


def _line_part(line: ClaimLine) -> LinePart:
    return LinePart(
        code=line.code,
        label=line.label,
        amount=line.amount,
        catalog_amount=line.catalog_amount,
        amount_unverified=line.amount_unverified,
        coefficient=line.coefficient,
    )


def _line(part: LinePart) -> ClaimLine:
    return ClaimLine(
        part.code, part.label, part.amount, part.catalog_amount, part.amount_unverified, part.coefficient
    )


def read_document(data: Any) -> ClaimDocument:
    """The document in `data`; raises ClaimFormatError naming the first faulty field in French."""
    if isinstance(data, dict) and data.get("schema") != CLAIM_SCHEMA:
        raise ClaimFormatError(
            f"Version de demande non prise en charge (schema {data.get('schema')!r}, attendu "
            f"{CLAIM_SCHEMA}) : mettez l'application à jour.",
            field="schema",
        )
    try:
        return ClaimDocument.model_validate(data)
    except ValidationError as exc:
        first, items = french_validation([dict(e) for e in exc.errors()])
        raise ClaimFormatError(
            f"Demande illisible : {first[0].lower()}{first[1:]}", field=items[0]["field"]
        ) from None


def claim_from_dict(data: Any) -> Claim:
    """The claim stored in `data` (written by `ClaimDocument.to_dict`); raises ClaimFormatError."""
    return read_document(data).to_claim()
