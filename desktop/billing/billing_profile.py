"""Who bills: the practitioner's billing facts read from the server's `/me`, in the billing domain's terms.

The server keeps its own lists (professions such as `medecin_generaliste`, specialties such as
`psychiatrie_enfant`, sectors such as `secteur_3`); the act catalog reasons with
`contracts.billing.professions` (`Profession.MEDECIN` + `Specialty.PSYCHIATRIE`,
`Sector.NON_CONVENTIONNE`). This module maps one onto the other, and builds what a claim and a
note d'honoraires print about the practitioner.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.billing.claim_parts import ClaimPractitioner
from contracts.billing.professions import PractitionerProfile, Profession, Sector, Specialty
from contracts.wire.accounts import UserPublic
from desktop.billing.fee_notes import PractitionerIdentity

_PROFESSIONS = {
    "medecin_generaliste": Profession.MEDECIN,
    "medecin_specialiste": Profession.MEDECIN,
    "infirmier": Profession.INFIRMIER,
    "sage_femme": Profession.SAGE_FEMME,
    "masseur_kinesitherapeute": Profession.MASSEUR_KINESITHERAPEUTE,
    "orthophoniste": Profession.ORTHOPHONISTE,
}
_SPECIALTIES = {
    "psychiatrie": Specialty.PSYCHIATRIE,
    "psychiatrie_enfant": Specialty.PSYCHIATRIE,
    "pediatrie": Specialty.PEDIATRIE,
    "gynecologie_medicale": Specialty.GYNECOLOGIE_MEDICALE,
    "neurologie": Specialty.NEUROLOGIE,
}
_SECTORS = {
    "secteur_1": Sector.SECTEUR_1,
    "secteur_2": Sector.SECTEUR_2,
    "secteur_2_optam": Sector.SECTEUR_2_OPTAM,
    "secteur_3": Sector.NON_CONVENTIONNE,
}
# The patient's wording of the sector, as the server prints it on the payment banner.
SECTOR_NOTICES = {
    "secteur_1": "Praticien conventionné secteur 1",
    "secteur_2": "Praticien conventionné secteur 2 (honoraires libres)",
    "secteur_2_optam": "Praticien conventionné secteur 2, adhérent OPTAM",
    "secteur_3": "Praticien non conventionné",
    "non_applicable": "Conventionnement : non applicable à cette profession",
}
# Specialty codes as printed on the CPS card, used only to pre-fill the claim (the practitioner
# can correct them; UNVERIFIED beyond 01, médecine générale).
_SPECIALTY_CODES = {
    Specialty.MEDECINE_GENERALE: "01",
    Specialty.PEDIATRIE: "12",
    Specialty.NEUROLOGIE: "32",
    Specialty.PSYCHIATRIE: "33",
    Specialty.GYNECOLOGIE_MEDICALE: "70",
}
_PROFESSION_CODES = {
    Profession.SAGE_FEMME: "21",
    Profession.INFIRMIER: "24",
    Profession.MASSEUR_KINESITHERAPEUTE: "26",
    Profession.PEDICURE_PODOLOGUE: "27",
    Profession.ORTHOPHONISTE: "28",
}
DOCTORS = ("medecin_generaliste", "medecin_specialiste", "chirurgien_dentiste")


def _text(value: str | None) -> str:
    return value.strip() if value else ""


@dataclass(frozen=True, slots=True)
class BillingProfile:
    """The signed-in practitioner as billing sees them."""

    account_id: str
    first_name: str
    last_name: str
    server_profession: str
    server_sector: str
    profile: PractitionerProfile | None  # None: a profession the act catalog does not bill
    rpps: str
    am_number: str
    specialty_code: str
    address: str
    postal_code: str
    city: str

    @classmethod
    def of(cls, user: UserPublic) -> BillingProfile:
        """From `GET /me`."""
        profession = _PROFESSIONS.get(_text(user.profession))
        sector_code = _text(user.sector) or "secteur_1"
        profile: PractitionerProfile | None = None
        code = ""
        if profession is not None:
            specialty: Specialty | None = None
            if profession is Profession.MEDECIN:
                specialty = (
                    Specialty.MEDECINE_GENERALE
                    if _text(user.profession) == "medecin_generaliste"
                    else _SPECIALTIES.get(_text(user.specialty), Specialty.AUTRE)
                )
            profile = PractitionerProfile(profession, _SECTORS.get(sector_code, Sector.SECTEUR_1), specialty)
            code = _SPECIALTY_CODES.get(specialty, "") if specialty else _PROFESSION_CODES.get(profession, "")
        return cls(
            account_id=user.id,
            first_name=_text(user.first_name),
            last_name=_text(user.last_name),
            server_profession=_text(user.profession),
            server_sector=sector_code,
            profile=profile,
            rpps=_text(user.rpps),
            am_number=_text(user.am_number),
            specialty_code=code,
            address=_text(user.address),
            postal_code=_text(user.postal_code),
            city=_text(user.city),
        )

    @property
    def display_name(self) -> str:
        """« Dr Claire Martin » for doctors, the plain name otherwise (as the server writes it)."""
        name = f"{self.first_name} {self.last_name}".strip()
        return f"Dr {name}" if self.server_profession in DOCTORS else name

    @property
    def sector_notice(self) -> str:
        """What the patient reads about the sector before paying (BILLING §5.3)."""
        return SECTOR_NOTICES.get(self.server_sector, "")

    @property
    def address_lines(self) -> tuple[str, ...]:
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return tuple(line for line in (self.address, town) if line)

    def claim_practitioner(self, *, am_number: str = "", specialty_code: str = "") -> ClaimPractitioner:
        """The practitioner block of a new claim; blanks filled from `am_number`/`specialty_code` if given.

        Raises:
            ValueError: the profession bills no act of the catalog (`profile` is None).
        """
        if self.profile is None:
            raise ValueError("profession without billable acts")
        return ClaimPractitioner(
            self.rpps,
            self.am_number or am_number,
            self.specialty_code or specialty_code,
            self.profile,
            self.display_name,
        )

    def identity(self, claim: ClaimPractitioner) -> PractitionerIdentity:
        """The practitioner block of a note d'honoraires for `claim` (its identifiers, our address)."""
        return PractitionerIdentity(
            full_name=claim.full_name or self.display_name,
            profile=claim.profile,
            rpps=claim.rpps,
            am_number=claim.am_number,
            address_lines=self.address_lines,
        )
