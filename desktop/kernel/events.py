"""A Qt-free observable: services emit, presenters subscribe (napari's model/view split)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Event(Generic[T]):
    """Callbacks taking one value; a failing callback is logged and never stops the others."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def disconnect() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return disconnect

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception:
                log.exception("event callback failed")

    @property
    def connected(self) -> int:
        return len(self._callbacks)
