"""Billing on the wire: claims (their document is `contracts.billing`'s) and notes d'honoraires.

Amounts are strings of euros with two decimals (« 25.00 »); a JSON number is refused by the
server with a French message, so money never travels as a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from contracts.wire.common import Input

AMOUNT_DOC = "Montant en euros, en texte : « 25.00 » (> 0 et ≤ 10 000,00 €, deux décimales au plus)."


class ClaimStatusUpdate(Input):
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"note"})

    status: str = Field(
        max_length=20, description="brouillon | prete | exportee | teletransmise | payee | rejetee"
    )
    note: str | None = Field(default=None, max_length=2000)


class ClaimSummaryPublic(BaseModel):
    """A claim without its document (no patient data): what `claim.updated` events carry."""

    id: str
    status: str
    status_label: str
    conversation_id: str | None
    performed_at: datetime
    total: str
    version: int
    created_at: datetime
    updated_at: datetime


class ClaimPublic(ClaimSummaryPublic):
    document: dict[str, Any]


class ClaimEvent(BaseModel):
    """`claim.updated`, to the claim's practitioner."""

    claim: ClaimSummaryPublic


class ClaimsPublic(BaseModel):
    items: list[ClaimPublic]


class NoteCreate(Input):
    id: str | None = Field(
        default=None, max_length=64, description="UUID choisi par le client : un renvoi garde le même numéro"
    )
    total: Any = Field(description=AMOUNT_DOC, json_schema_extra={"type": "string", "examples": ["25.00"]})
    label: str | None = Field(default=None, max_length=2000)
    conversation_id: str | None = Field(default=None, max_length=64)
    claim_id: str | None = Field(default=None, max_length=64)
    payment_id: str | None = Field(default=None, max_length=64)


class NoteUpdate(Input):
    attachment_id: str = Field(max_length=64, description="Le PDF envoyé dans la conversation")


class NotePublic(BaseModel):
    id: str
    number: str = Field(description="« AAAA-NNNN », unique et sans trou par praticien et par année")
    year: int
    sequence: int
    total: str
    label: str
    conversation_id: str | None
    claim_id: str | None
    payment_id: str | None
    attachment_id: str | None
    issued_at: datetime
    updated_at: datetime


class NotesPublic(BaseModel):
    items: list[NotePublic]


class NoteEvent(BaseModel):
    """`note.created`, `note.updated`, to the note's practitioner."""

    note: NotePublic
