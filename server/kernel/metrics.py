"""The process's metrics in the Prometheus text format (version 0.0.4), without a client library.

- **HTTP**: `HttpMetrics`, a pure ASGI middleware, counts every request by method, route template
  (`/api/v1/conversations/{conversation_id}`, never the raw path: no id, no name, no email ends up
  in a label) and status class (`2xx`…), and observes its latency in a histogram. The hot path is
  two clock reads, a bisect and a few dict and list updates, without a lock: one event loop owns
  the counters.
- **Gauges read at scrape time**: the composition root registers collectors (open sockets, queue
  depths, bus and storage state); they run only when `/metrics` is read.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(aucune route)"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

Sample = tuple[dict[str, str], float]
Collector = Callable[[], Awaitable[list[Sample]]]


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/conversations/{conversation_id}`), never
    the path; `(aucune route)` before routing or when nothing matched.

    FastAPI (0.16x) routes an included router through an « effective route context » holding the
    full template, prefix included; `scope["route"]` is then the router's own route, without it.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    for candidate in (getattr(context, "starlette_route", None), context, scope.get("route")):
        path = getattr(candidate, "path_format", None) or getattr(candidate, "path", None)
        if isinstance(path, str) and path:
            return path
    return UNMATCHED


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0


@dataclass(frozen=True)
class _Gauge:
    name: str
    help: str
    kind: str  # "gauge" or "counter"
    collect: Collector


class Metrics:
    """This process's counters and the gauges collected when scraped."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[tuple[str, str], _Histogram] = {}
        self._gauges: dict[str, _Gauge] = {}
        self.started = time.time()

    # ---------------------------------------------------------------- hot path
    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered HTTP request."""
        method = method if method in METHODS else "OTHER"
        key = (method, route, f"{status // 100}xx")
        self._requests[key] = self._requests.get(key, 0) + 1
        histogram = self._latency.get((method, route))
        if histogram is None:
            histogram = self._latency[(method, route)] = _Histogram()
        histogram.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
        histogram.total += seconds

    # ---------------------------------------------------------------- scrape side
    def gauge(self, name: str, help_text: str, collect: Collector, *, kind: str = "gauge") -> None:
        """Register (or replace, after a restart) a metric whose samples `collect` returns when
        `/metrics` is read."""
        self._gauges[name] = _Gauge(name, help_text, kind, collect)

    async def render(self) -> str:
        """The exposition text of every metric."""
        lines: list[str] = []
        _family(
            lines, "teleconsult_http_requests_total", "counter", "Requêtes HTTP par route et classe de statut"
        )
        for (method, route, status), count in sorted(self._requests.items()):
            labels = {"method": method, "route": route, "status": status}
            lines.append(_sample("teleconsult_http_requests_total", labels, count))
        name = "teleconsult_http_request_duration_seconds"
        _family(lines, name, "histogram", "Durée des requêtes HTTP par route (secondes)")
        for (method, route), histogram in sorted(self._latency.items()):
            labels = {"method": method, "route": route}
            cumulative = 0
            for bound, count in zip((*BUCKETS, math.inf), histogram.buckets, strict=True):
                cumulative += count
                lines.append(_sample(f"{name}_bucket", {**labels, "le": _number(bound)}, cumulative))
            lines.append(_sample(f"{name}_sum", labels, histogram.total))
            lines.append(_sample(f"{name}_count", labels, cumulative))
        for gauge in list(self._gauges.values()):
            samples = await gauge.collect()
            _family(lines, gauge.name, gauge.kind, gauge.help)
            lines += [_sample(gauge.name, labels, value) for labels, value in samples]
        _family(
            lines, "teleconsult_process_start_time_seconds", "gauge", "Démarrage du processus (époque Unix)"
        )
        lines.append(_sample("teleconsult_process_start_time_seconds", {}, self.started))
        return "\n".join(lines) + "\n"


class HttpMetrics:
    """ASGI middleware feeding `Metrics.observe` (HTTP only; sockets are counted by the hub)."""

    def __init__(self, app: Asgi, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception before the response started is answered 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self.metrics.observe(scope["method"], route_template(scope), status, time.perf_counter() - start)


def _family(lines: list[str], name: str, kind: str, help_text: str) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    if not labels:
        return f"{name} {_number(value)}"
    text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in labels.items())
    return f"{name}{{{text}}} {_number(value)}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
