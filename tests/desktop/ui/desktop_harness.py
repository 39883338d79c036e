"""Open the real main window on real services against a real server, for UI tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from keyring.backend import KeyringBackend
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.domain.connection_status import ConnectionStatus
from desktop.services.app_services import AppServices
from desktop.services.call_media import MediaFactory
from desktop.services.workspace import Workspace
from desktop.ui.main_presenter import MainPresenter
from desktop.ui.main_window import MainWindow
from desktop.ui.theme import Scheme, install_theme
from desktop.ui.widgets.attachment_card import AttachmentCard
from desktop.ui.widgets.conversation_list_model import ConversationListModel
from tests.desktop.services.harness import NullNotifier, app_services, signed_in, wait_for
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer


@dataclass
class Desktop:
    services: AppServices
    workspace: Workspace
    window: MainWindow
    presenter: MainPresenter
    notifier: NullNotifier


@contextlib.asynccontextmanager
async def open_desktop(
    server: LiveServer,
    account: Account,
    home: Path,
    *,
    plan: str = "PRO+",
    keyring_backend: KeyringBackend | None = None,
    wait_online: bool = True,
    media: MediaFactory | None = None,
) -> AsyncIterator[Desktop]:
    services = app_services(home, server, keyring_backend)
    notifier = NullNotifier()
    workspace = services.open_workspace(signed_in(server, account, plan), notifier, media=media)
    window = MainWindow(ConversationListModel(workspace.conversations.get, workspace.clock))
    presenter = MainPresenter(window, workspace)
    window.resize(1180, 760)
    window.show()
    await workspace.start()
    desktop = Desktop(services, workspace, window, presenter, notifier)
    try:
        if wait_online:
            await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        yield desktop
    finally:
        await workspace.close()
        await services.close()
        window.allow_close = True
        window.close()
        window.deleteLater()


def type_into(widget: QWidget, text: str) -> None:
    """Replace a field's text as a user would (ASCII keys: QTest cannot type accents)."""
    widget.setFocus()
    QTest.keySequence(widget, "Ctrl+A")
    QTest.keyClick(widget, Qt.Key.Key_Delete)
    QTest.keyClicks(widget, text)


def grab(widget: QWidget, path: Path) -> Path:
    """Render `widget` into the PNG `path`, as laid out now.

    Pending layout requests are delivered first (only those: `processEvents()` inside a coroutine
    would re-enter qasync); `grab()` then paints the widget itself. No waiting on the clock.
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    image = widget.grab()
    assert not image.isNull() and image.width() > 200
    assert image.save(str(path))
    return path


def grab_schemes(widget: QWidget, folder: Path, stem: str) -> list[Path]:
    """`folder/<stem>-light.png` and `folder/<stem>-dark.png`: `widget` under each scheme of the theme."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme = install_theme(app)
    try:
        paths = []
        for scheme in (Scheme.LIGHT, Scheme.DARK):
            theme.apply(scheme)
            paths.append(grab(widget, folder / f"{stem}-{scheme.value}.png"))
        return paths
    finally:
        theme.apply(Scheme.LIGHT)


def shows_thumbnail(card: AttachmentCard) -> bool:
    """Whether an attachment card displays a thumbnail (a non-empty pixmap in its preview)."""
    pixmap = card.preview.pixmap()
    return pixmap is not None and not pixmap.isNull()
