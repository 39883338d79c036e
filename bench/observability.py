"""What the metrics and request-id middlewares cost per HTTP request, and what a scrape costs.

Our stack (`RequestContext` around `HttpMetrics`) and each middleware alone wrap a minimal ASGI
app answering 200 on a routed scope; the peer is that bare app, measured in the same run. The
figure is the extra time per request (µs); the goal keeps it far below a request's own cost
(tens of µs at most).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.kernel.logs import RequestContext
from server.kernel.metrics import Asgi, HttpMetrics, Message, Metrics, Scope

REQUESTS = 100_000
ROUNDS = 5


class _Route:
    path_format = "/api/v1/conversations/{conversation_id}/messages"


async def _bare(scope: Scope, _receive: Any, send: Any) -> None:
    scope["route"] = _Route()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(_message: Message) -> None:
    return None


async def _per_request(app: Asgi) -> float:
    """Best of `ROUNDS` runs, in microseconds per request (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"x-request-id", b"lb-42")]}
            await app(scope, _receive, _send)
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1e6)
    return best


async def _measure() -> dict[str, float]:
    metrics = Metrics()
    bare = await _per_request(_bare)
    both = await _per_request(RequestContext(HttpMetrics(_bare, metrics)))
    only_metrics = await _per_request(HttpMetrics(_bare, metrics))
    only_ids = await _per_request(RequestContext(_bare))
    started = time.perf_counter()
    await metrics.render()
    render_ms = (time.perf_counter() - started) * 1e3
    return {"bare": bare, "both": both, "metrics": only_metrics, "ids": only_ids, "render_ms": render_ms}


def main() -> list[dict[str, object]]:
    """Rows for bench/__main__.py."""
    m = asyncio.run(_measure())
    return [
        {
            "bench": "observability",
            "metric": "middleware_cost_per_request",
            "value": round(m["both"] - m["bare"], 2),
            "unit": "µs",
            "goal": 50,
            "peer": "bare-asgi",
            "peer_value": round(m["bare"], 2),
            "ratio": round(m["both"] / m["bare"], 2),
        },
        {
            "bench": "observability",
            "metric": "metrics_cost",
            "value": round(m["metrics"] - m["bare"], 2),
            "unit": "µs",
        },
        {
            "bench": "observability",
            "metric": "request_id_cost",
            "value": round(m["ids"] - m["bare"], 2),
            "unit": "µs",
        },
        {
            "bench": "observability",
            "metric": "scrape_render",
            "value": round(m["render_ms"], 3),
            "unit": "ms",
        },
    ]
