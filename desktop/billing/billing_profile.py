"""Who bills: the practitioner's billing facts read from the server's `/me`, in the billing domain's terms.

The account's codes (`medecin_generaliste`, `psychiatrie_enfant`, `secteur_3`) become the act
catalog's terms through `contracts.billing.professions.profile_of_account`; this module builds what a
claim and a note d'honoraires print about the practitioner.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.billing.claim_parts import ClaimPractitioner
from contracts.billing.professions import PractitionerProfile, card_specialty_code, profile_of_account
from contracts.professions import SECTOR_NOTICES, display_name
from contracts.wire.accounts import UserPublic
from desktop.billing.fee_notes import PractitionerIdentity


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
        sector_code = _text(user.sector) or "secteur_1"
        profile = profile_of_account(user.profession, user.specialty, sector_code)
        code = card_specialty_code(profile) if profile is not None else ""
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
        return display_name(self.first_name, self.last_name, self.server_profession)

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
