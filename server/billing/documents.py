"""Claim documents as the desktop sends them, read and checked with the desktop's own rules.

The document is `contracts.billing.document.ClaimDocument` (its shape, schema version, money and
instants); its status follows `contracts.billing.claims`' machine; a claim stored or moved as
« prête » must pass `contracts.billing.validation.ClaimValidator`, the checks the desktop runs
before it offers « prête » (NIR and its key, RPPS, the majorations the rules allow, the tariffs of
the act's day). The server adds its own limits: the document's size, its id, totals that add up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from contracts.billing.claims import Claim, ClaimStatus, transition_refusal
from contracts.billing.document import ClaimDocument, read_document
from contracts.billing.errors import ClaimFormatError
from contracts.billing.validation import ClaimValidator
from contracts.clock import Clock
from server.kernel.errors import ConflictError, InvalidInputError
from server.kernel.values import check_uuid

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_CLAIM_CENTS = 1_000_000
CREATABLE = (ClaimStatus.BROUILLON, ClaimStatus.PRETE)


@dataclass(frozen=True)
class CheckedClaim:
    """A document that passed the server's checks, with the columns drawn from it."""

    id: str
    status: ClaimStatus
    performed_at: datetime
    total_cents: int
    claim: Claim
    document: dict[str, Any]


def _fail(detail: str, field: str | None = None) -> InvalidInputError:
    return InvalidInputError(detail, code="invalid_claim", field=field)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def check_document(raw: Any, claim_id: str | None = None) -> CheckedClaim:
    """The checked claim, or InvalidInputError naming the faulty field in French.

    Args:
        raw: the document (`ClaimDocument.to_dict()`), without the transport fields.
        claim_id: the id from the address (PUT), which the document's id must equal.
    """
    if not isinstance(raw, dict):
        raise _fail("Le champ « demande » doit être un objet.")
    if len(json.dumps(raw, ensure_ascii=False).encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise _fail("La demande est trop volumineuse (64 Ko au plus).")
    try:
        document = read_document(raw)
    except ClaimFormatError as exc:
        raise _fail(exc.message, exc.field) from None
    key = check_uuid(document.id, "id")
    if claim_id is not None and key != claim_id:
        raise _fail("L'identifiant de la demande ne correspond pas à son adresse.", "id")
    claim = document.to_claim()
    base, total = claim.base_amount, claim.total
    if document.totals.base != base or document.totals.total != total:
        raise _fail(
            f"Les totaux de la demande ne correspondent pas à ses lignes : base {base:.2f}, total "
            f"{total:.2f} attendus.",
            "totals",
        )
    if _cents(total) > MAX_CLAIM_CENTS:
        raise _fail("Le total de la demande dépasse 10 000,00 €.", "totals.total")
    stored = ClaimDocument.of(claim).to_dict()  # as the desktop wrote it (its id too)
    return CheckedClaim(key, claim.status, claim.performed_at, _cents(total), claim, stored)


def check_ready(claim: Claim, clock: Clock, validator: ClaimValidator | None = None) -> None:
    """Refuse a claim that may not be « prête »: the desktop's own validation, its first problem.

    Raises:
        InvalidInputError: code `claim_invalid`, naming the field at fault (every problem listed).
    """
    problems = (validator or ClaimValidator(clock)).validate(claim)
    if problems:
        first = problems[0]
        raise InvalidInputError(
            f"La demande ne peut pas être « prête » : {first.message[0].lower()}{first.message[1:]}",
            code="claim_invalid",
            field=first.field,
        )


def check_transition(current: str, target: str) -> ClaimStatus:
    """The target status when the machine allows the step (the same status again is allowed).

    Raises:
        InvalidInputError: unknown status.
        ConflictError: the machine refuses the step (French reason).
    """
    try:
        to = ClaimStatus(target)
    except ValueError:
        raise InvalidInputError(
            "Statut inconnu : brouillon, prete, exportee, teletransmise, payee ou rejetee.", field="status"
        ) from None
    refusal = None if current == target else transition_refusal(ClaimStatus(current), to)
    if refusal is not None:
        raise ConflictError(refusal, code="claim_transition_refused")
    return to
