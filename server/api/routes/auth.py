"""Sign-in, sign-out, practitioner sign-up (when allowed) and the current account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from contracts.wire.accounts import LoginCreate, PractitionerCreate, SessionPublic, UserPublic
from server.api.deps import CurrentUser, ServicesDep, client_ip
from server.domain.accounts import NewPractitioner
from server.domain.container import Services
from server.domain.errors import ForbiddenError

router = APIRouter(tags=["comptes"])


async def user_public(services: Services, user_id: str) -> UserPublic:
    user, profile = await services.accounts.get_user(user_id)
    return UserPublic(
        id=user.id,
        role=user.role,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone=user.phone,
        profession=profile.profession if profile else None,
        specialty=profile.specialty if profile else None,
        sector=profile.sector if profile else None,
        plan=profile.plan if profile else None,
        rpps=profile.rpps if profile else None,
        am_number=profile.am_number if profile else None,
        city=profile.city if profile else None,
        postal_code=profile.postal_code if profile else None,
        address=profile.address if profile else None,
        event_seq=user.event_seq,
    )


@router.post("/auth/login", response_model=SessionPublic)
async def login(body: LoginCreate, request: Request, services: ServicesDep) -> SessionPublic:
    token, user = await services.accounts.login(body.role, body.identifier, body.password, client_ip(request))
    return SessionPublic(token=token, user=await user_public(services, user.id))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, services: ServicesDep) -> Response:
    await services.accounts.logout(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/practitioners", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
async def signup_practitioner(body: PractitionerCreate, services: ServicesDep) -> SessionPublic:
    """Create a practitioner account: only on servers that allow it (the local server does)."""
    if not services.core.settings.allow_practitioner_signup:
        raise ForbiddenError(
            "La création de compte praticien n'est pas ouverte sur ce serveur : "
            "demandez à son administrateur de créer votre compte.",
            code="signup_closed",
        )
    plan = services.core.settings.signup_plan
    user = await services.accounts.create_practitioner(NewPractitioner(**body.model_dump(), plan=plan))
    token = await services.accounts.open_session(user.id)
    return SessionPublic(token=token, user=await user_public(services, user.id))


@router.get("/me", response_model=UserPublic)
async def me(principal: CurrentUser, services: ServicesDep) -> UserPublic:
    return await user_public(services, principal.user_id)
