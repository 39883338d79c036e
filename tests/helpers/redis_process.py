"""A `redis-server` of the test's own, on a free port: killed, hung (SIGSTOP) and restarted at will.

Never the shared Redis of the machine: tests that break Redis break only this one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import redis

from tests.helpers.server_process import free_port


class RedisProcess:
    def __init__(self, folder: Path, *, password: str | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> RedisProcess:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        if self.password:
            command += ["--requirepass", self.password]
        log = self.folder / f"redis-{self.port}.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:  # the port was taken meanwhile, say
                tail = log.read_text(errors="replace")[-500:]
                self.proc = None
                raise RuntimeError(f"redis-server exited: {tail}")
            try:  # answering PING, not merely listening
                if redis.Redis(port=self.port, password=self.password, socket_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: connections drop at once."""
        if self.proc is not None:
            self.resume()
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def hang(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a hung Redis)."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def __enter__(self) -> RedisProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill()
