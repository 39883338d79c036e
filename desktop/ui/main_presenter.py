"""Gives the main window life: wires the workspace's services to its pages, dialogs and header."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from contracts.wire.accounts import UserPublic
from desktop.domain.connection_status import ConnectionStatus
from desktop.kernel.messages import UserMessage
from desktop.services.workspace import Workspace
from desktop.ui.dialogs.invitation_dialog import InvitationDialog
from desktop.ui.dialogs.invitation_presenter import InvitationPresenter
from desktop.ui.dialogs.requests_dialog import RequestsDialog
from desktop.ui.dialogs.requests_presenter import RequestsPresenter
from desktop.ui.main_window import CONVERSATION, EMPTY, INVITATIONS, MainWindow
from desktop.ui.pages.conversation_list_presenter import ConversationListPresenter
from desktop.ui.pages.conversation_presenter import ConversationPresenter
from desktop.ui.pages.invitations_presenter import InvitationsPresenter


class MainPresenter(QObject):
    """Owns the page presenters and the open dialogs of one workspace."""

    def __init__(self, window: MainWindow, workspace: Workspace) -> None:
        super().__init__(window)
        self.window = window
        self.ws = workspace
        self.list = ConversationListPresenter(window.conversation_list, workspace.conversations)
        self.conversation = ConversationPresenter(
            window.conversation, workspace, is_active=lambda: window.isVisible() and not window.isMinimized()
        )
        self.invitations = InvitationsPresenter(window.invitations, workspace)
        self.invitation_dialog: InvitationDialog | None = None
        self.requests_dialog: RequestsDialog | None = None
        self._previous_page = EMPTY

        self._unsubscribe: list[Callable[[], None]] = [
            workspace.messages.posted.connect(self._on_messages_posted),
            workspace.sync.status_changed.connect(self._on_sync_status_changed),
            workspace.sync.account_changed.connect(self._on_sync_account_changed),
            workspace.requests.changed.connect(self._on_requests_changed),
        ]
        workspace.notifications.is_seen = self._is_seen
        self.list.conversation_opened.connect(self.open_conversation)
        self.invitations.conversation_opened.connect(self.open_conversation)
        self.invitations.correct_dialog_requested.connect(self._on_invitations_correct_dialog_requested)
        self.invitations.invite_dialog_requested.connect(self.open_invitation_dialog)
        window.invite_requested.connect(self.open_invitation_dialog)
        window.invitations_requested.connect(self.show_invitations)
        window.invitations.close_requested.connect(self._on_invitations_close_requested)
        window.requests_banner.view_requested.connect(self.open_requests_dialog)
        window.status.reconnect_requested.connect(workspace.sync.reconnect_now)
        window.show_names_action.setChecked(workspace.session.settings.show_patient_names_in_notifications)
        window.show_names_toggled.connect(self._on_window_show_names_toggled)
        window.destroyed.connect(self.dispose)

        self._on_sync_account_changed(workspace.account)
        window.status.set_status(workspace.sync.status)
        window.requests_banner.set_count(workspace.requests.count)
        for message in workspace.messages.history[-1:]:
            window.message_bar.show_message(message)

    # ---------------------------------------------------------------- navigation
    def open_conversation(self, conversation_id: str) -> None:
        if self.ws.conversations.get(conversation_id) is None:
            return
        self.list.selected = conversation_id
        self.conversation.show(conversation_id)
        self.window.show_page(CONVERSATION)
        self.window.conversation_list.select(conversation_id)
        self.window.conversation.editor.setFocus()

    def show_invitations(self) -> None:
        if self.window.current_page != INVITATIONS:
            self._previous_page = self.window.current_page
        self.window.show_page(INVITATIONS)
        self.invitations.activate()
        self.window.invitations.search.setFocus()

    def _on_invitations_close_requested(self) -> None:
        self.window.show_page(self._previous_page if self._previous_page != INVITATIONS else EMPTY)

    def open_invitation_dialog(self, invitation_id: str | None = None) -> InvitationDialog:
        """« Inviter un patient autonome » (or « Corriger » an open invitation)."""
        if self.invitation_dialog is not None:
            self.invitation_dialog.close()
        invitation = self.ws.invitations.get(invitation_id) if invitation_id else None
        dialog = InvitationDialog(self.window, invitation)
        presenter = InvitationPresenter(dialog, self.ws)
        presenter.conversation_opened.connect(self.open_conversation)
        presenter.invitation_sent.connect(self._on_invitation_sent)
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        self.invitation_dialog = dialog
        dialog.open()  # window-modal without a nested event loop (qasync keeps running)
        return dialog

    def _on_invitations_correct_dialog_requested(self, invitation_id: str) -> None:
        self.open_invitation_dialog(invitation_id)

    def _on_invitation_sent(self, invitation_id: str) -> None:
        if self.window.current_page == INVITATIONS:
            self.invitations.render()
            self.window.invitations.select(invitation_id)

    def _forget_dialog(self, dialog: InvitationDialog) -> None:
        if self.invitation_dialog is dialog:
            self.invitation_dialog = None
        dialog.deleteLater()

    def open_requests_dialog(self) -> RequestsDialog:
        if self.requests_dialog is not None:
            self.requests_dialog.raise_()
            return self.requests_dialog
        dialog = RequestsDialog(self.window)
        presenter = RequestsPresenter(dialog, self.ws)
        presenter.conversation_opened.connect(self.open_conversation)
        dialog.finished.connect(lambda _r: self._forget_requests_dialog(dialog))
        self.requests_dialog = dialog
        dialog.open()
        return dialog

    def _forget_requests_dialog(self, dialog: RequestsDialog) -> None:
        if self.requests_dialog is dialog:
            self.requests_dialog = None
        dialog.deleteLater()

    # ---------------------------------------------------------------- service events
    def _on_messages_posted(self, message: UserMessage) -> None:
        self.window.message_bar.show_message(message)

    def _on_sync_status_changed(self, status: ConnectionStatus) -> None:
        self.window.status.set_status(status)

    def _on_sync_account_changed(self, account: UserPublic) -> None:
        self.window.set_account(account.display_name, account.plan)

    def _on_requests_changed(self, count: int) -> None:
        self.window.requests_banner.set_count(count)

    def _on_window_show_names_toggled(self, checked: bool) -> None:
        self.ws.session.update_settings(show_patient_names_in_notifications=checked)

    def _is_seen(self, conversation_id: str) -> bool:
        return self.window.isActiveWindow() and self.window.current_conversation_id() == conversation_id

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.list.dispose()
        self.conversation.dispose()
        self.invitations.dispose()
