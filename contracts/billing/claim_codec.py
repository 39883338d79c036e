"""Claims to and from plain JSON-able dicts (the server stores claims as JSON).

Decimals are strings (« 25.00 »), dates ISO 8601 (« 2026-11-24 »), instants ISO 8601 in UTC
(« 2026-11-24T09:00:00Z »), enums their values. ``claim_from_dict`` raises ClaimFormatError
with a French message naming the faulty field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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
from contracts.clock import to_utc

CLAIM_SCHEMA = 1


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _instant(value: datetime) -> str:
    """UTC ISO 8601 with « Z », as in docs/api-contracts.md."""
    return to_utc(value).isoformat().replace("+00:00", "Z")


def _line(line: ClaimLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "label": line.label,
        "amount": _money(line.amount),
        "catalog_amount": _money(line.catalog_amount),
        "amount_unverified": line.amount_unverified,
        "coefficient": None if line.coefficient is None else str(line.coefficient),
    }


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """A JSON-able dict holding everything about `claim`."""
    patient, practitioner = claim.patient, claim.practitioner
    return {
        "schema": CLAIM_SCHEMA,
        "id": claim.id,
        "status": claim.status.value,
        "created_at": _instant(claim.created_at),
        "performed_at": _instant(claim.performed_at),
        "catalog_sha256": claim.catalog_sha256,
        "patient": {
            "last_name": patient.last_name,
            "first_name": patient.first_name,
            "birth_date": patient.birth_date.isoformat(),
            "nir": patient.nir,
            "birth_rank": patient.birth_rank,
            "is_insured": patient.is_insured,
            "regime": patient.regime,
            "caisse": patient.caisse,
            "centre": patient.centre,
        },
        "practitioner": {
            "full_name": practitioner.full_name,
            "rpps": practitioner.rpps,
            "am_number": practitioner.am_number,
            "specialty_code": practitioner.specialty_code,
            "profession": practitioner.profile.profession.value,
            "specialty": None
            if practitioner.profile.specialty is None
            else practitioner.profile.specialty.value,
            "sector": practitioner.profile.sector.value,
        },
        "act": None if claim.act is None else _line(claim.act),
        "majorations": [_line(m) for m in claim.majorations],
        "parcours": None if claim.parcours is None else claim.parcours.value,
        "parcours_indicator_confirmed": claim.parcours_indicator_confirmed,
        "nature": claim.nature.value,
        "exoneration": claim.exoneration.value,
        "tiers_payant_amo": claim.tiers_payant_amo,
        "prescriber_rpps": claim.prescriber_rpps,
        "flags": sorted(claim.flags),
        "setting": None if claim.setting is None else claim.setting.value,
        "depassement": _money(claim.depassement),
        "totals": {"base": _money(claim.base_amount), "total": _money(claim.total)},
        "overrides": [
            {
                "code": o.code,
                "old_amount": _money(o.old_amount),
                "new_amount": _money(o.new_amount),
                "by": o.by,
                "at": _instant(o.at),
                "reason": o.reason,
            }
            for o in claim.overrides
        ],
        "history": [
            {
                "from": h.from_status.value,
                "to": h.to_status.value,
                "by": h.by,
                "at": _instant(h.at),
                "note": h.note,
            }
            for h in claim.history
        ],
    }


class _Reader:
    """Reads fields of a dict, naming the field in the error when something is wrong."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            raise ClaimFormatError(f"Le champ « {prefix or 'demande'} » doit être un objet.")
        self.data, self.prefix = data, prefix

    def _fail(self, key: str, what: str) -> ClaimFormatError:
        return ClaimFormatError(f"Demande illisible : le champ « {self.prefix}{key} » {what}.")

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise self._fail(key, "est absent")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self._fail(key, "doit être un texte")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self._fail(key, "doit valoir true ou false")
        return value

    def opt_boolean(self, key: str) -> bool:
        """A boolean added after the first documents: absent reads as false."""
        return False if self.data.get(key) is None else self.boolean(key)

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(key, "doit être un nombre entier")
        return value

    def money(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self._fail(key, "n’est pas un montant") from None

    def day(self, key: str) -> date:
        try:
            return date.fromisoformat(self.text(key))
        except ValueError:
            raise self._fail(key, "n’est pas une date AAAA-MM-JJ") from None

    def instant(self, key: str) -> datetime:
        try:
            return to_utc(datetime.fromisoformat(self.text(key)))
        except ValueError:
            raise self._fail(key, "n’est pas une date et heure ISO 8601") from None

    def enum(self, key: str, kind: Any, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        try:
            return kind(value)
        except ValueError:
            raise self._fail(key, f"a une valeur inconnue ({value!r})") from None

    def sub(self, key: str) -> _Reader:
        return _Reader(self.raw(key), f"{self.prefix}{key}.")


def _read_line(r: _Reader) -> ClaimLine:
    coefficient = r.money("coefficient")
    return ClaimLine(
        r.text("code"),
        r.text("label"),
        r.money("amount"),
        r.money("catalog_amount"),
        r.boolean("amount_unverified"),
        coefficient,
    )


def claim_from_dict(data: Mapping[str, Any]) -> Claim:
    """The claim stored in `data` (as written by :func:`claim_to_dict`); raises ClaimFormatError."""
    r = _Reader(data)
    if r.raw("schema") != CLAIM_SCHEMA:
        raise ClaimFormatError(f"Version de demande non prise en charge : {r.raw('schema')!r}.")
    p, pr = r.sub("patient"), r.sub("practitioner")
    patient = ClaimPatient(
        p.text("last_name"),
        p.text("first_name"),
        p.day("birth_date"),
        p.text("nir"),
        p.integer("birth_rank"),
        p.boolean("is_insured"),
        p.text("regime"),
        p.text("caisse"),
        p.text("centre"),
    )
    profile = PractitionerProfile(
        pr.enum("profession", Profession),
        pr.enum("sector", Sector),
        pr.enum("specialty", Specialty, optional=True),
    )
    practitioner = ClaimPractitioner(
        pr.text("rpps"), pr.text("am_number"), pr.text("specialty_code"), profile, pr.text("full_name")
    )
    lines = r.raw("majorations")
    overrides, history = r.raw("overrides"), r.raw("history")
    if not all(isinstance(x, list) for x in (lines, overrides, history)):
        raise ClaimFormatError(
            "Demande illisible : « majorations », « overrides » et « history » sont des listes."
        )
    flags = r.raw("flags")
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ClaimFormatError("Demande illisible : le champ « flags » doit être une liste de textes.")
    return Claim(
        patient=patient,
        practitioner=practitioner,
        performed_at=r.instant("performed_at"),
        act=None if r.raw("act") is None else _read_line(r.sub("act")),
        majorations=[_read_line(_Reader(m, f"majorations[{i}].")) for i, m in enumerate(lines)],
        parcours=r.enum("parcours", Parcours, optional=True),
        parcours_indicator_confirmed=r.opt_boolean("parcours_indicator_confirmed"),
        nature=r.enum("nature", InsuranceNature),
        exoneration=r.enum("exoneration", Exoneration),
        tiers_payant_amo=r.boolean("tiers_payant_amo"),
        prescriber_rpps=r.opt_text("prescriber_rpps"),
        flags=frozenset(flags),
        setting=r.enum("setting", NurseSetting, optional=True),
        depassement=r.money("depassement") or Decimal("0.00"),
        status=r.enum("status", ClaimStatus),
        history=[_read_change(_Reader(h, f"history[{i}].")) for i, h in enumerate(history)],
        overrides=[_read_override(_Reader(o, f"overrides[{i}].")) for i, o in enumerate(overrides)],
        id=r.text("id"),
        created_at=r.instant("created_at"),
        catalog_sha256=r.text("catalog_sha256"),
    )


def _read_override(r: _Reader) -> AmountOverride:
    new = r.money("new_amount")
    if new is None:
        raise ClaimFormatError(f"Demande illisible : le champ « {r.prefix}new_amount » est absent.")
    return AmountOverride(
        r.text("code"), r.money("old_amount"), new, r.text("by"), r.instant("at"), r.text("reason")
    )


def _read_change(r: _Reader) -> StatusChange:
    return StatusChange(
        r.enum("from", ClaimStatus), r.enum("to", ClaimStatus), r.text("by"), r.instant("at"), r.text("note")
    )
