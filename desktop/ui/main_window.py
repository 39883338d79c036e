"""The main window (DESIGN §7): header, conversation list, the open conversation, requests banner, **+**.

Hooks for features:
- `payment_requested(conversation_id)`: « + » → « Demander un paiement » (billing connects to it);
- `call_requested(conversation_id)`: the camera button (video connects, then `set_calls_enabled(True)`);
- `add_page(key, widget)` / `show_page(key)`: a full page in the right-hand area.
"""

from __future__ import annotations

from PySide6.QtCore import SIGNAL, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.kernel.messages import Level, UserMessage
from desktop.ui.pages.conversation_list_page import ConversationListPage
from desktop.ui.pages.conversation_page import ConversationPage
from desktop.ui.pages.invitations_page import InvitationsPage
from desktop.ui.theme import set_role
from desktop.ui.widgets.conversation_list_model import ConversationListModel
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.plain_text import PlainLabel
from desktop.ui.widgets.requests_banner import RequestsBanner
from desktop.ui.widgets.round_button import RoundButton
from desktop.ui.widgets.status_indicator import StatusIndicator

EMPTY, CONVERSATION, INVITATIONS = "empty", "conversation", "invitations"


class MainWindow(QMainWindow):
    """Dumb window: pages and intents; `MainPresenter` gives it life."""

    payment_requested = Signal(str)
    call_requested = Signal(str)
    invite_requested = Signal()
    invitations_requested = Signal()
    close_requested = Signal()
    sign_out_requested = Signal()
    change_server_requested = Signal()
    show_names_toggled = Signal(bool)

    def __init__(self, model: ConversationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Teleconsult"))
        self.resize(1180, 760)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)

        header = QFrame(central)
        header.setObjectName("header")
        top = QHBoxLayout(header)
        brand = PlainLabel(self.tr("Teleconsult"), header)
        brand.setObjectName("brand")
        self.account = PlainLabel(header)
        self.account.setAccessibleName(self.tr("Compte"))
        self.status = StatusIndicator(header)
        self.settings_button = QToolButton(header)
        self.settings_button.setText("⚙")
        self.settings_button.setAccessibleName(self.tr("Réglages"))
        self.settings_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.settings_menu = QMenu(self.settings_button)
        self.show_names_action = QAction(self.tr("Nom des patients dans les notifications"), self)
        self.show_names_action.setCheckable(True)
        self.show_names_action.toggled.connect(self.show_names_toggled)
        self.settings_menu.addAction(self.show_names_action)
        self.settings_menu.addSeparator()
        self.settings_menu.addAction(self.tr("Changer de serveur…"), self.change_server_requested.emit)
        self.settings_menu.addAction(self.tr("Se déconnecter"), self.sign_out_requested.emit)
        self.settings_menu.addAction(self.tr("Quitter"), self.close)
        self.settings_button.setMenu(self.settings_menu)
        self.invitations_button = QPushButton(self.tr("Invitations"), header)
        self.invitations_button.setAccessibleName(self.tr("Invitations patients"))
        self.invitations_button.clicked.connect(self.invitations_requested)
        top.addWidget(brand)
        top.addSpacing(16)
        top.addWidget(self.account)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addSpacing(12)
        top.addWidget(self.settings_button)
        top.addWidget(self.invitations_button)
        column.addWidget(header)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.conversation_list = ConversationListPage(model, self.splitter)
        self.stack = QStackedWidget(self.splitter)
        self.empty = PlainLabel(
            self.tr("Choisissez une conversation, ou tapez le nom d'un patient dans la recherche (Ctrl+F)."),
            self.stack,
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        set_role(self.empty, "muted")
        self.conversation_area = QSplitter(Qt.Orientation.Horizontal, self.stack)
        self.conversation = ConversationPage(model.clock, self.conversation_area)
        self.invitations = InvitationsPage(self.stack)
        self.pages: dict[str, QWidget] = {}
        for key, widget in (
            (EMPTY, self.empty),
            (CONVERSATION, self.conversation_area),
            (INVITATIONS, self.invitations),
        ):
            self.add_page(key, widget)
        self.splitter.addWidget(self.conversation_list)
        self.splitter.addWidget(self.stack)
        self.splitter.setCollapsible(0, False)  # the list keeps its minimum width (readable texts)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 840])
        column.addWidget(self.splitter, 1)
        self.message_bar = MessageBar(self.splitter)  # floats over the splitter's top edge

        bottom = QWidget(central)
        row = QHBoxLayout(bottom)
        row.setContentsMargins(0, 0, 12, 8)
        self.requests_banner = RequestsBanner(bottom)
        self.plus = RoundButton("+", bottom)
        self.plus.setAccessibleName(self.tr("Nouvelle action"))
        self.plus.setAccessibleDescription(self.tr("Inviter un patient autonome, demander un paiement"))
        plus_menu = QMenu(self.plus)
        self.invite_action = plus_menu.addAction(self.tr("Inviter un patient autonome"))
        self.invite_action.setShortcut(QKeySequence("Ctrl+N"))
        self.invite_action.triggered.connect(self.invite_requested)
        self.payment_action = plus_menu.addAction(self.tr("Demander un paiement"))
        self.payment_action.triggered.connect(self._on_payment_action_triggered)
        self.plus.setMenu(plus_menu)
        row.addWidget(self.requests_banner, 1)
        # Right-aligned in its cell: alone in the row (no request), it would otherwise sit centred.
        row.addWidget(self.plus, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        column.addWidget(bottom)
        self.setCentralWidget(central)

        self.addAction(self.invite_action)  # Ctrl+N works with the menu closed
        search = QAction(self.tr("Rechercher un patient"), self)
        search.setShortcut(QKeySequence.StandardKey.Find)  # Ctrl+F
        search.triggered.connect(self.conversation_list.focus_search)
        self.addAction(search)
        self.conversation.call_requested.connect(self.call_requested)
        self.setTabOrder(self.conversation_list.search, self.conversation_list.list)
        self.allow_close = False
        self.show_page(EMPTY)

    # ---------------------------------------------------------------- pages and panels
    def add_page(self, key: str, widget: QWidget) -> None:
        self.pages[key] = widget
        self.stack.addWidget(widget)

    def show_page(self, key: str) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        self.payment_action.setEnabled(key == CONVERSATION and self.current_conversation_id() is not None)

    @property
    def current_page(self) -> str:
        current = self.stack.currentWidget()
        return next((k for k, w in self.pages.items() if w is current), EMPTY)

    def current_conversation_id(self) -> str | None:
        return self.conversation.conversation_id if self.current_page == CONVERSATION else None

    def set_calls_enabled(self, enabled: bool) -> None:
        self.conversation.set_call_enabled(enabled)

    def set_account(self, name: str, plan: str | None) -> None:
        text = f"{name} · {plan}" if plan else name
        self.account.setText(text)
        self.account.setAccessibleName(self.tr("Compte : %1").replace("%1", text))

    # ---------------------------------------------------------------- intents
    def _on_payment_action_triggered(self) -> None:
        conversation_id = self.current_conversation_id()
        if conversation_id is None:
            return
        if self.receivers(SIGNAL("payment_requested(QString)")) == 0:
            self.message_bar.show_message(
                UserMessage(Level.INFO, self.tr("La demande de paiement arrive dans une prochaine version."))
            )
            return
        self.payment_requested.emit(conversation_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing asks the controller to stop cleanly (socket, local server); it then closes us."""
        if self.allow_close or self.receivers(SIGNAL("close_requested()")) == 0:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
