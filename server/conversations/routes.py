"""Conversations, messages, read marks, the patient-write setting and the events catch-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.wire.common import MAX_BIGINT, Line
from contracts.wire.conversations import (
    ConversationPublic,
    ConversationsPublic,
    ConversationUpdate,
    EventsPublic,
    MessageCreate,
    MessagePublic,
    MessagesPublic,
    ReadMarkPublic,
    ReadUpdate,
)
from server.accounts.deps import CurrentPractitioner, CurrentUser
from server.api.queries import IdPath, SeqQuery
from server.conversations.service import ConversationService, MessageDraft

router = APIRouter(tags=["conversations"])


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, one hop per request.
async def _conversations(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.services.conversations
    return service


ConversationsDep = Annotated[ConversationService, Depends(_conversations)]


@router.get("/conversations", response_model=ConversationsPublic)
async def list_conversations(
    principal: CurrentUser,
    conversations: ConversationsDep,
    q: Annotated[Line, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[Line | None, Query(max_length=80)] = None,
) -> ConversationsPublic:
    return await conversations.list_for(principal.actor, query=q, limit=limit, before=before)


@router.get("/conversations/{conversation_id}", response_model=ConversationPublic)
async def get_conversation(
    conversation_id: IdPath, principal: CurrentUser, conversations: ConversationsDep
) -> ConversationPublic:
    return await conversations.get(principal.actor, conversation_id)


@router.patch("/conversations/{conversation_id}", response_model=ConversationPublic)
async def update_conversation(
    conversation_id: IdPath,
    body: ConversationUpdate,
    principal: CurrentPractitioner,
    conversations: ConversationsDep,
) -> ConversationPublic:
    return await conversations.set_patient_write(
        principal.actor, conversation_id, body.patient_write.mode, body.patient_write.until
    )


@router.get("/conversations/{conversation_id}/messages", response_model=MessagesPublic)
async def list_messages(
    conversation_id: IdPath,
    principal: CurrentUser,
    conversations: ConversationsDep,
    before: SeqQuery = None,
    after: SeqQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagesPublic:
    return await conversations.messages(
        principal.actor, conversation_id, before=before, after=after, limit=limit
    )


@router.put(
    "/conversations/{conversation_id}/messages/{message_id}",
    response_model=MessagePublic,
    responses={200: {"description": "Déjà reçu (renvoi idempotent)"}, 201: {"description": "Créé"}},
)
async def put_message(
    conversation_id: IdPath,
    message_id: IdPath,
    body: MessageCreate,
    principal: CurrentUser,
    conversations: ConversationsDep,
    response: Response,
) -> MessagePublic:
    """Send a message whose id the client generated: a retry with the same id never duplicates."""
    message, created = await conversations.send(
        principal.actor, MessageDraft(conversation_id=conversation_id, message_id=message_id, body=body.body)
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return message


@router.post("/conversations/{conversation_id}/read", response_model=ReadMarkPublic)
async def mark_read(
    conversation_id: IdPath, body: ReadUpdate, principal: CurrentUser, conversations: ConversationsDep
) -> ReadMarkPublic:
    return await conversations.mark_read(principal.actor, conversation_id, body.seq)


@router.get("/events", response_model=EventsPublic)
async def events(
    principal: CurrentUser,
    conversations: ConversationsDep,
    after: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EventsPublic:
    return await conversations.events(principal.user_id, after, limit)
