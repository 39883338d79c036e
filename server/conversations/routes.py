"""Conversations, messages, read marks, the patient-write setting and the events catch-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.wire.conversations import (
    ConversationPublic,
    ConversationsPublic,
    ConversationUpdate,
    EventsPublic,
    MessageCreate,
    MessagePublic,
    MessagesPublic,
    ReadUpdate,
)
from server.accounts.deps import CurrentPractitioner, CurrentUser
from server.conversations.service import ConversationService, MessageDraft

router = APIRouter(tags=["conversations"])


def _conversations(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.services.conversations
    return service


ConversationsDep = Annotated[ConversationService, Depends(_conversations)]


@router.get("/conversations", response_model=ConversationsPublic)
async def list_conversations(
    principal: CurrentUser,
    conversations: ConversationsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=80)] = None,
) -> ConversationsPublic:
    items = await conversations.list_for(principal.actor, query=q, limit=limit, before=before)
    last = items[-1] if items and len(items) == limit and not q else None
    next_before = f"{last['updated_at']}|{last['id']}" if last else None
    return ConversationsPublic.model_validate({"items": items, "next_before": next_before})


@router.get("/conversations/{conversation_id}", response_model=ConversationPublic)
async def get_conversation(
    conversation_id: str, principal: CurrentUser, conversations: ConversationsDep
) -> ConversationPublic:
    return ConversationPublic.model_validate(await conversations.get(principal.actor, conversation_id))


@router.patch("/conversations/{conversation_id}", response_model=ConversationPublic)
async def update_conversation(
    conversation_id: str,
    body: ConversationUpdate,
    principal: CurrentPractitioner,
    conversations: ConversationsDep,
) -> ConversationPublic:
    await conversations.set_patient_write(
        principal.actor, conversation_id, body.patient_write.mode, body.patient_write.until
    )
    return ConversationPublic.model_validate(await conversations.get(principal.actor, conversation_id))


@router.get("/conversations/{conversation_id}/messages", response_model=MessagesPublic)
async def list_messages(
    conversation_id: str,
    principal: CurrentUser,
    conversations: ConversationsDep,
    before: Annotated[int | None, Query(ge=0)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagesPublic:
    items = await conversations.messages(
        principal.actor, conversation_id, before=before, after=after, limit=limit
    )
    return MessagesPublic.model_validate({"items": items})


@router.put(
    "/conversations/{conversation_id}/messages/{message_id}",
    response_model=MessagePublic,
    responses={200: {"description": "Déjà reçu (renvoi idempotent)"}, 201: {"description": "Créé"}},
)
async def put_message(
    conversation_id: str,
    message_id: str,
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
    return MessagePublic.model_validate(message)


@router.post("/conversations/{conversation_id}/read")
async def mark_read(
    conversation_id: str, body: ReadUpdate, principal: CurrentUser, conversations: ConversationsDep
) -> dict[str, object]:
    return await conversations.mark_read(principal.actor, conversation_id, body.seq)


@router.get("/events", response_model=EventsPublic)
async def events(
    principal: CurrentUser,
    conversations: ConversationsDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EventsPublic:
    items = await conversations.events(principal.user_id, after, limit)
    return EventsPublic.model_validate({"items": items})
