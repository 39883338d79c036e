"""`make stress-check`: the browser, UI and realtime tests, several times, with the CPU saturated.

A test that waits for navigation timing or sleeps a fixed time passes on an idle machine and fails
on a loaded one. This runs those tests `--runs` times (5 by default) while `stress-ng --cpu 2`
keeps both cores busy, and prints `N runs, N failures` (failures: failed or erroring tests over
all runs), then the failures by name. The exit code is 1 when anything failed.

stress-ng comes from Debian (`apt-get install stress-ng`); as root, the script installs it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = Path(tempfile.gettempdir()) / "teleconsult-stress-check"  # each run's pytest output, kept

# Browser (Playwright + chromium), desktop UI (pytest-qt on qasync) and realtime (sockets, calls,
# several server processes, the call engine) tests.
PATHS = [
    "tests/e2e",
    "tests/desktop/ui",
    "tests/desktop/video",
    "tests/desktop/services",
    "tests/server/test_realtime.py",
    "tests/server/test_scale_out.py",
    "tests/server/calls",
]

FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)


def ensure_stress_ng() -> str:
    found = shutil.which("stress-ng")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "stress-ng"], check=True, env=env)
        found = shutil.which("stress-ng")
    if not found:
        sys.exit("stress-ng introuvable : installez le paquet Debian « stress-ng »")
    return found


def run_once(index: int, runs: int, extra: list[str]) -> tuple[int, list[str]]:
    """One pytest run of PATHS; returns its exit code and the failed test ids."""
    log = LOGS / f"run-{index}.log"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *PATHS, *extra]
    print(f"run {index}/{runs}: {' '.join(command[2:])}", flush=True)
    with log.open("w") as out:
        code = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    text = log.read_text(errors="replace")
    summary = text.strip().splitlines()[-1] if text.strip() else "(no output)"
    print(f"  {summary}", flush=True)
    failures = [m.group(2) for m in FAILED.finditer(text)]
    if code not in (0,) and not failures:  # a crash, a collection error, "no tests" (5)…
        failures = [f"<run {index}: pytest exit code {code}>"]
    return code, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=2, help="stress-ng CPU workers")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments")
    args = parser.parse_args(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    stress = subprocess.Popen(
        [ensure_stress_ng(), "--cpu", str(args.cpu), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    failures: list[str] = []
    try:
        for index in range(1, args.runs + 1):
            failures += run_once(index, args.runs, args.pytest_args)[1]
    finally:
        stress.terminate()
        stress.wait(30)
    print(f"{args.runs} runs, {len(failures)} failures (pytest output of each run: {LOGS})")
    for name, count in Counter(failures).most_common():
        print(f"  {count} × {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
