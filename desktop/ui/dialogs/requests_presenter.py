"""Accept or decline connection requests; accepting opens the new conversation."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, Signal

from desktop.domain.errors import UserFacingError
from desktop.services.workspace import Workspace
from desktop.ui.dialogs.requests_dialog import RequestsDialog


class RequestsPresenter(QObject):
    conversation_opened = Signal(str)

    def __init__(self, dialog: RequestsDialog, workspace: Workspace) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.ws = workspace
        self._unsubscribe = [workspace.requests.changed.connect(self._on_requests_changed)]
        dialog.accept_requested.connect(self._on_dialog_accept_requested)
        dialog.decline_requested.connect(self._on_dialog_decline_requested)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.show_requests(workspace.requests.pending)
        workspace.runner.run(workspace.requests.refresh(), name="requests")

    def _on_requests_changed(self, _count: int) -> None:
        self.dialog.show_requests(self.ws.requests.pending)

    def _on_dialog_accept_requested(self, request_id: str) -> None:
        self.ws.runner.run(self._accept(request_id), name="accept-request")

    async def _accept(self, request_id: str) -> None:
        try:
            conversation_id = await self.ws.requests.accept(request_id)
        except UserFacingError:
            self.dialog.set_row_busy(request_id, False)
            raise
        if self.ws.conversations.get(conversation_id) is None:
            with contextlib.suppress(UserFacingError):  # else the conversation.created event brings it
                await self.ws.conversations.refresh_one(conversation_id)
        self.ws.messages.info(self.tr("Demande acceptée : la conversation est ouverte."))
        self.conversation_opened.emit(conversation_id)
        if not self.ws.requests.pending:
            self.dialog.accept()

    def _on_dialog_decline_requested(self, request_id: str) -> None:
        self.ws.runner.run(self._decline(request_id), name="decline-request")

    async def _decline(self, request_id: str) -> None:
        try:
            await self.ws.requests.decline(request_id)
        except UserFacingError:
            self.dialog.set_row_busy(request_id, False)
            raise
        self.ws.messages.info(self.tr("Demande refusée."))

    def _on_dialog_finished(self, _result: int) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
