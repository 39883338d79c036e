"""`QualityIndicator`: the call's quality in one word and a colour, the figures in its tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel
from desktop.video.stats import CallQuality, CallStats

_ROLES = {CallQuality.GOOD: "ok", CallQuality.FAIR: "caution", CallQuality.POOR: "poor"}


class QualityIndicator(PlainLabel):
    """Fed once a second by `CallStats`; empty until the first figures arrive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callQuality")
        self.quality: CallQuality | None = None
        self.reset()

    def _words(self, quality: CallQuality) -> str:
        return {
            CallQuality.GOOD: self.tr("Bonne qualité"),
            CallQuality.FAIR: self.tr("Qualité moyenne"),
            CallQuality.POOR: self.tr("Mauvaise qualité"),
        }[quality]

    def reset(self) -> None:
        self.quality = None
        self.setText(self.tr("Qualité : —"))
        self.setToolTip(self.tr("La qualité s'affiche une fois la vidéo établie."))
        self.setAccessibleName(self.tr("Qualité de l'appel : inconnue"))
        set_role(self, "muted")

    def show_stats(self, stats: CallStats) -> None:
        quality = stats.quality
        self.quality = quality
        words = self._words(quality)
        self.setText(f"● {words}")
        set_role(self, _ROLES[quality])
        self.setAccessibleName(self.tr("Qualité de l'appel : %1").replace("%1", words))
        size = stats.receive_resolution
        lines = [
            self.tr("Image reçue : %1, %2 images/s")
            .replace("%1", f"{size[0]}×{size[1]}" if size else "—")
            .replace("%2", f"{stats.receive_fps:.0f}"),
            self.tr("Pertes : %1 %").replace(
                "%1", f"{100 * max(stats.receive_loss, stats.send_loss or 0):.1f}"
            ),
            self.tr("Aller-retour : %1").replace(
                "%1", f"{stats.round_trip_ms:.0f} ms" if stats.round_trip_ms is not None else "—"
            ),
            self.tr("Débit : %1 kbit/s envoyés, %2 reçus")
            .replace("%1", f"{stats.send_kbps:.0f}")
            .replace("%2", f"{stats.receive_kbps:.0f}"),
        ]
        self.setToolTip("\n".join(lines))
