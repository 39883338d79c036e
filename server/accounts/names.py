"""How a practitioner is named: « Dr Claire Martin » for doctors and dentists, short and titled forms."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.professions import PROFESSIONS, SPECIALTIES, display_name


@dataclass(frozen=True)
class PractitionerName:
    """How a practitioner is named in messages and pages."""

    first_name: str
    last_name: str
    profession: str
    specialty: str | None = None
    city: str | None = None

    @property
    def display(self) -> str:
        """ "Dr Claire Martin" for doctors and dentists, "Claire Martin" otherwise."""
        return display_name(self.first_name, self.last_name, self.profession)

    @property
    def short(self) -> str:
        """ "Dr C. Martin": for an SMS that must stay short."""
        initial = self.first_name[:1] + "." if self.first_name else ""
        return display_name(initial, self.last_name, self.profession)

    @property
    def title(self) -> str:
        """ "Médecin spécialiste (Cardiologie), Lyon"."""
        label = PROFESSIONS.get(self.profession, "")
        if self.specialty:
            label += f" ({SPECIALTIES.get(self.specialty, self.specialty)})"
        return f"{label}, {self.city}" if self.city else label
