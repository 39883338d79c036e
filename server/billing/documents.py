"""Claim documents as the desktop sends them (`contracts.billing.claim_codec.claim_to_dict`), checked.

The desktop owns the billing rules (catalog, eligibility, validation); the server cannot import
it and keeps its own minimal checks: the document's shape and schema version, its id, a status of
the same machine as the desktop's, an instant for the act, and money as two-decimal strings whose
totals add up (base = act + majorations, total = base + dépassement).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.kernel.errors import InvalidInputError
from server.kernel.values import check_uuid

CLAIM_SCHEMA = 1
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_LINES = 20
MAX_CLAIM_CENTS = 1_000_000

STATUS_LABELS = {
    "brouillon": "brouillon",
    "prete": "prête",
    "exportee": "exportée",
    "teletransmise": "télétransmise",
    "payee": "payée",
    "rejetee": "rejetée",
}
# The same machine as contracts.billing.claims.TRANSITIONS.
TRANSITIONS: dict[str, frozenset[str]] = {
    "brouillon": frozenset({"prete"}),
    "prete": frozenset({"brouillon", "exportee"}),
    "exportee": frozenset({"teletransmise", "brouillon"}),
    "teletransmise": frozenset({"payee", "rejetee"}),
    "payee": frozenset(),
    "rejetee": frozenset({"brouillon"}),
}
HINTS = {
    "prete": "elle doit d'abord être un brouillon validé.",
    "exportee": "elle doit d'abord être validée (statut « prête »).",
    "teletransmise": "exportez-la d'abord vers votre logiciel de facturation certifié SESAM-Vitale.",
    "payee": "seule une demande télétransmise peut être marquée payée.",
    "rejetee": "seule une demande télétransmise peut être marquée rejetée.",
    "brouillon": "une demande télétransmise ou payée ne se modifie plus.",
}
CREATABLE = ("brouillon", "prete")

_MONEY = re.compile(r"\d{1,7}\.\d{2}")


@dataclass(frozen=True)
class CheckedClaim:
    """A document that passed the server's checks, with the columns drawn from it."""

    id: str
    status: str
    performed_at: datetime
    total_cents: int
    document: dict[str, Any]


def _fail(detail: str, field: str | None = None) -> InvalidInputError:
    return InvalidInputError(detail, code="invalid_claim", field=field)


def cents_of(value: Any, field: str, *, optional: bool = True) -> int:
    """Cents of a money string « 25.00 » (two decimals, not negative)."""
    if value is None and optional:
        return 0
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise _fail(
            f"Le montant « {field} » doit être un texte à deux décimales, par exemple « 25.00 ».", field
        )
    units, _, fraction = value.partition(".")
    return int(units) * 100 + int(fraction)


def _instant(value: Any, field: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise _fail(f"Le champ « {field} » doit être une date et une heure ISO 8601 avec fuseau (…Z).", field)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"Le champ « {field} » doit être un objet.", field)
    return value


def _line_cents(line: Any, field: str) -> int:
    line = _object(line, field)
    if not isinstance(line.get("code"), str) or not line["code"]:
        raise _fail(f"Le champ « {field}.code » doit être un code d'acte.", f"{field}.code")
    return cents_of(line.get("amount"), f"{field}.amount")


def check_document(raw: Any, claim_id: str | None = None) -> CheckedClaim:
    """The checked claim, or InvalidInputError naming the faulty field in French.

    Args:
        raw: the document (`claim_to_dict`), without the transport fields.
        claim_id: the id from the address (PUT), which the document's id must equal.
    """
    document = _object(raw, "demande")
    if len(json.dumps(document, ensure_ascii=False).encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise _fail("La demande est trop volumineuse (64 Ko au plus).")
    if document.get("schema") != CLAIM_SCHEMA:
        raise _fail(
            f"Version de demande non prise en charge (schema {document.get('schema')!r}, attendu "
            f"{CLAIM_SCHEMA}) : mettez l'application à jour.",
            "schema",
        )
    key = check_uuid(str(document.get("id", "")), "id")
    if claim_id is not None and key != claim_id:
        raise _fail("L'identifiant de la demande ne correspond pas à son adresse.", "id")
    status = document.get("status")
    if status not in STATUS_LABELS:
        raise _fail("Statut de demande inconnu.", "status")
    performed_at = _instant(document.get("performed_at"), "performed_at")
    _instant(document.get("created_at"), "created_at")
    patient = _object(document.get("patient"), "patient")
    for name in ("last_name", "first_name"):
        if not isinstance(patient.get(name), str):
            raise _fail(f"Le champ « patient.{name} » doit être un texte.", f"patient.{name}")
    _object(document.get("practitioner"), "practitioner")
    majorations = document.get("majorations")
    if not isinstance(majorations, list) or len(majorations) > MAX_LINES:
        raise _fail(f"Le champ « majorations » doit être une liste ({MAX_LINES} au plus).", "majorations")
    base = 0 if document.get("act") is None else _line_cents(document["act"], "act")
    base += sum(_line_cents(line, f"majorations.{i}") for i, line in enumerate(majorations))
    depassement = cents_of(document.get("depassement"), "depassement")
    totals = _object(document.get("totals"), "totals")
    stated_base = cents_of(totals.get("base"), "totals.base", optional=False)
    stated_total = cents_of(totals.get("total"), "totals.total", optional=False)
    if stated_base != base or stated_total != base + depassement:
        raise _fail(
            "Les totaux de la demande ne correspondent pas à ses lignes : base "
            f"{base // 100}.{base % 100:02d}, total {(base + depassement) // 100}."
            f"{(base + depassement) % 100:02d} attendus.",
            "totals",
        )
    if stated_total > MAX_CLAIM_CENTS:
        raise _fail("Le total de la demande dépasse 10 000,00 €.", "totals.total")
    if not isinstance(document.get("history", []), list):
        raise _fail("Le champ « history » doit être une liste.", "history")
    return CheckedClaim(key, status, performed_at, stated_total, document)


def transition_refused(current: str, target: str) -> str:
    """The French reason a status change is refused, in the desktop's words."""
    return (
        f"Impossible de passer la demande de « {STATUS_LABELS[current]} » à « {STATUS_LABELS[target]} » : "
        f"{HINTS[target]}"
    )
