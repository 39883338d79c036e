"""A real companion server (uvicorn on a free port) running in a background thread.

Sync tests (Playwright, pytest-qt) and async tests use it alike over HTTP and WebSocket; `run()`
executes a coroutine on the server's own loop, for setup through the domain services.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import uvicorn

from contracts.clock import Clock
from server.app import build_app
from server.container import Services
from server.settings import Settings
from tests.helpers.clock import SUITE_CLOCK

T = TypeVar("T")


_next_ip = iter(range(2, 250 * 250))


def unique_client(server: LiveServer, timeout: float = 30) -> httpx.Client:
    """A client bound to a loopback address of its own (127.x.y.z), so per-IP limits stay per test."""
    n = next(_next_ip)
    ip = f"127.{n // 62500 + 1}.{(n // 250) % 250}.{n % 250 + 1}"
    return httpx.Client(base_url=server.api, transport=httpx.HTTPTransport(local_address=ip), timeout=timeout)


def run_in_thread(coro: Awaitable[T], timeout: float = 120) -> T:
    """`asyncio.run` in a thread of its own: safe even when the main thread has a running loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, settings: Settings, clock: Clock = SUITE_CLOCK, host: str = "127.0.0.1") -> None:
        # `host`: the address to listen on ("0.0.0.0" in a test network where other namespaces
        # reach the server); `url` stays on 127.0.0.1 for the test's own clients.
        self.port = settings.port if settings.port else free_port()
        self.host = host
        self.settings = settings.replace(port=self.port, host=host)
        self.clock = clock
        self.app = build_app(self.settings, clock=clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def start(self, timeout: float = 60) -> LiveServer:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            log_level="warning",
            log_config=None,  # uvicorn's loggers propagate: the test's error check sees them
            access_log=False,
            proxy_headers=False,  # as `teleconsult-server serve`: the app applies trusted_proxies itself
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def target() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            started.set()
            loop.run_until_complete(self._server.serve())  # type: ignore[union-attr]
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=target, name=f"live-server-{self.port}", daemon=True)
        self._thread.start()
        started.wait(timeout)
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def run(self, fn: Callable[[Services], Awaitable[T]] | Awaitable[T], timeout: float = 60) -> T:
        """Run a coroutine (or `fn(services)`) on the server loop and return its result."""
        assert self._loop is not None
        coro = fn(self.services) if callable(fn) else fn
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)
        self._server = None
        self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
