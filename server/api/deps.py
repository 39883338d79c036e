"""FastAPI dependencies of the kernel, shared by every feature's routes: the core, the settings,
the caller's address.

Each feature declares the dependencies of its own services beside its routes (`XDep =
Annotated[XService, Depends(...)]`, as full-stack-fastapi-template's `deps.py` does), reading the
process's typed container (`server.container.Services`, on `app.state.services`) by attribute;
`server.accounts.deps` says who is calling.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.kernel.core import Core
from server.settings import Settings


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, one hop per request.
async def _core(request: Request) -> Core:
    core: Core = request.app.state.services.core
    return core


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.services.core.settings
    return settings


CoreDep = Annotated[Core, Depends(_core)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
