"""Composition root of the server: adapters, the typed container, the web application.

`start_runtime` opens the database, the event bus, the delivery adapters and the payment provider,
builds every service (`server.container.build_services`), the realtime hub with its call relay, and
starts the background workers (delivery queue, housekeeping). `build_app` wraps it in the FastAPI
application: the REST routers of every feature, the socket, the patient pages.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from contracts.clock import Clock, system_clock
from server.accounts.routes import router as accounts_router
from server.accounts.service import purge_sessions
from server.api.errors import install_error_handlers
from server.api.headers import SecurityHeaders
from server.api.health import router as health_router
from server.api.limits import BodySizeLimit
from server.api.metrics import router as metrics_router
from server.api.openapi import document_errors
from server.attachments.db_store import purge_partial_blobs
from server.attachments.routes import router as attachments_router
from server.billing.routes import router as billing_router
from server.calls.ice_servers import describe as describe_ice
from server.calls.relay import CallRelay
from server.calls.routes import router as calls_router
from server.container import Services, build_services
from server.conversations.routes import router as conversations_router
from server.db.database import Database
from server.db.migrate import upgrade
from server.delivery.factory import build_delivery
from server.delivery.stats import delivery_jobs
from server.events.bus import InProcessBus, RedisBus
from server.invitations.routes import ROUTERS as INVITATION_ROUTERS
from server.kernel.audit import archive_audit, seal_audit
from server.kernel.core import Core
from server.kernel.housekeeping import Housekeeping, purge_rate_events, purge_user_events
from server.kernel.logs import RequestContext
from server.kernel.metrics import HttpMetrics, Metrics, Sample
from server.kernel.ports import EventBus
from server.patient_web import mount as mount_patient_web
from server.patient_web.help_routes import help_router
from server.payment_providers.factory import build_payment_provider
from server.payment_providers.factory import describe as describe_payments
from server.payments.routes import router as payments_router
from server.realtime.hub import Hub, realtime_router
from server.settings import Settings

log = logging.getLogger("teleconsult.server")

Cleanup = Callable[[], Awaitable[None]]


@dataclass
class Runtime:
    """What a running server process holds; `close()` stops it in the reverse order."""

    settings: Settings
    db: Database
    bus: EventBus
    core: Core
    services: Services
    hub: Hub
    cleanups: list[Cleanup] = field(default_factory=list)

    async def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                await cleanup()
        await self.hub.stop()
        await self.services.conversations.close()
        await self.core.close()
        await self.bus.close()
        await self.db.dispose()


# What housekeeping runs, in order (the audit log is sealed before its old entries are archived).
PURGES = (
    purge_rate_events,
    purge_user_events,
    purge_sessions,
    seal_audit,
    archive_audit,
    purge_partial_blobs,
)


def make_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url, settings.effective_bus_namespace)
    return InProcessBus()


async def start_runtime(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> Runtime:
    """Open the database (migrated first unless `migrate` is False), the bus and every service.

    Args:
        clock: the time source of every use-case (tests set the date they need).

    Raises:
        SettingsError: a delivery adapter or the payment provider is incompletely configured.
    """
    url = settings.effective_database_url
    if migrate:
        await upgrade(url)
    db = Database(url, reserve_bytes=settings.storage_reserve_bytes)
    try:
        db.storage.prepare()
    except OSError:
        db.storage.mark_full()  # no room even for the reserve: writes wait for space
    bus = make_bus(settings)
    core = Core(settings, db, bus, clock)
    adapters = build_delivery(settings)
    provider = build_payment_provider(settings)
    services = build_services(core, adapters.mailer, adapters.sms, provider)
    hub = Hub(core, services.accounts, services.conversations)
    CallRelay(hub, core, services.calls, services.conversations).register()
    runtime = Runtime(settings, db, bus, core, services, hub)
    runtime.cleanups += [adapters.close, provider.close]
    try:
        await bus.start(hub.on_bus_message, hub.resync)
        hub.start()
        housekeeping = Housekeeping(core, PURGES)
        housekeeping.start()
        runtime.cleanups.append(housekeeping.stop)
        services.delivery.start()
        runtime.cleanups.append(services.delivery.stop)
    except BaseException:
        await runtime.close()
        raise
    log.info("delivery by %s", adapters.description)
    log.info("payments: %s", describe_payments(provider, settings))
    log.info("calls: %s", describe_ice(settings))
    return runtime


API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def api_routers() -> list[APIRouter]:
    """Every REST router, one or more per feature."""
    return [
        health_router,
        accounts_router,
        conversations_router,
        attachments_router,
        *INVITATION_ROUTERS,
        help_router,
        billing_router,
        payments_router,
        calls_router,
    ]


def create_app(
    settings: Settings, lifespan: Lifespan, extra_routers: list[APIRouter] | None = None
) -> FastAPI:
    """The web application: every router under /api/v1, French errors, body caps, security headers."""
    app = FastAPI(
        title="Teleconsult — serveur compagnon",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    document_errors(app, API_PREFIX)
    for router in [*api_routers(), *(extra_routers or [])]:
        app.include_router(router, prefix=API_PREFIX)

    def get_hub() -> Hub:
        hub: Hub = app.state.hub
        return hub

    app.include_router(realtime_router(get_hub), prefix=API_PREFIX)

    app.add_middleware(SecurityHeaders, api_prefix=API_PREFIX)
    app.add_middleware(
        BodySizeLimit, json_limit=settings.max_json_bytes, upload_limit=settings.max_upload_bytes + 65536
    )
    app.include_router(metrics_router)
    app.state.metrics = Metrics()
    # Outermost: the latency counts the whole answer, the request id covers every log line.
    app.add_middleware(HttpMetrics, metrics=app.state.metrics)
    app.add_middleware(RequestContext)
    # Outermost of all: behind a trusted reverse proxy, every layer (request id, rate limits, audit,
    # the socket) sees the client's address from X-Forwarded-For; from any other peer it is ignored.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def observe_runtime(metrics: Metrics, runtime: Runtime) -> None:
    """The gauges read from the running process when /metrics is scraped."""

    def single(value: float, **labels: str) -> Callable[[], Awaitable[list[Sample]]]:
        async def collect() -> list[Sample]:
            return [(labels, value)]

        return collect

    async def sockets() -> list[Sample]:
        return [({}, float(runtime.hub.count))]

    async def sends() -> list[Sample]:
        return [({}, float(runtime.services.conversations.sends_waiting))]

    async def jobs() -> list[Sample]:
        return await delivery_jobs(runtime.db)

    async def bus() -> list[Sample]:
        state = runtime.bus.state
        return [({"state": name}, float(state == name)) for name in ("ok", "degraded")]

    async def storage() -> list[Sample]:
        return [({}, float(runtime.db.storage.full))]

    backend = "redis" if runtime.settings.redis_url else "memory"
    metrics.gauge("teleconsult_info", "Bus d'événements de ce processus", single(1.0, bus=backend))
    metrics.gauge("teleconsult_websockets_open", "WebSocket authentifiées ouvertes sur ce processus", sockets)
    metrics.gauge(
        "teleconsult_message_writer_queue_depth",
        "Envois de messages en attente d'écriture (ce processus)",
        sends,
    )
    metrics.gauge("teleconsult_delivery_jobs", "Envois e-mail / SMS en file ou abandonnés, par canal", jobs)
    metrics.gauge("teleconsult_bus_state", "État du bus d'événements (1 pour l'état courant)", bus)
    metrics.gauge("teleconsult_storage_full", "1 quand le disque est plein (écritures refusées)", storage)


def build_app(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> FastAPI:
    """The full application (API + patient pages) for `settings`, on the time source `clock`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await start_runtime(settings, migrate=migrate, clock=clock)
        app.state.runtime = runtime
        app.state.services = runtime.services
        app.state.hub = runtime.hub
        observe_runtime(app.state.metrics, runtime)
        try:
            yield
        finally:
            await runtime.close()

    app = create_app(settings, lifespan)
    mount_patient_web(app, settings)
    return app
