"""Wire schemas of billing: claims, notes d'honoraires, payment requests (XCreate / XUpdate / XPublic).

Amounts are strings of euros with two decimals (« 25.00 »); a JSON number is refused by the
domain with a French message, so money never travels as a float.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from server.api.schemas import Input

AMOUNT_DOC = "Montant en euros, en texte : « 25.00 » (> 0 et ≤ 10 000,00 €, deux décimales au plus)."


class PaymentCreate(Input):
    id: str | None = Field(
        default=None,
        max_length=64,
        description="UUID choisi par le client : un renvoi ne crée pas de doublon",
    )
    amount: Any = Field(description=AMOUNT_DOC, json_schema_extra={"type": "string", "examples": ["25.00"]})
    label: str = Field(max_length=2000, description="Libellé montré au patient (200 caractères au plus)")
    claim_id: str | None = Field(default=None, max_length=64)


class PaymentMarkPaid(Input):
    method: str = Field(max_length=32, description="card_in_person | cheque | transfer | cash")


class PractitionerFeePublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    display_name: str
    profession: str
    profession_label: str
    sector: str
    sector_label: str
    sector_notice: str


class PaymentPublic(BaseModel):
    id: str
    conversation_id: str
    claim_id: str | None
    amount: str
    amount_cents: int
    amount_label: str
    currency: str
    label: str
    status: str
    status_label: str
    provider: str
    can_pay_online: bool
    method: str | None
    method_label: str | None
    practitioner: PractitionerFeePublic
    fee_notice: str
    created_at: str
    updated_at: str
    paid_at: str | None
    cancelled_at: str | None
    refunded_at: str | None


class PaymentsPublic(BaseModel):
    items: list[PaymentPublic]


class CheckoutPublic(BaseModel):
    url: str


class WebhookAckPublic(BaseModel):
    received: bool
    duplicate: bool


class ClaimStatusUpdate(Input):
    status: str = Field(
        max_length=20, description="brouillon | prete | exportee | teletransmise | payee | rejetee"
    )
    note: str | None = Field(default=None, max_length=2000)


class ClaimPublic(BaseModel):
    id: str
    status: str
    status_label: str
    conversation_id: str | None
    performed_at: str
    total: str
    version: int
    created_at: str
    updated_at: str
    document: dict[str, Any]


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
    issued_at: str
    updated_at: str


class NotesPublic(BaseModel):
    items: list[NotePublic]


# Query parameters shared by the billing lists (claims, payment requests): French calendar days.
StatusQuery = Annotated[str | None, Query(alias="status", max_length=20)]
DayFromQuery = Annotated[date | None, Query(alias="from", description="Premier jour (AAAA-MM-JJ, Paris)")]
DayToQuery = Annotated[date | None, Query(alias="to", description="Dernier jour inclus (AAAA-MM-JJ, Paris)")]
ListLimitQuery = Annotated[int, Query(ge=1, le=500)]
