"""Sign-in, sign-out, practitioner sign-up (when allowed) and the current account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from contracts.wire.accounts import (
    LoginCreate,
    PasswordResetConfirm,
    PasswordResetCreate,
    PasswordResetStartedPublic,
    PatientCreate,
    PatientSignupConfirm,
    PatientSignupStartedPublic,
    PractitionerCreate,
    SessionPublic,
    UserPublic,
)
from server.accounts.deps import AccountsDep, CurrentUser
from server.accounts.patients import PatientAccountService
from server.accounts.service import NewPatient, NewPractitioner
from server.accounts.signup import PatientSignupService
from server.api.deps import SettingsDep, client_ip
from server.api.queries import IdPath
from server.kernel.errors import ForbiddenError

router = APIRouter(tags=["comptes"])


def _patients(request: Request) -> PatientAccountService:
    service: PatientAccountService = request.app.state.services.patients
    return service


PatientsDep = Annotated[PatientAccountService, Depends(_patients)]


def _signups(request: Request) -> PatientSignupService:
    service: PatientSignupService = request.app.state.services.signups
    return service


SignupsDep = Annotated[PatientSignupService, Depends(_signups)]


@router.post("/auth/login", response_model=SessionPublic)
async def login(body: LoginCreate, request: Request, accounts: AccountsDep) -> SessionPublic:
    token, user = await accounts.login(body.role, body.identifier, body.password, client_ip(request))
    return await accounts.session_public(token, user.id)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, accounts: AccountsDep) -> Response:
    await accounts.logout(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/practitioners", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
async def signup_practitioner(
    body: PractitionerCreate, settings: SettingsDep, accounts: AccountsDep
) -> SessionPublic:
    """Create a practitioner account: only on servers that allow it (the local server does)."""
    if not settings.allow_practitioner_signup:
        raise ForbiddenError(
            "La création de compte praticien n'est pas ouverte sur ce serveur : "
            "demandez à son administrateur de créer votre compte.",
            code="signup_closed",
        )
    plan = settings.signup_plan
    user = await accounts.create_practitioner(NewPractitioner(**body.model_dump(), plan=plan))
    token = await accounts.open_session(user.id)
    return await accounts.session_public(token, user.id)


@router.get("/me", response_model=UserPublic)
async def me(principal: CurrentUser, accounts: AccountsDep) -> UserPublic:
    return await accounts.user_public(principal.user_id)


# ---------------------------------------------------------------- patients: sign-up, forgotten password
@router.post(
    "/auth/patients", response_model=PatientSignupStartedPublic, status_code=status.HTTP_202_ACCEPTED
)
async def signup_patient(
    body: PatientCreate, request: Request, signups: SignupsDep
) -> PatientSignupStartedPublic:
    """Start a patient sign-up: a code goes to the email (or the mobile). The answer is the same
    whether or not the contact has an account (then the message sent says so)."""
    data = NewPatient(
        first_name=body.first_name,
        last_name=body.last_name,
        password=body.password,
        email=body.email or None,
        phone=body.phone or None,
    )
    signup_id, channel = await signups.start(data, client_ip(request))
    where = "par e-mail" if channel == "email" else "par SMS"
    return PatientSignupStartedPublic(
        signup_id=signup_id,
        channel="email" if channel == "email" else "sms",
        detail=f"Un code vous a été envoyé {where}. Saisissez-le pour terminer votre inscription "
        "(il est valable 10 minutes).",
    )


@router.post(
    "/auth/patients/{signup_id}/confirm", response_model=SessionPublic, status_code=status.HTTP_201_CREATED
)
async def confirm_patient_signup(
    signup_id: IdPath,
    body: PatientSignupConfirm,
    request: Request,
    signups: SignupsDep,
    accounts: AccountsDep,
) -> SessionPublic:
    """Check the sign-up code: the account is created and signed in."""
    token, user = await signups.confirm(signup_id, body.code, client_ip(request))
    return await accounts.session_public(token, user.id)


@router.post(
    "/auth/password-reset", response_model=PasswordResetStartedPublic, status_code=status.HTTP_202_ACCEPTED
)
async def request_password_reset(
    body: PasswordResetCreate, request: Request, patients: PatientsDep
) -> PasswordResetStartedPublic:
    """Send a 6-digit code if the account exists (the answer is the same either way)."""
    reset_id = await patients.request_reset(body.identifier, body.role, client_ip(request))
    return PasswordResetStartedPublic(
        reset_id=reset_id,
        detail="Si un compte correspond, un code vient de lui être envoyé. Il est valable 10 minutes.",
    )


@router.post("/auth/password-reset/{reset_id}/confirm", response_model=SessionPublic)
async def confirm_password_reset(
    reset_id: IdPath,
    body: PasswordResetConfirm,
    request: Request,
    patients: PatientsDep,
    accounts: AccountsDep,
) -> SessionPublic:
    """Check the code and set the new password; the other sessions are closed, a new one opens."""
    token, user = await patients.confirm_reset(reset_id, body.code, body.password, client_ip(request))
    return await accounts.session_public(token, user.id)
