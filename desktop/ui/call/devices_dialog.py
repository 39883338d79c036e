"""« Caméra, micro et haut-parleur » : which devices the next calls use."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from desktop.services.call_media import DeviceLists, DevicePreferences
from desktop.ui.widgets.plain_text import PlainLabel


class DevicesDialog(QDialog):
    """Three lists (camera, microphone, speaker), each starting with « Par défaut du système »."""

    def __init__(self, lists: DeviceLists, current: DevicePreferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Caméra, micro et haut-parleur"))
        self.setAccessibleName(self.tr("Choix de la caméra, du micro et du haut-parleur"))
        self._lists = lists
        layout = QVBoxLayout(self)
        intro = PlainLabel(
            self.tr(
                "Ces appareils servent aux prochains appels vidéo. « Par défaut du système » suit le "
                "réglage de votre ordinateur."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.camera = self._combo(lists.cameras, current.camera, self.tr("Caméra"))
        self.microphone = self._combo(lists.microphones, current.microphone, self.tr("Micro"))
        self.speaker = self._combo(lists.speakers, current.speaker, self.tr("Haut-parleur ou casque"))
        form.addRow(self.tr("&Caméra :"), self.camera)
        form.addRow(self.tr("&Micro :"), self.microphone)
        form.addRow(self.tr("&Haut-parleur :"), self.speaker)
        layout.addLayout(form)
        if not (lists.cameras or lists.microphones or lists.speakers):
            none = PlainLabel(
                self.tr("Aucun appareil détecté : les appels utiliseront ceux du système."), self
            )
            none.setWordWrap(True)
            layout.addWidget(none)
        standard = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(standard.Ok | standard.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _combo(self, devices: list[Any], chosen: str, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.addItem(self.tr("Par défaut du système"), "")
        for device in devices:
            label = device.label + (self.tr(" (par défaut)") if device.is_default else "")
            combo.addItem(label, device.target)
        if chosen:
            index = combo.findData(chosen)
            if index < 0:  # chosen earlier but unplugged now: keep it visible and selected
                combo.addItem(self.tr("%1 (débranché)").replace("%1", chosen), chosen)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        return combo

    def preferences(self) -> DevicePreferences:
        """The choice as it stands in the lists."""
        camera = str(self.camera.currentData() or "")
        label = next((d.label for d in self._lists.cameras if d.target == camera), camera)
        return DevicePreferences(
            camera=camera,
            camera_label=label,
            microphone=str(self.microphone.currentData() or ""),
            speaker=str(self.speaker.currentData() or ""),
        )
