"""Invite a patient from « + », follow the invitation, see it turn « Acceptée » live; the PRO+ gate."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services.invitations import PRO_PLUS_EXPLANATION
from desktop.ui.dialogs.confirm_box import ConfirmBox
from desktop.ui.main_window import INVITATIONS
from desktop.ui.pages.invitations_page import ID_ROLE, InvitationsPage
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import make_patient, make_practitioner, unique_email
from tests.helpers.invitation_env import unique_mobile
from tests.helpers.live_server import LiveServer


def visible_confirm_box() -> ConfirmBox | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, ConfirmBox) and w.isVisible()), None
    )


def shown_status(page: InvitationsPage, invitation_id: str) -> str:
    """The « Statut » cell of an invitation's row, as the practitioner reads it ('' when not listed)."""
    table = page.table
    headers = [table.horizontalHeaderItem(c) for c in range(table.columnCount())]
    column = next(c for c, h in enumerate(headers) if h is not None and h.text() == "Statut")
    for row in range(table.rowCount()):
        item = table.item(row, column)
        if item is not None and item.data(ID_ROLE) == invitation_id:
            return item.text()
    return ""


@pytest.mark.asyncio
async def test_invite_then_accepted_live(sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot) -> None:
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    email = unique_email("helene")
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        window, ws = desktop.window, desktop.workspace
        qtbot.keyClick(
            window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
        )  # « Inviter un patient autonome »
        await wait_for(lambda: desktop.presenter.invitation_dialog is not None)
        dialog = desktop.presenter.invitation_dialog
        assert dialog is not None and dialog.windowTitle() == "Inviter un patient autonome"
        assert not dialog.plan_notice.isVisible()

        qtbot.keyClicks(dialog.inputs["first_name"], "Helene")
        qtbot.keyClicks(dialog.inputs["last_name"], "Dupont")
        qtbot.keyClicks(dialog.inputs["phone"], "0612345678")
        await wait_for(lambda: "SMS" in dialog.channel.text())  # phone alone: SMS
        assert dialog.channel.text() == "Envoi par SMS"
        qtbot.keyClicks(dialog.inputs["email"], "pas-une-adresse")
        dialog.inputs["email"].editingFinished.emit()
        await wait_for(lambda: dialog.errors["email"].isVisible())  # the server's rule, inline
        assert (
            dialog.errors["email"].text()
            == "Adresse e-mail invalide : il manque le @ (exemple : nom@domaine.fr)."
        )
        dialog.inputs["email"].setText(email)
        dialog.inputs["email"].textEdited.emit(email)
        await wait_for(lambda: dialog.channel.text() == "Envoi par e-mail")  # an email wins
        assert not dialog.errors["email"].isVisible()

        dialog.submit.click()
        await wait_for(lambda: desktop.presenter.invitation_dialog is None)
        assert window.message_bar.text == "Invitation envoyée par e-mail."

        window.invitations_button.click()
        assert window.current_page == INVITATIONS
        page = window.invitations
        await wait_for(lambda: len(page.invitations) == 1)
        invitation = page.invitations[0]
        assert shown_status(page, invitation.id) == "En attente"
        assert page.table.item(0, 0).text() == "Helene Dupont"

        page.select(invitation.id)
        page.copy_link.click()
        await wait_for(lambda: "/i/" in (QGuiApplication.clipboard().text() or ""))
        token = QGuiApplication.clipboard().text().rsplit("/", 1)[1]

        patient = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont", email=email)
        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            accepted = http.post("/invitation-links/accept", json={"token": token})
        assert accepted.status_code == 200, accepted.text
        conversation_id = accepted.json()["conversation_id"]

        await wait_for(lambda: shown_status(page, invitation.id) == "Acceptée")  # live, no refresh
        await wait_for(lambda: conversation_id in window.conversation_list.model.ids)
        await wait_for(
            lambda: (
                ("Invitation acceptée", "Un patient a accepté votre invitation.") in desktop.notifier.shown
            )
        )
        page.select(invitation.id)
        assert not page.resend.isEnabled() and page.open_conversation.isEnabled()
        page.open_conversation.click()
        assert window.conversation.conversation_id == conversation_id
        assert ws.conversations.search("helene") == [conversation_id]


@pytest.mark.asyncio
async def test_correct_resend_cancel(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        ws, window = desktop.workspace, desktop.window
        from desktop.services.invitations import InvitationDraft

        result = await ws.invitations.invite(InvitationDraft("Marc", "Petit", email=unique_email("marc")))
        assert result.invitation is not None
        invitation_id = result.invitation.id
        desktop.presenter.show_invitations()
        page = window.invitations
        await wait_for(lambda: shown_status(page, invitation_id) == "En attente")

        page.select(invitation_id)
        page.correct.click()
        await wait_for(lambda: desktop.presenter.invitation_dialog is not None)
        dialog = desktop.presenter.invitation_dialog
        assert dialog is not None and dialog.inputs["first_name"].text() == "Marc"
        dialog.inputs["last_name"].setText("Petitjean")
        dialog.submit.click()
        await wait_for(lambda: desktop.presenter.invitation_dialog is None)
        await wait_for(lambda: any(i.last_name == "Petitjean" for i in page.invitations))

        page.search.setText("petitj")
        assert [i.id for i in page.invitations] == [invitation_id]
        page.search.setText("zoe")
        assert page.invitations == []
        page.search.setText("")

        page.select(invitation_id)
        page.resend.click()
        await wait_for(lambda: window.message_bar.text == "Invitation renvoyée.")

        # « Annuler » asks first, in a box awaited without a nested event loop; keeping is the default.
        page.select(invitation_id)
        page.cancel.click()
        await wait_for(lambda: visible_confirm_box() is not None)
        box = visible_confirm_box()
        assert box is not None and box.isModal() and box.defaultButton() is box.cancel
        assert (box.confirm.text(), box.cancel.text()) == ("Annuler l'invitation", "Garder l'invitation")
        box.cancel.click()
        await wait_for(lambda: visible_confirm_box() is None)
        assert shown_status(page, invitation_id) == "En attente"
        page.select(invitation_id)
        page.cancel.click()
        await wait_for(lambda: visible_confirm_box() is not None)
        visible_confirm_box().confirm.click()  # type: ignore[union-attr]
        await wait_for(lambda: shown_status(page, invitation_id) == "Annulée")


@pytest.mark.asyncio
async def test_a_contact_emptied_in_the_correction_is_removed(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Clearing the email of an invitation that has a phone too switches it to SMS (not kept)."""
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        ws, window = desktop.workspace, desktop.window
        from desktop.services.invitations import InvitationDraft

        draft = InvitationDraft("Inès", "Moreau", email=unique_email("ines"), phone=unique_mobile())
        result = await ws.invitations.invite(draft)
        assert result.invitation is not None and result.invitation.channel == "email"
        invitation_id = result.invitation.id
        desktop.presenter.show_invitations()
        page = window.invitations
        await wait_for(lambda: shown_status(page, invitation_id) != "")
        page.select(invitation_id)
        page.correct.click()
        await wait_for(lambda: desktop.presenter.invitation_dialog is not None)
        dialog = desktop.presenter.invitation_dialog
        assert dialog is not None and dialog.inputs["email"].text() == draft.email
        dialog.inputs["email"].setText("")
        dialog.submit.click()
        await wait_for(lambda: desktop.presenter.invitation_dialog is None)
        await wait_for(lambda: any(i.id == invitation_id and i.email is None for i in page.invitations))
        (stored,) = [i for i in await ws.api.invitations() if i.id == invitation_id]
        assert (stored.email, stored.phone, stored.channel) == (None, draft.phone, "sms")


@pytest.mark.asyncio
async def test_pro_plan_gets_a_clear_explanation(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server, plan="PRO")
    async with open_desktop(sqlite_server, doctor, tmp_path, plan="PRO") as desktop:
        await wait_for(lambda: desktop.window.account.text().endswith("· PRO"))
        dialog = desktop.presenter.open_invitation_dialog()
        assert dialog.plan_notice.isVisible() and dialog.plan_notice.text() == PRO_PLUS_EXPLANATION
        dialog.inputs["first_name"].setText("Zoé")
        dialog.inputs["last_name"].setText("Bernard")
        dialog.inputs["email"].setText(unique_email("zoe"))
        dialog.submit.click()
        await wait_for(
            lambda: "PRO+" in dialog.plan_notice.text() and "formule actuelle" in dialog.plan_notice.text()
        )
        assert dialog.isVisible() and dialog.submit.isEnabled()  # nothing sent, the form is kept
        dialog.reject()
