"""The patient's pre-call check as the practitioner sees it: one line per item, in French.

The patient's page checks its camera, microphone, the companion server, the network (an ICE
gathering test) and the TURN relay before joining, and sends the result (`call.precheck`, whose
`result` is a `contracts.wire.calls.PrecheckPublic`). Only device and network states travel: no
health data. `Precheck` is that model with the French words the call screen shows.
"""

from __future__ import annotations

from pydantic import ValidationError

from contracts.wire.calls import PrecheckPublic

_DEVICE = {
    "ok": "prête",
    "denied": "refusée par le navigateur",
    "missing": "introuvable",
    "busy": "utilisée par une autre application",
    "error": "indisponible",
    "skipped": "non vérifiée",
}
_CHECK = {"ok": "joignable", "failed": "injoignable", "none": "non configuré", "skipped": "non vérifié"}


class Precheck(PrecheckPublic):
    """What the patient's browser found before the call."""

    @classmethod
    def read(cls, result: object) -> Precheck:
        """The `result` of a `call.precheck` frame; one that cannot be read counts as not checked."""
        try:
            return cls.model_validate(result)
        except ValidationError:
            return cls()

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
