"""The engine's own tasks: strong references, failures logged, all cancelled and awaited on close.

asyncio keeps only weak references to tasks, so an unreferenced task can vanish mid-call; and a
call must leave nothing running behind it. Every task the engine starts goes through one `TaskSet`
(the desktop's `TaskRunner` idea, scoped to a call).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskSet:
    """Tasks started for one owner; `close()` cancels and awaits whatever is left."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Start `coro` now; its exception, if any, is logged (by type only: no health data)."""
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self._owner}: task set closed")
        task = asyncio.get_running_loop().create_task(coro, name=f"{self._owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s failed: %s", task.get_name(), type(exc).__name__, exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel(self, *, keep: asyncio.Task[Any] | None = None) -> None:
        """Cancel and await every task but `keep` (the caller's own task, when it is one)."""
        pending = [t for t in self._tasks if t is not keep and not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        """Cancel everything and refuse new tasks; safe to call from one of the tasks."""
        self._closed = True
        await self.cancel(keep=asyncio.current_task())
