"""The one place that creates asyncio tasks: strong references kept, failures reported.

A task created with `asyncio.create_task` and not referenced can be garbage-collected mid-flight;
one whose exception nobody retrieves fails silently. `TaskRunner.run` avoids both: it holds every
task until done and sends a failure to the `Messages` bridge (the French message of a
`UserFacingError`, a generic sentence otherwise, with the traceback in the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from desktop.domain.errors import UserFacingError
from desktop.services.messages import Messages

log = logging.getLogger(__name__)

T = TypeVar("T")

UNEXPECTED = "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, redémarrez Teleconsult."


class TaskRunner:
    """Creates and tracks background tasks."""

    def __init__(self, messages: Messages) -> None:
        self._messages = messages
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def run(
        self, coro: Coroutine[Any, Any, T], *, name: str = "task", report: bool = True
    ) -> asyncio.Task[T]:
        """Schedule `coro` on the running loop.

        Args:
            coro: the coroutine to run.
            name: a name for logs (never patient data).
            report: send a failure to the user (False for work whose caller handles errors).
        """
        if self._closed:
            coro.close()
            raise RuntimeError("TaskRunner is closed")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, report))
        return task

    def _done(self, task: asyncio.Task[Any], report: bool) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, UserFacingError):
            log.info("task %s failed: %s", task.get_name(), type(exc).__name__)
            if report:
                self._messages.error(exc.message)
        else:
            log.error("task %s crashed", task.get_name(), exc_info=exc)
            if report:
                self._messages.error(UNEXPECTED)

    async def close(self, grace: float = 5.0) -> None:
        """Cancel every pending task and wait for them, at most `grace` seconds (idempotent)."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _done, stuck = await asyncio.wait(tasks, timeout=grace)
        for task in stuck:  # shutdown must not hang on a task that ignores cancellation
            log.warning("task %s did not stop within %.0f s", task.get_name(), grace)
