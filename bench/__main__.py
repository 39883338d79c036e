"""Run every benchmark module (or those named on the command line) and print JSON lines.

A benchmark module defines ``def main() -> list[dict[str, object]]``. Each dict is one figure:
``{"bench": "...", "metric": "...", "value": ..., "unit": "...", "goal": ...}`` plus, where a peer
was measured in the same run, ``"peer": ..., "ratio": ...``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def _modules(selected: list[str]) -> list[str]:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")
    )
    return [n for n in names if not selected or n in selected]


def main(argv: list[str]) -> int:
    failures = 0
    out_dir = Path("bench/results")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with (out_dir / f"{stamp}.jsonl").open("w", encoding="utf-8") as sink:
        for name in _modules(argv):
            started = time.perf_counter()
            try:
                module = importlib.import_module(f"bench.{name}")
                rows = module.main()
            except Exception:
                failures += 1
                traceback.print_exc()
                rows = [{"bench": name, "error": "failed"}]
            for row in rows:
                line = json.dumps(row, ensure_ascii=False)
                print(line, flush=True)
                sink.write(line + "\n")
            print(
                json.dumps(
                    {
                        "bench": name,
                        "metric": "wall_time",
                        "value": round(time.perf_counter() - started, 2),
                        "unit": "s",
                    }
                ),
                flush=True,
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
