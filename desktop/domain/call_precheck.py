"""The patient's pre-call check as the practitioner sees it: one line per item, in French.

The patient's page checks its camera, microphone, the companion server, the network (an ICE
gathering test) and the TURN relay before joining, and sends the result (`call.precheck`, see
server/domain/call_signals.py). Only device and network states travel: no health data.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain.models import Wire

_DEVICE = {
    "ok": "prête",
    "denied": "refusée par le navigateur",
    "missing": "introuvable",
    "busy": "utilisée par une autre application",
    "error": "indisponible",
    "skipped": "non vérifiée",
}
_CHECK = {"ok": "joignable", "failed": "injoignable", "none": "non configuré", "skipped": "non vérifié"}


@dataclass(frozen=True)
class Precheck:
    """What the patient's browser found before the call."""

    camera: str = "skipped"
    microphone: str = "skipped"
    server: str = "skipped"
    network: str = "skipped"
    relay: str = "skipped"
    browser: str = ""

    @classmethod
    def from_wire(cls, data: object) -> Precheck:
        if not isinstance(data, dict):
            return cls()
        keys = ("camera", "microphone", "server", "network", "relay", "browser")
        fields: Wire = {k: data[k] for k in keys if k in data}
        return cls(**{k: str(v) for k, v in fields.items() if isinstance(v, str)})

    @property
    def ok(self) -> bool:
        """Everything the call needs works (the relay may be absent when not configured)."""
        return (
            self.camera == "ok"
            and self.microphone == "ok"
            and self.server == "ok"
            and self.network == "ok"
            and self.relay in ("ok", "none")
        )

    @property
    def problems(self) -> list[str]:
        """What goes wrong, as short French phrases for the practitioner."""
        found = []
        if self.camera != "ok":
            found.append(f"caméra {_DEVICE.get(self.camera, self.camera)}")
        if self.microphone != "ok":
            micro = _DEVICE.get(self.microphone, self.microphone)
            for feminine, masculine in (("prête", "prêt"), ("refusée", "refusé"), ("utilisée", "utilisé")):
                micro = micro.replace(feminine, masculine)
            found.append(f"micro {micro}")
        if self.server != "ok":
            found.append("serveur mal joint depuis son navigateur")
        if self.network != "ok":
            found.append("son réseau bloque la vidéo")
        if self.relay == "failed":
            found.append("relais vidéo (TURN) injoignable")
        return found

    @property
    def summary(self) -> str:
        """One line: « Test du patient (Firefox 133) : micro refusé par le navigateur. »"""
        where = f" ({self.browser})" if self.browser else ""
        if self.ok:
            return f"Test du patient{where} : caméra, micro et connexion prêts."
        return f"Test du patient{where} : " + " ; ".join(self.problems) + "."

    def label(self, key: str) -> str:
        """The state of one item (`camera`, `microphone`, `server`, `network`, `relay`) in French."""
        value = str(getattr(self, key))
        table = _DEVICE if key in ("camera", "microphone") else _CHECK
        return table.get(value, value)
