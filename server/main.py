"""Composition root and command line of `teleconsult-server`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from contracts.clock import Clock, system_clock
from contracts.professions import PROFESSIONS, SECTORS, SPECIALTIES
from server.api.app import create_app
from server.api.realtime import Hub
from server.domain.accounts import NewPractitioner
from server.domain.attachments import setup as setup_attachments
from server.domain.container import Services, build_core_services
from server.domain.core import Core
from server.domain.errors import DomainError
from server.domain.housekeeping import Housekeeping
from server.domain.ports import EventBus
from server.events.bus import InProcessBus, RedisBus
from server.feature_billing import billing_feature
from server.feature_calls import calls_feature
from server.feature_invitations import invitations_feature
from server.settings import Settings, SettingsError
from server.storage.db import Database
from server.storage.migrate import upgrade

log = logging.getLogger("teleconsult.server")

# Features plug into the composition root here: each gets the services once built, and may add
# services, start background workers and register socket handlers. It returns an async cleanup.
Feature = Callable[[Services, Hub], Any]


@dataclass
class Runtime:
    """What a running server process holds."""

    settings: Settings
    db: Database
    bus: EventBus
    core: Core
    services: Services
    hub: Hub
    cleanups: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                await cleanup()
        await self.hub.stop()
        await self.services.conversations.close()
        await self.core.close()
        await self.bus.close()
        await self.db.dispose()


def make_bus(settings: Settings) -> EventBus:
    return RedisBus(settings.redis_url) if settings.redis_url else InProcessBus()


def features() -> list[Feature]:
    """Feature wiring functions (invitations, attachments, billing, calls) in start order."""
    return [setup_attachments, invitations_feature, billing_feature, calls_feature]


async def start_runtime(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> Runtime:
    """Open the database (migrated first unless `migrate` is False), the bus and every service.

    Args:
        clock: the time source of every use-case (tests set the date they need).
    """
    url = settings.effective_database_url
    if migrate:
        await upgrade(url)
    db = Database(url)
    bus = make_bus(settings)
    core = Core(settings, db, bus, clock)
    services = build_core_services(core)
    hub = Hub(services)
    runtime = Runtime(settings, db, bus, core, services, hub)
    try:
        await bus.start(hub.on_bus_message)
        hub.start()
        housekeeping = Housekeeping(core)
        housekeeping.start()
        runtime.cleanups.append(housekeeping.stop)
        for feature in features():
            cleanup = await feature(services, hub)
            if cleanup is not None:
                runtime.cleanups.append(cleanup)
    except BaseException:
        await runtime.close()
        raise
    return runtime


def build_app(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> FastAPI:
    """The full application (API + patient pages) for `settings`, on the time source `clock`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await start_runtime(settings, migrate=migrate, clock=clock)
        app.state.runtime = runtime
        app.state.services = runtime.services
        app.state.hub = runtime.hub
        try:
            yield
        finally:
            await runtime.close()

    app = create_app(settings, lifespan)
    _mount_patient_web(app, settings)
    return app


def _mount_patient_web(app: FastAPI, settings: Settings) -> None:
    import importlib

    mount = getattr(importlib.import_module("server.patient_web"), "mount", None)
    if mount is not None:  # the patient pages plug in when their package provides mount()
        mount(app, settings)


# ---------------------------------------------------------------------------------------------- CLI
def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "database_url", "redis_url", "public_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "data_dir", None):
        from pathlib import Path

        overrides["data_dir"] = Path(args.data_dir).expanduser()
    if getattr(args, "allow_practitioner_signup", False):
        overrides["allow_practitioner_signup"] = True
    if getattr(args, "signup_plan", None):
        overrides["signup_plan"] = args.signup_plan
    return Settings.load(overrides=overrides)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="dossier des données (défaut : dossier utilisateur)")
    p.add_argument("--database-url", help="URL SQLAlchemy, ex. postgresql+asyncpg://… (défaut : SQLite)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="teleconsult-server",
        description="Serveur compagnon Teleconsult : pages patients, signalisation des appels, données.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="commande")

    serve = sub.add_parser("serve", help="démarrer le serveur (applique les migrations au démarrage)")
    _add_common(serve)
    serve.add_argument("--host", help="adresse d'écoute (défaut 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port d'écoute (défaut 8765)")
    serve.add_argument("--redis-url", help="Redis pour plusieurs processus serveur")
    serve.add_argument("--public-url", help="URL publique des pages patients (liens des invitations)")
    serve.add_argument(
        "--allow-practitioner-signup", action="store_true", help="autoriser la création de comptes praticiens"
    )
    serve.add_argument(
        "--signup-plan",
        choices=["PRO", "PRO+"],
        help="formule des comptes créés par inscription (défaut PRO)",
    )

    migrate = sub.add_parser("migrate", help="appliquer les migrations de la base de données")
    _add_common(migrate)

    create = sub.add_parser("create-practitioner", help="créer un compte praticien")
    _add_common(create)
    create.add_argument("--email", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--profession", required=True, choices=sorted(PROFESSIONS))
    create.add_argument("--specialty", choices=sorted(SPECIALTIES))
    create.add_argument("--rpps", required=True, help="numéro RPPS (11 chiffres)")
    create.add_argument("--sector", default="secteur_1", choices=sorted(SECTORS))
    create.add_argument("--plan", default="PRO", choices=["PRO", "PRO+"])
    create.add_argument("--city")
    create.add_argument("--am-number", help="numéro d'Assurance Maladie (9 chiffres)")
    create.add_argument("--password", help="mot de passe (sinon demandé, ou TELECONSULT_PASSWORD)")

    plan = sub.add_parser("set-plan", help="changer la formule d'un praticien (PRO ou PRO+)")
    _add_common(plan)
    plan.add_argument("--email", required=True)
    plan.add_argument("--plan", required=True, choices=["PRO", "PRO+"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings_from(args)
    except SettingsError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            asyncio.run(upgrade(settings.effective_database_url))
            print("Base de données à jour.")
            return 0
        if args.command == "create-practitioner":
            return asyncio.run(_create_practitioner(settings, args))
        if args.command == "set-plan":
            return asyncio.run(_set_plan(settings, args.email, args.plan))
    except DomainError as exc:
        print(f"Erreur : {exc.detail}", file=sys.stderr)
        return 1
    return 2


def _serve(settings: Settings) -> int:
    import uvicorn

    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # 4-6x less memory per socket; frames are small JSON
        ws_max_size=256 * 1024,
        log_level=settings.log_level,
        access_log=False,  # URLs carry ids only, but keep logs minimal (health data rules)
        proxy_headers=True,
        server_header=False,
    )
    uvicorn.Server(config).run()
    return 0


async def _with_services(settings: Settings, action: Callable[[Services], Any]) -> Any:
    runtime = await start_runtime(settings)
    try:
        return await action(runtime.services)
    finally:
        await runtime.close()


async def _create_practitioner(settings: Settings, args: argparse.Namespace) -> int:
    import os

    password = args.password or os.environ.get("TELECONSULT_PASSWORD") or getpass.getpass("Mot de passe : ")
    data = NewPractitioner(
        email=args.email,
        password=password,
        first_name=args.first_name,
        last_name=args.last_name,
        profession=args.profession,
        specialty=args.specialty,
        rpps=args.rpps,
        sector=args.sector,
        plan=args.plan,
        city=args.city,
        am_number=args.am_number,
    )

    async def action(services: Services) -> None:
        user = await services.accounts.create_practitioner(data)
        print(f"Compte praticien créé : {user.email} ({args.plan}).")

    await _with_services(settings, action)
    return 0


async def _set_plan(settings: Settings, email: str, plan: str) -> int:
    async def action(services: Services) -> None:
        await services.accounts.set_plan(email, plan)
        print(f"Formule de {email} : {plan}.")

    await _with_services(settings, action)
    return 0
