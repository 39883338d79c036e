"""Accounts on the wire: sign-in, sign-up, the current user, password reset."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from contracts.wire.common import Input, PersonName

# Names are capped generously here so that the domain answers a long name with its own French
# sentence ("trop long, 100 caractères au plus") rather than a generic validation message.
NAME = Field(max_length=1000)


class LoginCreate(Input):
    role: Literal["practitioner", "patient"]
    identifier: str = Field(min_length=1, max_length=254, description="Adresse e-mail ou numéro de téléphone")
    password: str = Field(min_length=1, max_length=256)


class PractitionerCreate(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    first_name: PersonName = Field(max_length=500)
    last_name: PersonName = Field(max_length=500)
    profession: str = Field(max_length=40)
    specialty: str | None = Field(default=None, max_length=80)
    rpps: str = Field(max_length=20)
    sector: str = Field(default="secteur_1", max_length=20)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=255)
    am_number: str | None = Field(default=None, max_length=12)


class UserPublic(BaseModel):
    id: str
    role: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    profession: str | None = None
    specialty: str | None = None
    sector: str | None = None
    plan: str | None = None
    rpps: str | None = None
    am_number: str | None = None
    city: str | None = None
    postal_code: str | None = None
    address: str | None = None
    event_seq: int

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def can_invite(self) -> bool:
        """Inviting autonomous patients needs the PRO+ plan (the server refuses it otherwise)."""
        return self.plan == "PRO+"


class AccountUpdatedEvent(BaseModel):
    """`account.updated`: the practitioner's plan changed (PRO / PRO+)."""

    plan: str


class SessionPublic(BaseModel):
    token: str
    user: UserPublic


class PersonPublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    profession: str | None = None
    specialty: str | None = None
    city: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PatientCreate(Input):
    first_name: PersonName = NAME
    last_name: PersonName = NAME
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    password: str = Field(max_length=256)


class PatientSignupStartedPublic(BaseModel):
    """The answer to a patient sign-up: the same whether or not the contact has an account."""

    signup_id: str
    channel: Literal["email", "sms"]
    detail: str


class PatientSignupConfirm(Input):
    code: str = Field(min_length=1, max_length=12)


class PasswordResetCreate(Input):
    identifier: str = Field(min_length=1, max_length=254, description="Adresse e-mail ou numéro de portable")
    role: Literal["patient", "practitioner"] = "patient"


class PasswordResetStartedPublic(BaseModel):
    reset_id: str
    detail: str


class PasswordResetConfirm(Input):
    code: str = Field(min_length=1, max_length=12)
    password: str = Field(max_length=256)
