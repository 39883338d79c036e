"""Feeds the invitations view; it follows `invitation.*` events live (« Acceptée » without refresh)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from desktop.services.workspace import Workspace
from desktop.ui.dialogs.confirm_box import ConfirmBox
from desktop.ui.pages.invitations_page import InvitationsPage


class InvitationsPresenter(QObject):
    """Filtering is local (the list is small); actions go to `InvitationService`."""

    correct_dialog_requested = Signal(str)  # invitation id: the main window opens the dialog
    invite_dialog_requested = Signal()
    conversation_opened = Signal(str)

    def __init__(self, page: InvitationsPage, workspace: Workspace) -> None:
        super().__init__(page)
        self.page = page
        self.ws = workspace
        self.query = ""
        self.status = ""
        self.confirm: Callable[[str], Awaitable[bool]] = lambda text: ConfirmBox.ask(
            page.window(),
            self.tr("Annuler l'invitation"),
            text,
            self.tr("Annuler l'invitation"),
            keep=self.tr("Garder l'invitation"),
        )  # tests replace it
        self._unsubscribe = [workspace.invitations.changed.connect(self._on_invitations_changed)]
        page.search_requested.connect(self._on_page_search_requested)
        page.status_filter_requested.connect(self._on_page_status_filter_requested)
        page.invite_requested.connect(self.invite_dialog_requested)
        page.correct_requested.connect(self.correct_dialog_requested)
        page.resend_requested.connect(self._on_page_resend_requested)
        page.cancel_requested.connect(self._on_page_cancel_requested)
        page.copy_link_requested.connect(self._on_page_copy_link_requested)
        page.open_conversation_requested.connect(self.conversation_opened)
        page.destroyed.connect(self.dispose)
        self.render()

    def activate(self) -> None:
        """The view is shown: render what we have, then fetch the current list."""
        self.render()
        self.ws.runner.run(self.ws.invitations.refresh(), name="invitations")

    def render(self) -> None:
        self.page.show_invitations(self.ws.invitations.items(self.query, self.status))

    def _on_invitations_changed(self, _: None) -> None:
        self.render()

    def _on_page_search_requested(self, text: str) -> None:
        self.query = text
        self.render()

    def _on_page_status_filter_requested(self, status: str) -> None:
        self.status = status
        self.render()

    def _on_page_resend_requested(self, invitation_id: str) -> None:
        self.ws.runner.run(self._resend(invitation_id), name="resend-invitation")

    async def _resend(self, invitation_id: str) -> None:
        await self.ws.invitations.resend(invitation_id)
        self.ws.messages.info(self.tr("Invitation renvoyée."))

    def _on_page_cancel_requested(self, invitation_id: str) -> None:
        self.ws.runner.run(self._cancel(invitation_id), name="cancel-invitation")

    async def _cancel(self, invitation_id: str) -> None:
        question = self.tr("Annuler cette invitation ? Le lien envoyé au patient ne fonctionnera plus.")
        if not await self.confirm(question):
            return
        await self.ws.invitations.cancel(invitation_id)
        self.ws.messages.info(self.tr("Invitation annulée."))

    def _on_page_copy_link_requested(self, invitation_id: str) -> None:
        self.ws.runner.run(self._copy_link(invitation_id), name="invitation-link")

    async def _copy_link(self, invitation_id: str) -> None:
        url = await self.ws.invitations.link(invitation_id)
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(url)
        self.ws.messages.info(
            self.tr("Lien copié : collez-le dans un e-mail ou un SMS au patient. Il est valable 15 jours.")
        )

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
