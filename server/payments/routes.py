"""Payment requests in a conversation, the patient's checkout, and the Stripe webhook (thin routes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from contracts.wire.common import ErrorPublic
from contracts.wire.payments import (
    CheckoutPublic,
    PaymentCreate,
    PaymentMarkPaid,
    PaymentPublic,
    PaymentsPublic,
    WebhookAckPublic,
)
from server.accounts.deps import CurrentPatient, CurrentPractitioner, CurrentUser
from server.api.deps import client_ip
from server.api.queries import DayFromQuery, DayToQuery, IdPath, ListLimitQuery, StatusQuery
from server.payments.service import PaymentService
from server.payments.webhooks import PaymentWebhookService

router = APIRouter(tags=["paiements"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "Introuvable, ou hors de vos conversations"},
}
_STATE: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "La demande n'est plus dans un état qui le permet"}
}
_PROVIDER: dict[int | str, dict[str, Any]] = {
    502: {"model": ErrorPublic, "description": "Service de paiement indisponible : rien n'a changé"}
}


def _payments(request: Request) -> PaymentService:
    service: PaymentService = request.app.state.services.payments
    return service


PaymentsDep = Annotated[PaymentService, Depends(_payments)]


def _payment_webhooks(request: Request) -> PaymentWebhookService:
    service: PaymentWebhookService = request.app.state.services.payment_webhooks
    return service


PaymentWebhooksDep = Annotated[PaymentWebhookService, Depends(_payment_webhooks)]


@router.post(
    "/conversations/{conversation_id}/payments",
    response_model=PaymentPublic,
    responses={201: {"description": "Demande créée"}, 200: {"description": "Renvoi identique"}, **_ERRORS},
)
async def create_payment(
    conversation_id: IdPath,
    body: PaymentCreate,
    principal: CurrentPractitioner,
    payments: PaymentsDep,
    response: Response,
) -> PaymentPublic:
    """« Demander un paiement »: the fee is shown to the patient before they pay."""
    payment, created = await payments.create(
        principal.actor,
        conversation_id,
        amount=body.amount,
        label=body.label,
        claim_id=body.claim_id,
        payment_id=body.id,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return payment


@router.get("/conversations/{conversation_id}/payments", response_model=PaymentsPublic, responses=_ERRORS)
async def list_payments(
    conversation_id: IdPath, principal: CurrentUser, payments: PaymentsDep
) -> PaymentsPublic:
    return await payments.list_for_conversation(principal.actor, conversation_id)


@router.get("/billing/payments", response_model=PaymentsPublic, responses=_ERRORS)
async def list_practitioner_payments(
    principal: CurrentPractitioner,
    payments: PaymentsDep,
    status_filter: StatusQuery = None,
    date_from: DayFromQuery = None,
    date_to: DayToQuery = None,
    limit: ListLimitQuery = 200,
) -> PaymentsPublic:
    """Every payment request of the practitioner, across conversations (the billing view)."""
    return await payments.list_for_practitioner(
        principal.actor, status=status_filter, date_from=date_from, date_to=date_to, limit=limit
    )


@router.get("/payments/{payment_id}", response_model=PaymentPublic, responses=_ERRORS)
async def get_payment(payment_id: IdPath, principal: CurrentUser, payments: PaymentsDep) -> PaymentPublic:
    return await payments.get(principal.actor, payment_id)


@router.post(
    "/payments/{payment_id}/cancel",
    response_model=PaymentPublic,
    responses={**_ERRORS, **_STATE, **_PROVIDER},
)
async def cancel_payment(
    payment_id: IdPath, principal: CurrentPractitioner, payments: PaymentsDep
) -> PaymentPublic:
    return await payments.cancel(principal.actor, payment_id)


@router.post(
    "/payments/{payment_id}/mark-paid",
    response_model=PaymentPublic,
    responses={**_ERRORS, **_STATE, **_PROVIDER},
)
async def mark_payment_paid(
    payment_id: IdPath, body: PaymentMarkPaid, principal: CurrentPractitioner, payments: PaymentsDep
) -> PaymentPublic:
    """The practitioner records a payment made to them: card in person, cheque, transfer or cash."""
    return await payments.mark_paid(principal.actor, payment_id, body.method)


@router.post(
    "/payments/{payment_id}/refund",
    response_model=PaymentPublic,
    responses={**_ERRORS, **_STATE, **_PROVIDER},
)
async def refund_payment(
    payment_id: IdPath, principal: CurrentPractitioner, payments: PaymentsDep
) -> PaymentPublic:
    return await payments.refund(principal.actor, payment_id)


@router.post(
    "/payments/{payment_id}/checkout",
    response_model=CheckoutPublic,
    responses={**_ERRORS, **_STATE, **_PROVIDER},
)
async def checkout_payment(
    payment_id: IdPath, principal: CurrentPatient, payments: PaymentsDep
) -> CheckoutPublic:
    """The address of the payment page (Stripe Checkout) for the patient to open."""
    return CheckoutPublic(url=await payments.checkout(principal.actor, payment_id))


@router.post(
    "/payments/stripe/webhook",
    response_model=WebhookAckPublic,
    responses={
        400: {
            "model": ErrorPublic,
            "description": "Signature absente, invalide ou trop ancienne ; contenu illisible",
        },
        503: {
            "model": ErrorPublic,
            "description": "Service de paiement injoignable : notification à renvoyer",
        },
    },
)
async def stripe_webhook(request: Request, payment_webhooks: PaymentWebhooksDep) -> WebhookAckPublic:
    """Stripe's signed notifications; the raw body is what the signature covers."""
    payload = await request.body()
    outcome = await payment_webhooks.handle(
        payload, request.headers.get("stripe-signature"), ip=client_ip(request)
    )
    return WebhookAckPublic(received=True, duplicate=outcome.duplicate)
