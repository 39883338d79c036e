"""`CallWindow`: the call screen, in a window of its own beside the main window.

Remote video large, the practitioner's preview small in its corner; above, the call's state, the
patient's waiting-room presence and pre-call check, and the quality; below, micro, caméra,
« Aide patient » and raccrocher. Full screen with the two-arrows button (top right) or F11,
back with the same button or Esc. The main window stays usable meanwhile: messages and
documents of the conversation go on there.

Dumb: it renders what `CallPresenter` gives it and emits `*_requested` / `*_toggled` intents.
Keys: Space = micro, Ctrl+E = caméra, Ctrl+Maj+A = appareils (caméra, micro, haut-parleur),
F11 = plein écran, Esc = quitter le plein écran, Ctrl+Maj+H = raccrocher (each button's tooltip
says so).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QActionGroup, QCloseEvent, QIcon, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.call.widgets.quality_indicator import QualityIndicator
from desktop.ui.call.widgets.video_surface import VideoSurface
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel

ICONS = Path(__file__).resolve().parents[3] / "resources" / "icons"

# (slug of the patient help page, menu text): docs/api-contracts.md lists the slugs.
HELP_TOPICS = (
    ("impossible-de-se-connecter", "Le patient ne parvient pas à se connecter"),
    ("je-ne-vois-pas-mon-praticien", "Le patient ne me voit pas"),
    ("mon-praticien-ne-me-voit-pas", "Je ne vois pas le patient"),
)


def _icon(name: str) -> QIcon:
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


class _PreviewPlacer(QObject):
    """Keeps the preview in the bottom-right corner of the remote video when it is resized."""

    def __init__(self, remote: QWidget, preview: QWidget) -> None:
        super().__init__(remote)
        self._preview = preview
        remote.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(event, QResizeEvent):
            size = event.size()
            width = max(120, size.width() // 5)
            height = width * 3 // 4
            self._preview.setGeometry(size.width() - width - 12, size.height() - height - 12, width, height)
        return False


class CallWindow(QWidget):
    """The call screen of one call."""

    microphone_toggled = Signal(bool)  # True: the microphone is on
    camera_toggled = Signal(bool)
    hangup_requested = Signal()
    help_requested = Signal(str)  # slug of the patient help page to post into the conversation
    camera_change_requested = Signal(str, str)  # (what FFmpeg opens, its label); "" = system default
    microphone_change_requested = Signal(str)  # PortAudio device name; "" = system default
    speaker_change_requested = Signal(str)
    devices_menu_shown = Signal()  # the device menu opens: time to list the devices again
    bill_requested = Signal()  # « Facturer cette téléconsultation » (shown by the billing feature)
    closed = Signal()

    def __init__(self, patient_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("callWindow")
        self.setWindowTitle(self.tr("Téléconsultation — %1").replace("%1", patient_name))
        self.setAccessibleName(self.tr("Appel vidéo avec %1").replace("%1", patient_name))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # dark in both schemes (theme.py)
        self.resize(960, 640)
        self.ended = False

        self.state = PlainLabel(self)
        self.state.setObjectName("callState")
        self.state.setAccessibleName(self.tr("État de l'appel"))
        self.presence = PlainLabel(self)
        self.presence.setObjectName("callPresence")
        self.presence.hide()
        self.quality = QualityIndicator(self)
        self.fullscreen_button = QToolButton(self)
        self.fullscreen_button.setObjectName("callFullscreen")  # its hover stays dark: white icon
        self.fullscreen_button.setIconSize(QSize(22, 22))
        self.fullscreen_button.setAutoRaise(True)
        self.fullscreen_button.clicked.connect(self.toggle_full_screen)
        self.camera_state = PlainLabel(self)
        self.camera_state.setObjectName("callCameraState")
        set_role(self.camera_state, "caution")
        self.camera_state.hide()
        top = QHBoxLayout()
        top.addWidget(self.state)
        top.addSpacing(12)
        top.addWidget(self.presence)
        top.addSpacing(12)
        top.addWidget(self.camera_state)
        top.addStretch(1)
        top.addWidget(self.quality)
        top.addWidget(self.fullscreen_button)

        self.precheck = PlainLabel(self)
        self.precheck.setObjectName("callPrecheck")
        self.precheck.setWordWrap(True)
        self.precheck.hide()
        self.notice = PlainLabel(self)
        self.notice.setObjectName("callNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.remote = VideoSurface(self, placeholder=self.tr("En attente du patient…"))
        self.remote.setAccessibleName(self.tr("Vidéo du patient"))
        self.local = VideoSurface(self.remote, mirrored=True, placeholder=self.tr("Caméra coupée"))
        self.local.setAccessibleName(self.tr("Votre image"))
        self.local.setMinimumSize(120, 90)
        self._placer = _PreviewPlacer(self.remote, self.local)

        self.microphone = self._switch(self.tr("Micro"), self.tr("Couper ou rétablir le micro (Espace)"))
        self.microphone.toggled.connect(self._on_microphone_toggled)
        self.camera = self._switch(self.tr("Caméra"), self.tr("Couper ou rétablir la caméra (Ctrl+E)"))
        self.camera.toggled.connect(self._on_camera_toggled)
        self.help_button = QToolButton(self)
        self.help_button.setText(self.tr("Aide patient"))
        self.help_button.setAccessibleName(self.tr("Envoyer une aide au patient"))
        self.help_button.setToolTip(
            self.tr("Envoyer au patient, dans la conversation, la page d'aide qui convient")
        )
        self.help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.help_menu = QMenu(self.help_button)
        for slug, text in HELP_TOPICS:
            action = self.help_menu.addAction(self.tr(text))
            action.setData(slug)
            action.triggered.connect(lambda _checked=False, s=slug: self.help_requested.emit(s))
        self.help_button.setMenu(self.help_menu)
        self.devices_button = QToolButton(self)
        self.devices_button.setObjectName("callDevices")
        self.devices_button.setText(self.tr("Appareils"))
        self.devices_button.setAccessibleName(self.tr("Changer de caméra, de micro ou de haut-parleur"))
        self.devices_button.setToolTip(
            self.tr("Changer de caméra, de micro ou de haut-parleur sans couper l'appel (Ctrl+Maj+A)")
        )
        self.devices_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.devices_menu = QMenu(self.devices_button)
        self.devices_menu.setAccessibleName(self.tr("Appareils de l'appel"))
        self.devices_menu.aboutToShow.connect(self.devices_menu_shown)
        self.camera_menu = self.devices_menu.addMenu(self.tr("&Caméra"))
        self.microphone_menu = self.devices_menu.addMenu(self.tr("&Micro"))
        self.speaker_menu = self.devices_menu.addMenu(self.tr("&Haut-parleur ou casque"))
        self.devices_button.setMenu(self.devices_menu)
        self.set_devices([], [], [], ("", "", ""))
        self.hangup = QPushButton(_icon("call-hangup"), self.tr("Raccrocher"), self)
        self.hangup.setObjectName("callHangup")
        self.hangup.setToolTip(self.tr("Terminer l'appel pour vous et le patient (Ctrl+Maj+H)"))
        self.hangup.setAccessibleName(self.tr("Raccrocher"))
        self.hangup.clicked.connect(self.hangup_requested)
        self.bill_button = QPushButton(self.tr("Facturer cette téléconsultation"), self)
        self.bill_button.setObjectName("callBill")
        self.bill_button.setAccessibleName(self.tr("Facturer cette téléconsultation"))
        self.bill_button.setToolTip(self.tr("Préparer la feuille de soins de cette téléconsultation"))
        self.bill_button.clicked.connect(self.bill_requested)
        self.bill_button.hide()  # until the billing feature calls set_billing_available(True)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        for widget in (
            self.microphone,
            self.camera,
            self.devices_button,
            self.help_button,
            self.hangup,
            self.bill_button,
        ):
            bottom.addWidget(widget)
        bottom.addStretch(1)

        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.precheck)
        column.addWidget(self.notice)
        column.addWidget(self.remote, 1)
        column.addLayout(bottom)

        for keys, slot in (
            (QKeySequence(Qt.Key.Key_Space), self.microphone.toggle),
            (QKeySequence("Ctrl+E"), self.camera.toggle),
            (QKeySequence(Qt.Key.Key_F11), self.toggle_full_screen),
            (QKeySequence("Ctrl+Shift+H"), self.hangup.click),
            (QKeySequence("Ctrl+Shift+A"), self.devices_button.showMenu),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
        self.setTabOrder(self.microphone, self.camera)
        self.setTabOrder(self.camera, self.devices_button)
        self.setTabOrder(self.devices_button, self.help_button)
        self.setTabOrder(self.help_button, self.hangup)
        self.setTabOrder(self.hangup, self.fullscreen_button)
        self._show_full_screen_state()

    def _switch(self, text: str, tooltip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setCheckable(True)
        button.setChecked(True)
        button.setToolTip(tooltip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setMinimumWidth(96)
        button.setProperty("role", "switch")  # red when off (theme.py)
        return button

    # ---------------------------------------------------------------- rendering
    def set_state_text(self, text: str) -> None:
        self.state.setText(text)
        self.state.setAccessibleDescription(text)

    def set_presence(self, waiting: bool) -> None:
        self.presence.setText(self.tr("Patient en salle d'attente"))
        self.presence.setVisible(waiting)

    def set_precheck(self, text: str, ok: bool) -> None:
        self.precheck.setText(text)
        set_role(self.precheck, "ok" if ok else "caution")
        self.precheck.setAccessibleName(text)
        self.precheck.show()

    def show_notice(self, text: str) -> None:
        """A problem on the practitioner's side (no microphone, no sound…); the call goes on."""
        shown = self.notice.text()
        self.notice.setText(f"{shown}\n{text}" if shown and text not in shown else text)
        self.notice.setAccessibleName(self.notice.text())
        self.notice.show()

    def set_microphone(self, on: bool) -> None:
        with QSignalBlocker(self.microphone):
            self.microphone.setChecked(on)
        self._label_switch(self.microphone, on, self.tr("Micro"), self.tr("Micro coupé"))

    def set_camera(self, on: bool) -> None:
        with QSignalBlocker(self.camera):
            self.camera.setChecked(on)
        self._label_switch(self.camera, on, self.tr("Caméra"), self.tr("Caméra coupée"))

    def _label_switch(self, button: QToolButton, on: bool, on_text: str, off_text: str) -> None:
        button.setText(on_text if on else off_text)
        button.setAccessibleName(on_text if on else off_text)

    def set_devices(
        self,
        cameras: list[tuple[str, str]],
        microphones: list[tuple[str, str]],
        speakers: list[tuple[str, str]],
        current: tuple[str, str, str],
    ) -> None:
        """The device menu: (label, device) per kind, « Par défaut du système » first; `current`
        is the (camera, microphone, speaker) in use, checked."""
        default = self.tr("Par défaut du système")
        for menu, entries, chosen, emit in (
            (self.camera_menu, cameras, current[0], self.camera_change_requested.emit),
            (
                self.microphone_menu,
                microphones,
                current[1],
                lambda d, _t: self.microphone_change_requested.emit(d),
            ),
            (self.speaker_menu, speakers, current[2], lambda d, _t: self.speaker_change_requested.emit(d)),
        ):
            menu.clear()
            group = QActionGroup(menu)
            group.setExclusive(True)
            for label, device in [(default, ""), *entries]:
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(device == chosen)
                action.setData(device)
                group.addAction(action)
                action.triggered.connect(lambda _checked=False, d=device, t=label, e=emit: e(d, t))

    def set_camera_available(self, available: bool) -> None:
        """« Caméra indisponible » (unplugged during the call): the patient then sees black."""
        text = self.tr("Caméra indisponible")
        self.camera_state.setText(text)
        self.camera_state.setAccessibleName(text)
        self.camera_state.setVisible(not available)
        if available:
            self.local.set_placeholder(self.tr("Caméra coupée"))
        else:
            self.local.clear()
            self.local.set_placeholder(text)

    def set_billing_available(self, available: bool) -> None:
        """Offer « Facturer cette téléconsultation », during the call and once it has ended."""
        self.bill_button.setVisible(available)

    def show_ended(self, text: str) -> None:
        self.ended = True
        self.set_state_text(text)
        for widget in (self.microphone, self.camera, self.hangup, self.help_button, self.devices_button):
            widget.setEnabled(False)
        self.remote.set_sink(None)
        self.local.set_sink(None)
        self.remote.set_placeholder(text)

    # ---------------------------------------------------------------- full screen
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self._show_full_screen_state()

    def _show_full_screen_state(self) -> None:
        full = self.isFullScreen()
        self.fullscreen_button.setIcon(_icon("call-fullscreen-exit" if full else "call-fullscreen"))
        name = self.tr("Quitter le plein écran (Échap)") if full else self.tr("Plein écran (F11)")
        self.fullscreen_button.setToolTip(name)
        self.fullscreen_button.setAccessibleName(name)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.toggle_full_screen()
            event.accept()
            return
        super().keyPressEvent(event)

    # ---------------------------------------------------------------- intents
    def _on_microphone_toggled(self, on: bool) -> None:
        self._label_switch(self.microphone, on, self.tr("Micro"), self.tr("Micro coupé"))
        self.microphone_toggled.emit(on)

    def _on_camera_toggled(self, on: bool) -> None:
        self._label_switch(self.camera, on, self.tr("Caméra"), self.tr("Caméra coupée"))
        self.camera_toggled.emit(on)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window during a call hangs up (the presenter is told through `closed`)."""
        self.closed.emit()
        super().closeEvent(event)
