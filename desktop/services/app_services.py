"""What lives for the whole run, signed in or not: config, messages, tasks, session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts.clock import Clock
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.call_media import DevicePreferences, MediaFactory, media_factory
from desktop.services.config import AppConfig
from desktop.services.ports import Notifier
from desktop.services.session import SessionService, SignedIn
from desktop.services.workspace import Workspace, WorkspaceParts


@dataclass
class AppServices:
    """Built by `desktop.app`; the UI opens a `Workspace` from it once signed in."""

    config: AppConfig
    messages: Messages
    runner: TaskRunner
    session: SessionService
    make_parts: Callable[[SignedIn], WorkspaceParts]
    clock: Clock

    def open_workspace(
        self, signed_in: SignedIn, notifier: Notifier, *, media: MediaFactory | None = None
    ) -> Workspace:
        """The account's services; `media` replaces the calls' devices (tests, benchmarks)."""
        parts = self.make_parts(signed_in)
        session = self.session
        if media is None:
            media = media_factory(self.config.fake_media, lambda: DevicePreferences.of(session.settings))
        return Workspace.build(
            self.config, signed_in, session, parts, notifier, self.messages, self.clock, media
        )

    async def close(self) -> None:
        """Stop the local server and every task."""
        await self.session.shutdown()
        await self.runner.close()
