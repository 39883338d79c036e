"""Desktop notifications for a new message, a new request, an accepted invitation.

Lock screens show notifications to whoever passes by: by default the text names no patient and
never quotes a message; the practitioner may opt in to names (never to message contents).
A burst (the catch-up after a reconnect) becomes one notification.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from contracts.wire.conversations import MessagePublic
from contracts.wire.invitations import ConnectionRequestPublic, InvitationPublic
from desktop.kernel.tasks import TaskRunner
from desktop.services.connection_requests import ConnectionRequestService
from desktop.services.conversations import ConversationService
from desktop.services.invitations import InvitationService
from desktop.services.ports import Notifier

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.8


class NotificationService:
    """Turns service events into notifier calls, fail-soft."""

    def __init__(
        self,
        notifier: Notifier,
        runner: TaskRunner,
        conversations: ConversationService,
        requests: ConnectionRequestService,
        invitations: InvitationService,
        show_names: Callable[[], bool],
    ) -> None:
        self._notifier = notifier
        self._runner = runner
        self._conversations = conversations
        self._show_names = show_names
        self._pending: list[MessagePublic] = []
        self._flush: asyncio.Task[None] | None = None
        self.is_seen: Callable[[str], bool] = lambda _conversation_id: False  # set by the UI
        self.sent: list[tuple[str, str]] = []  # what was notified (titles and texts), for tests
        conversations.message_received.connect(self._on_conversations_message_received)
        requests.request_received.connect(self._on_requests_request_received)
        invitations.invitation_accepted.connect(self._on_invitations_invitation_accepted)

    def _notify(self, title: str, body: str) -> None:
        self.sent = [*self.sent[-19:], (title, body)]
        try:
            self._notifier.notify(title, body)
        except Exception:  # a notification must never break the app
            log.info("notification failed", exc_info=True)

    def _on_conversations_message_received(self, message: MessagePublic) -> None:
        if self.is_seen(message.conversation_id):
            return
        self._pending.append(message)
        if self._flush is None or self._flush.done():
            self._flush = self._runner.run(self._flush_later(), name="notify-messages", report=False)

    async def _flush_later(self) -> None:
        await asyncio.sleep(COALESCE_SECONDS)
        messages, self._pending = self._pending, []
        if not messages:
            return
        conversation_ids = {m.conversation_id for m in messages}
        if len(messages) == 1:
            title = "Nouveau message"
            body = "Un patient vous a écrit."
        else:
            title = f"{len(messages)} nouveaux messages"
            body = f"Dans {len(conversation_ids)} conversation(s)."
        if self._show_names() and len(conversation_ids) == 1:
            summary = self._conversations.get(next(iter(conversation_ids)))
            if summary is not None:
                body = f"{summary.patient.full_name} vous a écrit."
        self._notify(title, body)

    def _on_requests_request_received(self, request: ConnectionRequestPublic) -> None:
        who = request.patient.full_name if self._show_names() else "Un patient"
        self._notify(
            "Nouvelle demande de mise en relation", f"{who} souhaite être mis en relation avec vous."
        )

    def _on_invitations_invitation_accepted(self, invitation: InvitationPublic) -> None:
        who = invitation.full_name if self._show_names() else "Un patient"
        self._notify("Invitation acceptée", f"{who} a accepté votre invitation.")
