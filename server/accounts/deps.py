"""Who is calling: the bearer token checked by the accounts feature, and the role checks.

Every feature's routes depend on these (`CurrentUser`, `CurrentPractitioner`, `CurrentPatient`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.accounts.service import AccountService, Principal
from server.api.deps import client_ip
from server.kernel.errors import AuthenticationError, ForbiddenError


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, one hop per request.
async def _accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.state.services.accounts
    return accounts


AccountsDep = Annotated[AccountService, Depends(_accounts)]


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
