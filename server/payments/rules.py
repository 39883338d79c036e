"""Rules and French texts of payment requests: amounts, labels, statuses, what each side is shown.

Amounts travel as strings of euros (« 25.00 ») and are kept as integer cents; a JSON number is
refused, so a float never carries money. The patient is shown the fee, its label and the
practitioner's convention sector before paying (CSP R.4127-53; arrêté of 30 May 2018).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_time
from babel.numbers import format_currency

from contracts.clock import PARIS
from contracts.fr_format import long_paris_date
from contracts.professions import PROFESSIONS, SECTOR_NOTICES, SECTORS
from contracts.wire.payments import PaymentPublic, PractitionerFeePublic
from server.accounts.models import PractitionerProfile, User
from server.accounts.names import PractitionerName
from server.kernel.errors import ConflictError, DomainError, InvalidInputError
from server.kernel.values import euros
from server.payment_providers.ports import AUTH, NOT_SUPPORTED, UNAVAILABLE, PaymentProviderError
from server.payments.models import PaymentRequest

CURRENCY = "EUR"


NOT_FOUND = "Demande de paiement introuvable."


STATUS_LABELS = {
    "pending": "en attente",
    "paid": "payée",
    "cancelled": "annulée",
    "refunded": "remboursée",
}


OFFLINE_METHODS = ("card_in_person", "cheque", "transfer", "cash")


METHOD_LABELS = {
    "card_in_person": "carte bancaire au cabinet",
    "cheque": "chèque",
    "transfer": "virement",
    "cash": "espèces",
    "online": "paiement en ligne",
}


class PaymentProviderUnavailableError(DomainError):
    """The payment service could not be reached or refused the call: nothing was changed."""

    status = 502
    code = "payment_provider_error"


class PaymentStateError(ConflictError):
    code = "payment_not_pending"


def format_euros(cents: int) -> str:
    """ "25,00 €" in French (non-breaking spaces, as Babel's fr_FR)."""
    return str(format_currency(Decimal(cents) / 100, CURRENCY, locale="fr_FR"))


def check_method(value: str) -> str:
    if value not in OFFLINE_METHODS:
        raise InvalidInputError(
            "Mode de règlement inconnu : choisissez carte bancaire au cabinet (card_in_person), "
            "chèque (cheque), virement (transfer) ou espèces (cash).",
            code="invalid_method",
            field="method",
        )
    return value


def state_error(row: PaymentRequest) -> PaymentStateError:
    """Why a payment request that is no longer pending cannot be acted on."""
    texts = {
        "paid": "Ce paiement est déjà réglé.",
        "cancelled": "Cette demande de paiement a été annulée.",
        "refunded": "Ce paiement a été remboursé.",
    }
    return PaymentStateError(texts.get(row.status, "Cette demande de paiement n'est plus en attente."))


def provider_error(exc: PaymentProviderError) -> DomainError:
    """A French error for a failed provider call (the technical detail stays in the log)."""
    if exc.reason == NOT_SUPPORTED:
        return ConflictError(
            "Ce paiement se règle directement auprès de votre praticien : il l'enregistrera lui-même.",
            code="offline_payment",
        )
    if exc.reason == UNAVAILABLE:
        return PaymentProviderUnavailableError(
            "Le service de paiement en ligne ne répond pas pour le moment. Rien n'a été modifié : "
            "réessayez dans quelques minutes."
        )
    if exc.reason == AUTH:
        return PaymentProviderUnavailableError(
            "Le paiement en ligne est mal configuré sur le serveur (clé Stripe refusée). Rien n'a été "
            "modifié : prévenez l'administrateur du serveur."
        )
    return PaymentProviderUnavailableError(
        "Le service de paiement en ligne a refusé la demande. Rien n'a été modifié."
        + (f" (Stripe : {exc.provider_message})" if exc.provider_message else "")
    )


def paid_message(patient: User, consultation_day: datetime) -> str:
    """ "Hélène Dupont a réglé la téléconsultation du 24 novembre 2026"."""
    who = f"{patient.first_name} {patient.last_name}"
    return f"{who} a réglé la téléconsultation du {long_paris_date(consultation_day)}"


def refunded_message(row: PaymentRequest, consultation_day: datetime) -> str:
    return (
        f"Le règlement de la téléconsultation du {long_paris_date(consultation_day)} "
        f"({format_euros(row.amount_cents)}) a été remboursé"
    )


def practitioner_fee_public(
    user: User, profile: PractitionerProfile | None, sector: str
) -> PractitionerFeePublic:
    profession = profile.profession if profile is not None else ""
    name = PractitionerName(user.first_name, user.last_name, profession)
    return PractitionerFeePublic(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        display_name=name.display,
        profession=profession,
        profession_label=PROFESSIONS.get(profession, ""),
        sector=sector,
        sector_label=SECTORS.get(sector, sector),
        sector_notice=SECTOR_NOTICES.get(sector, ""),
    )


def payment_public(
    row: PaymentRequest,
    viewer_role: str,
    practitioner: User,
    profile: PractitionerProfile | None,
    online: bool,
    act_at: datetime | None = None,
) -> PaymentPublic:
    """A payment request as `viewer_role` sees it (the patient never sees the claim id).

    The notice says the fee was announced « avant l'acte » only when we know it (the linked
    claim's act came after the request); otherwise « avant le règlement », which is always true.
    """
    fee = practitioner_fee_public(practitioner, profile, row.sector)
    announced = row.created_at.astimezone(PARIS)
    notice = (
        f"Honoraires annoncés par {fee.display_name} le {long_paris_date(row.created_at)} à "
        f"{format_time(announced, 'HH:mm', locale='fr_FR')}, "
        + ("avant l'acte." if act_at is not None and act_at > row.created_at else "avant le règlement.")
    )
    return PaymentPublic(
        id=row.id,
        conversation_id=row.conversation_id,
        claim_id=row.claim_id if viewer_role == "practitioner" else None,
        amount=euros(row.amount_cents),
        amount_cents=row.amount_cents,
        amount_label=format_euros(row.amount_cents),
        currency=row.currency,
        label=row.label,
        status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status),
        provider=row.provider,
        can_pay_online=online and row.provider != "offline" and row.status == "pending",
        method=row.method,
        method_label=METHOD_LABELS.get(row.method or ""),
        practitioner=fee,
        fee_notice=notice,
        created_at=row.created_at,
        updated_at=row.updated_at,
        paid_at=row.paid_at,
        cancelled_at=row.cancelled_at,
        refunded_at=row.refunded_at,
    )
