"""Claims and notes d'honoraires: the practitioner's own, never a patient's to see (thin routes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from contracts.wire.billing import (
    ClaimPublic,
    ClaimsPublic,
    ClaimStatusUpdate,
    NoteCreate,
    NotePublic,
    NotesPublic,
    NoteUpdate,
)
from contracts.wire.common import ErrorPublic, Line
from server.accounts.deps import CurrentPractitioner
from server.api.queries import DayFromQuery, DayToQuery, IdPath, ListLimitQuery, StatusQuery
from server.billing.claims import ClaimService
from server.billing.notes import NoteService

router = APIRouter(tags=["facturation"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorPublic, "description": "Réservé aux praticiens"},
    404: {"model": ErrorPublic, "description": "Introuvable, ou appartenant à un autre praticien"},
}
_CLAIM_BODY = Body(
    description="Le document `contracts.billing.document.ClaimDocument`, plus `conversation_id` "
    "(facultatif) et, pour PUT, `version` (facultatif : refus si la demande a changé entre-temps).",
)


def _claims(request: Request) -> ClaimService:
    service: ClaimService = request.app.state.services.claims
    return service


ClaimsDep = Annotated[ClaimService, Depends(_claims)]


def _notes(request: Request) -> NoteService:
    service: NoteService = request.app.state.services.notes
    return service


NotesDep = Annotated[NoteService, Depends(_notes)]


@router.post(
    "/billing/claims",
    response_model=ClaimPublic,
    responses={
        201: {"description": "Demande enregistrée"},
        200: {"description": "Renvoi identique"},
        **_ERRORS,
    },
)
async def create_claim(
    body: Annotated[dict[str, Any], _CLAIM_BODY],
    principal: CurrentPractitioner,
    claims: ClaimsDep,
    response: Response,
) -> ClaimPublic:
    claim, created = await claims.create(principal.actor, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return claim


@router.get("/billing/claims", response_model=ClaimsPublic, responses=_ERRORS)
async def list_claims(
    principal: CurrentPractitioner,
    claims: ClaimsDep,
    status_filter: StatusQuery = None,
    date_from: DayFromQuery = None,
    date_to: DayToQuery = None,
    limit: ListLimitQuery = 200,
) -> ClaimsPublic:
    return await claims.list(
        principal.actor, status=status_filter, date_from=date_from, date_to=date_to, limit=limit
    )


@router.get("/billing/claims/{claim_id}", response_model=ClaimPublic, responses=_ERRORS)
async def get_claim(claim_id: IdPath, principal: CurrentPractitioner, claims: ClaimsDep) -> ClaimPublic:
    return await claims.get(principal.actor, claim_id)


@router.put(
    "/billing/claims/{claim_id}",
    response_model=ClaimPublic,
    responses={
        409: {"model": ErrorPublic, "description": "Pas un brouillon, ou modifiée entre-temps"},
        **_ERRORS,
    },
)
async def update_claim(
    claim_id: IdPath,
    body: Annotated[dict[str, Any], _CLAIM_BODY],
    principal: CurrentPractitioner,
    claims: ClaimsDep,
) -> ClaimPublic:
    return await claims.update(principal.actor, claim_id, body)


@router.post(
    "/billing/claims/{claim_id}/status",
    response_model=ClaimPublic,
    responses={
        409: {"model": ErrorPublic, "description": "Changement de statut refusé (raison en français)"},
        **_ERRORS,
    },
)
async def set_claim_status(
    claim_id: IdPath, body: ClaimStatusUpdate, principal: CurrentPractitioner, claims: ClaimsDep
) -> ClaimPublic:
    return await claims.set_status(principal.actor, claim_id, body.status, body.note)


@router.post(
    "/billing/notes",
    response_model=NotePublic,
    responses={
        201: {"description": "Note numérotée"},
        200: {"description": "Renvoi : même note, même numéro"},
        **_ERRORS,
    },
)
async def create_note(
    body: NoteCreate, principal: CurrentPractitioner, notes: NotesDep, response: Response
) -> NotePublic:
    note, created = await notes.create(
        principal.actor,
        total=body.total,
        label=body.label,
        conversation_id=body.conversation_id,
        claim_id=body.claim_id,
        payment_id=body.payment_id,
        note_id=body.id,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return note


@router.get("/billing/notes", response_model=NotesPublic, responses=_ERRORS)
async def list_notes(
    principal: CurrentPractitioner,
    notes: NotesDep,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
    conversation_id: Annotated[Line | None, Query(max_length=64)] = None,
    claim_id: Annotated[Line | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> NotesPublic:
    return await notes.list(
        principal.actor, year=year, conversation_id=conversation_id, claim_id=claim_id, limit=limit
    )


@router.get("/billing/notes/{note_id}", response_model=NotePublic, responses=_ERRORS)
async def get_note(note_id: IdPath, principal: CurrentPractitioner, notes: NotesDep) -> NotePublic:
    return await notes.get(principal.actor, note_id)


@router.patch(
    "/billing/notes/{note_id}",
    response_model=NotePublic,
    responses={409: {"model": ErrorPublic, "description": "La note a déjà un autre PDF"}, **_ERRORS},
)
async def link_note_pdf(
    note_id: IdPath, body: NoteUpdate, principal: CurrentPractitioner, notes: NotesDep
) -> NotePublic:
    """Link the note's PDF, once uploaded as a document of the conversation."""
    return await notes.attach(principal.actor, note_id, body.attachment_id)
