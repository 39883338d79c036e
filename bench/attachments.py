"""P8 documents: a 20 MB PDF uploaded on loopback to a real server process — time and RSS growth.

Goals (shared/notes/performance-and-security-anchors.md, P8): upload ≤ 1 s, server RSS growth
≤ 10 MB per concurrent upload. Also measured: the download of the same document (decrypted,
streamed) and, as a peer in the same run, a plain `GET /health` round trip (the fixed cost of a
request) — the ratio says how far the upload is from raw loopback latency.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.helpers.documents import make_big_pdf, make_pdf
from tests.helpers.server_process import Pair, ServerProcess

MB = 1024 * 1024
RUNS = 5
SIZE = 20 * MB
CONCURRENT = 4


def _concurrent_growth(server: ServerProcess, pair: Pair, pdf: bytes) -> tuple[float, float]:
    """Peak RSS growth (MB) and wall time (s) of CONCURRENT simultaneous 20 MB uploads."""
    before = peak = server.rss()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss())
            time.sleep(0.002)

    def one(_: int) -> int:
        with httpx.Client(base_url=server.api, timeout=120) as client:
            r = client.put(
                f"/conversations/{pair.conversation_id}/attachments/{uuid.uuid4()}",
                params={"filename": "scan.pdf"},
                content=pdf,
                headers=pair.headers,
            )
            return r.status_code

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENT) as pool:
        statuses = list(pool.map(one, range(CONCURRENT)))
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    assert statuses == [201] * CONCURRENT, statuses
    return (max(peak, server.rss()) - before) / MB, wall


def _row(
    metric: str, value: float, unit: str, goal: float | None = None, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "bench": "attachments",
        "metric": metric,
        "value": round(value, 3),
        "unit": unit,
    }
    if goal is not None:
        row["goal"] = goal
        row["ok"] = value <= goal
    row.update(extra)
    return row


def main() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="tc-bench-attachments-") as tmp:
        server = ServerProcess(Path(tmp))
        pair = server.prepare_pair()
        pdf = make_big_pdf(SIZE)
        with server, httpx.Client(base_url=server.api, timeout=60) as client:
            for data in (make_pdf(), make_big_pdf(2 * MB)):  # warm-up
                assert server.measure_upload(client, pair, data, str(uuid.uuid4())).status == 201
            uploads = []
            ids = []
            for _ in range(RUNS):
                ids.append(str(uuid.uuid4()))
                uploads.append(server.measure_upload(client, pair, pdf, ids[-1]))
            assert all(m.status == 201 for m in uploads), [m.status for m in uploads]
            downloads = []
            for attachment_id in ids:
                started = time.perf_counter()
                r = client.get(f"/attachments/{attachment_id}", headers=pair.headers)
                downloads.append(time.perf_counter() - started)
                assert r.status_code == 200 and len(r.content) == SIZE
            concurrent_growth, concurrent_wall = _concurrent_growth(server, pair, pdf)
            health = []
            for _ in range(50):
                started = time.perf_counter()
                client.get("/health")
                health.append(time.perf_counter() - started)
    upload_p50 = statistics.median(m.seconds for m in uploads)
    growth_p50 = statistics.median(m.growth for m in uploads) / MB
    growth_max = max(m.growth for m in uploads) / MB
    health_p50 = statistics.median(health)
    return [
        _row(
            "upload_20mb_pdf_p50",
            upload_p50,
            "s",
            1.0,
            runs=RUNS,
            throughput_mb_s=round(SIZE / MB / upload_p50, 1),
            peer="GET /health p50",
            peer_value=round(health_p50, 4),
            ratio=round(upload_p50 / health_p50, 1),
        ),
        _row("upload_20mb_rss_growth_p50", growth_p50, "MB", 10.0, runs=RUNS),
        _row("upload_20mb_rss_growth_max", growth_max, "MB", 10.0, runs=RUNS),
        _row(
            "upload_20mb_rss_growth_per_concurrent_upload",
            concurrent_growth / CONCURRENT,
            "MB",
            10.0,
            concurrent=CONCURRENT,
            wall_s=round(concurrent_wall, 3),
        ),
        _row("download_20mb_pdf_p50", statistics.median(downloads), "s", runs=RUNS),
    ]


if __name__ == "__main__":
    import json

    for line in main():
        print(json.dumps(line, ensure_ascii=False))
