"""The one place that creates asyncio tasks: strong references kept, failures reported, all ended together.

A task created with `asyncio.create_task` and not referenced can be garbage-collected mid-flight;
one whose exception nobody retrieves fails silently; one left running outlives what it worked for.
`TaskRunner.run` avoids all three: it holds every task until done, logs a failure (the traceback
of an unexpected one at ERROR, a `UserFacingError` by type only) and, when it has a `Messages`
bridge, shows the user the French message of a `UserFacingError` or a generic sentence.

One runner per owner and lifetime: the app's (start-up dialogs), each workspace's (its services
and screens, closed before its HTTP clients) and each call engine's (no bridge: the engine reports
to its call screen itself). `close()` cancels whatever is left and waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from desktop.domain.errors import UserFacingError
from desktop.kernel.messages import Messages

log = logging.getLogger(__name__)

T = TypeVar("T")

UNEXPECTED = "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, redémarrez Teleconsult."


class TaskRunner:
    """Creates and tracks the background tasks of one owner."""

    def __init__(self, messages: Messages | None = None, *, owner: str = "") -> None:
        self._messages = messages
        self._owner = owner
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

        Raises:
            RuntimeError: the runner is closed (the coroutine is closed, never run).
        """
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self._owner or 'TaskRunner'}: closed")
        full_name = f"{self._owner}:{name}" if self._owner else name
        task = asyncio.get_running_loop().create_task(coro, name=full_name)
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
            if report and self._messages is not None:
                self._messages.error(exc.message)
        else:
            log.error("task %s crashed: %s", task.get_name(), type(exc).__name__, exc_info=exc)
            if report and self._messages is not None:
                self._messages.error(UNEXPECTED)

    async def cancel(self) -> None:
        """Cancel and await every task but the caller's own (when it is one of them)."""
        current = asyncio.current_task()
        pending = [t for t in self._tasks if t is not current and not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self, grace: float = 5.0) -> None:
        """Refuse new tasks, cancel every pending one and wait at most `grace` seconds (idempotent).

        Safe to call from one of the runner's own tasks: that one is left to finish by itself.
        """
        self._closed = True
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _done, stuck = await asyncio.wait(tasks, timeout=grace)
        for task in stuck:  # shutdown must not hang on a task that ignores cancellation
            log.warning("task %s did not stop within %.0f s", task.get_name(), grace)
