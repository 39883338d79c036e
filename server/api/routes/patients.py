"""Patient sign-up and the forgotten password (code by email or SMS), for the patient web app."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from server.api.deps import ServicesDep, client_ip
from server.api.routes.auth import user_public
from server.api.schemas import SessionPublic
from server.api.schemas_invitations import (
    PasswordResetConfirm,
    PasswordResetCreate,
    PasswordResetStartedPublic,
    PatientCreate,
)
from server.domain.accounts import NewPatient
from server.domain.invitation_feature import patient_accounts

router = APIRouter(tags=["comptes"])


@router.post("/auth/patients", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
async def signup_patient(body: PatientCreate, request: Request, services: ServicesDep) -> SessionPublic:
    """Create a patient account (email and/or phone) and sign in."""
    data = NewPatient(
        first_name=body.first_name,
        last_name=body.last_name,
        password=body.password,
        email=body.email or None,
        phone=body.phone or None,
    )
    token, user = await patient_accounts(services).sign_up(data, client_ip(request))
    return SessionPublic(token=token, user=await user_public(services, user.id))


@router.post(
    "/auth/password-reset", response_model=PasswordResetStartedPublic, status_code=status.HTTP_202_ACCEPTED
)
async def request_password_reset(
    body: PasswordResetCreate, request: Request, services: ServicesDep
) -> PasswordResetStartedPublic:
    """Send a 6-digit code if the account exists (the answer is the same either way)."""
    reset_id = await patient_accounts(services).request_reset(body.identifier, body.role, client_ip(request))
    return PasswordResetStartedPublic(
        reset_id=reset_id,
        detail="Si un compte correspond, un code vient de lui être envoyé. Il est valable 10 minutes.",
    )


@router.post("/auth/password-reset/{reset_id}/confirm", response_model=SessionPublic)
async def confirm_password_reset(
    reset_id: str, body: PasswordResetConfirm, request: Request, services: ServicesDep
) -> SessionPublic:
    """Check the code and set the new password; the other sessions are closed, a new one opens."""
    token, user = await patient_accounts(services).confirm_reset(
        reset_id, body.code, body.password, client_ip(request)
    )
    return SessionPublic(token=token, user=await user_public(services, user.id))
