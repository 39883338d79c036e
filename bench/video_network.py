"""Calls across the namespace topology of tests/helpers/netns_topology.py: TURN and bad networks.

Two figures, each measured in one run (`python -m bench video_network`, as root: named network
namespaces, veth, nftables; coturn and chromium installed):

1. **Setup through TURN against direct**: the patient (chromium, behind the NAT) joins first, the
   practitioner (desktop engine) starts; t0 = the engine learning the patient is ready, end =
   video decoded on both sides. Calls alternate between the relay-only path (the NAT drops the
   patient's packets to the practitioner: coturn carries the call, checked on the selected pair)
   and the direct path (same topology, the drop rule removed). Goal: TURN ≤ 1.3 × direct.
2. **Bad network** (the test's scenario, longer windows): 500 kbit/s, 3 % loss, 150 ms RTT on the
   patient's link, then a 5 s outage, then a new patient address: received fps, height, freezes
   and audio on both sides, how far the sound is from the lips on the desktop, the time for video
   to come back, and the figures over time.

The measuring runs in the practitioner's namespace (`ip netns exec`); this process builds and
tears down the topology and reads the JSON lines it prints.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CALLS = int(os.environ.get("BENCH_NETWORK_CALLS", "6"))  # per path


def _emit(row: dict[str, object]) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


async def _inner() -> None:
    from tests.helpers.netns_topology import Topology
    from tests.helpers.network_call import bad_network_run, patient_chromium, serve, setup_time

    topology = Topology.from_env(os.environ["TELECONSULT_TOPOLOGY"])
    folder = Path(tempfile.mkdtemp(prefix="bench-net-"))
    with serve(topology, folder) as server:
        async with patient_chromium(topology) as browser:
            await setup_time(server, topology, browser)  # warm-up: imports, first browser context
            runs: dict[str, list[float]] = {"turn": [], "direct": []}
            pairs: dict[str, set[str]] = {"turn": set(), "direct": set()}
            for _ in range(CALLS):
                for path in ("turn", "direct"):
                    topology.allow_direct(path == "direct")
                    result = await setup_time(server, topology, browser)
                    runs[path].append(result["ms"])
                    pairs[path].add("/".join(str(t) for t in result["pair"]))
            topology.allow_direct(False)
            turn, direct = statistics.median(runs["turn"]), statistics.median(runs["direct"])
            _emit(
                {
                    "bench": "video_network",
                    "metric": "setup_turn_p50",
                    "value": round(turn),
                    "unit": "ms",
                    "peer": round(direct),
                    "ratio": round(turn / direct, 2),
                    "goal": "≤ 1.3× direct",
                    "pairs": {k: sorted(v) for k, v in pairs.items()},
                    "runs_ms": {k: [round(v) for v in values] for k, values in runs.items()},
                }
            )
            result = await bad_network_run(topology, server, browser, warmup=8.0, window=30.0)
    for side in ("desktop", "page"):
        figures = result["impaired"][side]
        _emit(
            {
                "bench": "video_network",
                "metric": f"impaired_{side}_receives",
                "value": round(figures["fps"], 1),
                "unit": "fps",
                "height_min": figures["height_min"],
                "height_median": figures.get("height_median"),
                "freeze_percent": round(figures["freeze_fraction"] * 100, 1),
                "audio": {k: round(v, 3) for k, v in figures.items() if k.startswith(("audio", "concealed"))},
                "goal": "≥ 15 fps, ≥ 320 px, freezes ≤ 2 %",
            }
        )
    lip_sync = result["lip_sync"]
    _emit(
        {
            "bench": "video_network",
            "metric": "impaired_desktop_sound_lag",
            "value": lip_sync["sound_lag_ms"],
            "unit": "ms",
            **{k: v for k, v in lip_sync.items() if k != "sound_lag_ms"},
            "goal": "−45 … +125 ms (ITU-R BT.1359), against the clean link",
        }
    )
    for name in ("video_back_after_outage_s", "video_back_after_move_s"):
        desktop_s, page_s = result[name]
        _emit(
            {
                "bench": "video_network",
                "metric": name,
                "value": round(max(desktop_s, page_s), 2),
                "unit": "s",
                "desktop": round(desktop_s, 2),
                "page": round(page_s, 2),
                "goal": "≤ 3 s" if "outage" in name else None,
            }
        )
    _emit(
        {
            "bench": "video_network",
            "metric": "link_quality_shown",
            "value": {"practitioner": result["desktop_quality"], "patient": result["page_quality"]},
        }
    )
    print("\n".join(result["timeline"]), file=sys.stderr, flush=True)


def main() -> list[dict[str, object]]:
    from tests.helpers.netns_topology import Topology, available

    reason = available()
    if reason is not None:
        return [{"bench": "video_network", "error": reason}]
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory() as folder,
        Topology(Path(folder), random.randint(20_000, 40_000)) as topology,
    ):
        env = {**os.environ, "TELECONSULT_TOPOLOGY": topology.to_env(), "PYTHONUNBUFFERED": "1"}
        command = [*topology.prefix("pro"), sys.executable, "-m", "bench.video_network", "--inner"]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        timeline = [line for line in done.stderr.splitlines() if line.startswith("  ")]
        print("\n".join(timeline), file=sys.stderr)
        if done.returncode != 0:
            rows.append({"bench": "video_network", "error": done.stderr[-3000:]})
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["--inner"]:
        asyncio.run(_inner())
    else:
        for row in main():
            print(json.dumps(row, ensure_ascii=False))
