"""Child processes of the test helpers (browsers, drivers, coturn, the link emulator)."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; nothing when it has already ended (idempotent)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
