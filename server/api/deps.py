"""FastAPI dependencies as types: the services, the caller, and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.domain.accounts import Principal
from server.domain.container import Services
from server.domain.errors import AuthenticationError, ForbiddenError


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_principal(request: Request, services: ServicesDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Connectez-vous pour continuer.", code="unauthenticated")
    return await services.accounts.authenticate(token.strip(), ip=client_ip(request))


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def require_practitioner(principal: CurrentUser) -> Principal:
    if principal.role != "practitioner":
        raise ForbiddenError("Cette action est réservée aux praticiens.", code="practitioner_only")
    return principal


async def require_patient(principal: CurrentUser) -> Principal:
    if principal.role != "patient":
        raise ForbiddenError("Cette action est réservée aux patients.", code="patient_only")
    return principal


CurrentPractitioner = Annotated[Principal, Depends(require_practitioner)]
CurrentPatient = Annotated[Principal, Depends(require_patient)]
