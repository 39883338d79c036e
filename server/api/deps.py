"""FastAPI dependencies shared by every feature's routes: the kernel, the caller, role checks.

Each feature declares the dependency of its own services beside its routes (`XDep =
Annotated[XService, Depends(...)]`, as full-stack-fastapi-template's `deps.py` does); they read the
process's typed container (`server.container.Services`, on `app.state.services`) by attribute.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.accounts.service import AccountService, Principal
from server.kernel.core import Core
from server.kernel.errors import AuthenticationError, ForbiddenError
from server.settings import Settings


def _core(request: Request) -> Core:
    core: Core = request.app.state.services.core
    return core


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.services.core.settings
    return settings


def _accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.state.services.accounts
    return accounts


CoreDep = Annotated[Core, Depends(_core)]
SettingsDep = Annotated[Settings, Depends(_settings)]
AccountsDep = Annotated[AccountService, Depends(_accounts)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_principal(request: Request, accounts: AccountsDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Connectez-vous pour continuer.", code="unauthenticated")
    return await accounts.authenticate(token.strip(), ip=client_ip(request))


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
