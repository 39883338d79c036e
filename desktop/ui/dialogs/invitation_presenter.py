"""Inline checks and sending for the invitation dialog, with the PRO+ explanation when needed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.api.errors import ApiError
from desktop.domain.errors import UserFacingError
from desktop.services.invitations import PRO_PLUS_EXPLANATION, InvitationDraft
from desktop.services.workspace import Workspace
from desktop.ui.dialogs.invitation_dialog import InvitationDialog


class InvitationPresenter(QObject):
    """Stale answers (the user typed on meanwhile) are dropped by sequence number."""

    conversation_opened = Signal(str)  # « already a conversation with this patient »
    invitation_sent = Signal(str)  # invitation id

    def __init__(self, dialog: InvitationDialog, workspace: Workspace) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.ws = workspace
        self._validation = 0
        dialog.validate_requested.connect(self._on_dialog_validate_requested)
        dialog.submit_requested.connect(self._on_dialog_submit_requested)
        if not workspace.account.can_invite:
            dialog.show_plan_notice(PRO_PLUS_EXPLANATION)

    def _on_dialog_validate_requested(self, draft: InvitationDraft) -> None:
        self._validation += 1
        self.ws.runner.run(self._validate(draft, self._validation), name="validate-invitation", report=False)

    async def _validate(self, draft: InvitationDraft, number: int) -> None:
        try:
            check = await self.ws.invitations.validate(draft)
        except ApiError as exc:
            if number != self._validation:
                return
            self.dialog.set_channel(None)
            if exc.code == "plan_required":
                self.dialog.show_plan_notice(f"{exc.message} {PRO_PLUS_EXPLANATION}")
            elif exc.status == 422:
                self.dialog.set_field_error(exc.field, exc.message)
            return
        if number == self._validation:
            self.dialog.clear_errors()
            self.dialog.set_channel(check.channel)

    def _on_dialog_submit_requested(self, draft: InvitationDraft) -> None:
        self._validation += 1  # any validation still in flight is now stale
        self.dialog.set_busy(True)
        self.ws.runner.run(self._submit(draft), name="send-invitation", report=False)

    async def _submit(self, draft: InvitationDraft) -> None:
        try:
            if self.dialog.invitation is not None:
                invitation = await self.ws.invitations.correct(self.dialog.invitation.id, draft)
                self.ws.messages.info(self.tr("Invitation corrigée et renvoyée."))
                self.invitation_sent.emit(invitation.id)
            else:
                result = await self.ws.invitations.invite(draft)
                if result.outcome == "existing_conversation" and result.conversation_id:
                    self.ws.messages.info(
                        self.tr("Vous avez déjà une conversation avec ce patient : elle est ouverte.")
                    )
                    self.conversation_opened.emit(result.conversation_id)
                else:
                    channel = result.invitation.channel if result.invitation else "email"
                    self.ws.messages.info(
                        self.tr("Invitation envoyée par e-mail.")
                        if channel == "email"
                        else self.tr("Invitation envoyée par SMS.")
                    )
                    if result.invitation is not None:
                        self.invitation_sent.emit(result.invitation.id)
            self.dialog.accept()
        except ApiError as exc:
            self.dialog.set_busy(False)
            if exc.code == "plan_required":
                self.dialog.show_plan_notice(f"{exc.message} {PRO_PLUS_EXPLANATION}")
            else:
                self.dialog.set_field_error(exc.field, exc.message, force=True)
        except UserFacingError as exc:
            self.dialog.set_busy(False)
            self.dialog.set_field_error(None, exc.message, force=True)
