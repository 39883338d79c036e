"""`BillingController`: binds the billing screens of the main window to the workspace's billing.

`BillingController(window, workspace, calls)` wires the screens to the main window's hooks, to
`workspace.billing` (`BillingServices`, built by the workspace) and to the calls: it follows the
call service's `call_started` / `call_ended` and the call controller's `call_window_opened`:
- « + » → « Demander un paiement » (`MainWindow.payment_requested`) opens the payment dialog;
- the open conversation gets the payment banner (live) and a « Facturer » button in its header;
- a call that ends offers « Facturer cette téléconsultation » on its conversation, and the call
  window offers it during the call (the act's time is the call's start, Europe/Paris);
- the claim editor and the billing view are pages of the window (`add_page`), the billing view
  reachable from the header, the ⚙ menu and Ctrl+B.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolButton, QVBoxLayout

from contracts.clock import paris_day
from contracts.fr_format import paris_time_short
from desktop.services.calls import ActiveCall
from desktop.services.workspace import Workspace
from desktop.ui.billing.call_end_banner import CallEndBanner
from desktop.ui.billing.payment_banner import PaymentBanner
from desktop.ui.billing.payment_banner_presenter import PaymentBannerPresenter
from desktop.ui.call.call_controller import CallController
from desktop.ui.call.call_window import CallWindow
from desktop.ui.main_window import CONVERSATION, EMPTY, MainWindow

if TYPE_CHECKING:
    from desktop.ui.billing.billing_page import BillingPage
    from desktop.ui.billing.billing_presenter import BillingPresenter
    from desktop.ui.billing.claim_editor import ClaimEditor
    from desktop.ui.billing.claim_editor_presenter import ClaimEditorPresenter
    from desktop.ui.billing.payment_dialog import PaymentDialog

log = logging.getLogger(__name__)

BILLING, CLAIM = "billing", "claim"
RECENT_CALL = timedelta(hours=12)  # « Facturer » from the header bills the call of the last 12 hours


class BillingController(QObject):
    """Owns the billing screens of one main window."""

    def __init__(self, window: MainWindow, workspace: Workspace, calls: CallController) -> None:
        super().__init__(window)
        self.window = window
        self.ws = workspace
        self.billing = workspace.billing
        self.payment_dialog: PaymentDialog | None = None
        self.call_times: dict[str, tuple[datetime, datetime | None]] = {}  # conversation → (start, end)
        self._return_to = EMPTY
        page = window.conversation

        self.banner = PaymentBanner(page)
        self.call_end = CallEndBanner(page)
        column = page.layout()
        if isinstance(column, QVBoxLayout):
            column.insertWidget(column.indexOf(page.messages) + 1, self.banner)
            column.insertWidget(1, self.call_end)  # under the conversation's header
        self.banner_presenter = PaymentBannerPresenter(
            self.banner, self.billing.payments, workspace.runner, workspace.messages, workspace.clock
        )
        self.bill_button = QToolButton(page)
        self.bill_button.setText(self.tr("Facturer"))
        self.bill_button.setAccessibleName(self.tr("Facturer la téléconsultation de ce patient"))
        self.bill_button.setToolTip(self.tr("Préparer la feuille de soins (SESAM sans Vitale)"))
        parent = page.camera.parentWidget()
        header = parent.layout() if parent is not None else None
        if isinstance(header, QHBoxLayout):
            header.insertWidget(header.indexOf(page.camera), self.bill_button)
        page.setTabOrder(page.camera, self.bill_button)

        self._pages: tuple[ClaimEditor, ClaimEditorPresenter, BillingPage, BillingPresenter] | None = None

        self.header_button = QPushButton(self.tr("Facturation"), window)
        self.header_button.setAccessibleName(self.tr("Facturation (Ctrl+B)"))
        bar = window.invitations_button.parentWidget()
        top = bar.layout() if bar is not None else None
        if isinstance(top, QHBoxLayout):
            top.insertWidget(top.indexOf(window.invitations_button), self.header_button)
        self.billing_action = QAction(self.tr("Facturation"), window)
        self.billing_action.setShortcut(QKeySequence("Ctrl+B"))
        actions = window.settings_menu.actions()
        if actions:
            window.settings_menu.insertAction(actions[0], self.billing_action)
        else:
            window.settings_menu.addAction(self.billing_action)
        window.addAction(self.billing_action)  # Ctrl+B with the menu closed

        page.conversation_shown.connect(self._on_page_conversation_shown)
        self.bill_button.clicked.connect(self._on_bill_button_clicked)
        self.call_end.bill_requested.connect(self._on_bill_button_clicked)
        self.call_end.dismiss_requested.connect(self.call_end.hide)
        self.header_button.clicked.connect(self.show_billing)
        self.billing_action.triggered.connect(self.show_billing)
        window.payment_requested.connect(self.open_payment_dialog)
        window.destroyed.connect(self.dispose)
        calls.call_window_opened.connect(self._on_calls_call_window_opened)
        self._unsubscribe = [
            workspace.calls.call_started.connect(self._on_calls_call_started),
            workspace.calls.call_ended.connect(self._on_calls_call_ended),
        ]

    def pages(self) -> tuple[ClaimEditor, ClaimEditorPresenter, BillingPage, BillingPresenter]:
        """The claim editor and the billing view, built when first needed (with the act catalog)."""
        if self._pages is None:
            from desktop.ui.billing.billing_page import BillingPage
            from desktop.ui.billing.billing_presenter import BillingPresenter
            from desktop.ui.billing.claim_editor import ClaimEditor
            from desktop.ui.billing.claim_editor_presenter import ClaimEditorPresenter

            window, ws = self.window, self.ws
            editor = ClaimEditor(window.stack)
            window.add_page(CLAIM, editor)
            editor_presenter = ClaimEditorPresenter(
                editor, self.billing, ws.runner, ws.messages, ws.account.id
            )
            page = BillingPage(paris_day(ws.clock()), window.stack)
            window.add_page(BILLING, page)
            presenter = BillingPresenter(page, self.billing, ws.conversations, ws.runner, ws.messages)
            editor_presenter.closed.connect(self._on_editor_closed)
            editor_presenter.payment_dialog_requested.connect(self._on_editor_payment_dialog_requested)
            presenter.claim_opened.connect(self.open_claim)
            page.back_requested.connect(self._on_page_back_requested)
            self._pages = (editor, editor_presenter, page, presenter)
        return self._pages

    @property
    def editor(self) -> ClaimEditor:
        return self.pages()[0]

    @property
    def editor_presenter(self) -> ClaimEditorPresenter:
        return self.pages()[1]

    @property
    def page(self) -> BillingPage:
        return self.pages()[2]

    @property
    def billing_presenter(self) -> BillingPresenter:
        return self.pages()[3]

    # ---------------------------------------------------------------- calls
    def _on_calls_call_started(self, call: ActiveCall) -> None:
        self.call_times[call.conversation_id] = (self.ws.clock(), None)

    def _on_calls_call_window_opened(self, call_window: CallWindow, conversation_id: str) -> None:
        """During the call: « Facturer cette téléconsultation » in the call window."""
        call_window.set_billing_available(True)
        call_window.bill_requested.connect(lambda: self.bill(conversation_id))

    def _on_calls_call_ended(self, call: ActiveCall) -> None:
        conversation_id = call.conversation_id
        now = self.ws.clock()
        start = self.call_times.get(conversation_id, (now, None))[0]
        self.offer_after_call(conversation_id, start, now)

    def offer_after_call(self, conversation_id: str, started_at: datetime, ended_at: datetime) -> None:
        """The call of `conversation_id` ended: remember its times and offer to bill it."""
        self.call_times[conversation_id] = (started_at, ended_at)
        if self.window.conversation.conversation_id == conversation_id:  # on screen, or when back to it
            self._show_call_end(conversation_id)

    def _show_call_end(self, conversation_id: str) -> None:
        started, ended = self.call_times.get(conversation_id, (None, None))
        if started is None or ended is None or self.ws.clock() - ended > RECENT_CALL:
            self.call_end.hide()
            return
        self.call_end.offer(
            self.tr("Téléconsultation terminée (%1 – %2).")
            .replace("%1", paris_time_short(started))
            .replace("%2", paris_time_short(ended))
        )

    # ---------------------------------------------------------------- conversation page
    def _on_page_conversation_shown(self, conversation_id: str) -> None:
        self.banner_presenter.follow(conversation_id)
        self._show_call_end(conversation_id)

    def _on_bill_button_clicked(self) -> None:
        conversation_id = self.window.conversation.conversation_id
        if conversation_id:
            self.bill(conversation_id)

    def bill(self, conversation_id: str) -> None:
        """Open a new claim for the conversation, dated at its last call's start (else now)."""
        started, ended = self.call_times.get(conversation_id, (None, None))
        now = self.ws.clock()
        recent = started is not None and (ended is None or now - ended <= RECENT_CALL)
        performed_at = started if recent and started is not None else now
        self.ws.runner.run(self._open_new(conversation_id, performed_at), name="claim-new")

    async def _open_new(self, conversation_id: str, performed_at: datetime) -> None:
        summary = self.ws.conversations.get(conversation_id)
        self._remember_page()
        await self.editor_presenter.open_new(
            conversation_id, summary.patient if summary else None, performed_at
        )
        self.call_end.hide()
        self._show(CLAIM)

    def open_claim(self, claim_id: str) -> None:
        async def go() -> None:
            self._remember_page()
            await self.editor_presenter.open_claim(claim_id)
            self._show(CLAIM)

        self.ws.runner.run(go(), name="claim-open")

    # ---------------------------------------------------------------- pages
    def _remember_page(self) -> None:
        if self.window.current_page != CLAIM:
            self._return_to = self.window.current_page

    def _show(self, key: str) -> None:
        self.window.show_page(key)
        self.window.raise_()

    def show_billing(self) -> None:
        if self.window.current_page not in (BILLING, CLAIM):
            self._return_to = self.window.current_page
        self._show(BILLING)
        self.billing_presenter.activate()
        self.page.claims.setFocus()

    def _on_page_back_requested(self) -> None:
        back = self._return_to if self._return_to not in (BILLING, CLAIM) else EMPTY
        if back == CONVERSATION and not self.window.conversation.conversation_id:
            back = EMPTY
        self.window.show_page(back)

    def _on_editor_closed(self) -> None:
        if self._return_to == BILLING:
            self.show_billing()
        else:
            self._on_page_back_requested()

    # ---------------------------------------------------------------- payment requests
    def open_payment_dialog(self, conversation_id: str, claim_id: str | None = None) -> PaymentDialog:
        """« Demander un paiement » for a conversation (pre-filled from `claim_id` when given)."""
        from desktop.ui.billing.payment_dialog import PaymentDialog
        from desktop.ui.billing.payment_presenter import PaymentPresenter

        if self.payment_dialog is not None:
            self.payment_dialog.close()
        summary = self.ws.conversations.get(conversation_id)
        dialog = PaymentDialog(summary.patient.full_name if summary else self.tr("le patient"), self.window)
        record = self.billing.claims.records.get(claim_id) if claim_id else None
        PaymentPresenter(
            dialog, self.billing, self.ws.runner, self.ws.messages, conversation_id, claim=record
        )
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        self.payment_dialog = dialog
        dialog.open()  # window-modal, no nested event loop
        return dialog

    def _on_editor_payment_dialog_requested(self, conversation_id: str, claim_id: str) -> None:
        self.open_payment_dialog(conversation_id, claim_id)

    def _forget_dialog(self, dialog: PaymentDialog) -> None:
        if self.payment_dialog is dialog:
            self.payment_dialog = None
        dialog.deleteLater()

    def dispose(self) -> None:
        """The main window is going away: stop listening (the workspace closes the services)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
