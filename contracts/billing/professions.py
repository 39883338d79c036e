"""Who bills: professions, medical specialties, conventionnement sectors and the practitioner profile."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def lower_first(text: str) -> str:
    """« Acte régulé (15 ou SAS) » → « acte régulé (15 ou SAS) »: lower the first letter only."""
    return text[:1].lower() + text[1:]


class Profession(StrEnum):
    """Regulated health professions that may bill a télésanté act."""

    MEDECIN = "medecin"
    SAGE_FEMME = "sage_femme"
    INFIRMIER = "infirmier"
    MASSEUR_KINESITHERAPEUTE = "masseur_kinesitherapeute"
    ORTHOPHONISTE = "orthophoniste"
    PEDICURE_PODOLOGUE = "pedicure_podologue"

    @property
    def label(self) -> str:
        """French label."""
        return _PROFESSION_LABELS[self]


_PROFESSION_LABELS = {
    Profession.MEDECIN: "Médecin",
    Profession.SAGE_FEMME: "Sage-femme",
    Profession.INFIRMIER: "Infirmier ou infirmière",
    Profession.MASSEUR_KINESITHERAPEUTE: "Masseur-kinésithérapeute",
    Profession.ORTHOPHONISTE: "Orthophoniste",
    Profession.PEDICURE_PODOLOGUE: "Pédicure-podologue",
}


class Specialty(StrEnum):
    """A doctor's specialty, as far as billing rules tell them apart."""

    MEDECINE_GENERALE = "medecine_generale"
    PSYCHIATRIE = "psychiatrie"
    PEDIATRIE = "pediatrie"
    GYNECOLOGIE_MEDICALE = "gynecologie_medicale"
    NEUROLOGIE = "neurologie"
    AUTRE = "autre_specialite"

    @property
    def label(self) -> str:
        """French label."""
        return _SPECIALTY_LABELS[self]


_SPECIALTY_LABELS = {
    Specialty.MEDECINE_GENERALE: "Médecine générale",
    Specialty.PSYCHIATRIE: "Psychiatrie",
    Specialty.PEDIATRIE: "Pédiatrie",
    Specialty.GYNECOLOGIE_MEDICALE: "Gynécologie médicale",
    Specialty.NEUROLOGIE: "Neurologie",
    Specialty.AUTRE: "Autre spécialité",
}


class Sector(StrEnum):
    """Conventionnement sector (for auxiliaires médicaux and midwives, « conventionné » is secteur 1)."""

    SECTEUR_1 = "secteur_1"
    SECTEUR_2_OPTAM = "secteur_2_optam"
    SECTEUR_2 = "secteur_2"
    NON_CONVENTIONNE = "non_conventionne"

    @property
    def label(self) -> str:
        """French label, as printed on a note d'honoraires."""
        return _SECTOR_LABELS[self]


_SECTOR_LABELS = {
    Sector.SECTEUR_1: "Conventionné secteur 1",
    Sector.SECTEUR_2_OPTAM: "Conventionné secteur 2, adhérent OPTAM",
    Sector.SECTEUR_2: "Conventionné secteur 2 (honoraires libres)",
    Sector.NON_CONVENTIONNE: "Non conventionné",
}


class Activity(StrEnum):
    """What kind of remote act the practitioner performed."""

    TELECONSULTATION = "teleconsultation"
    ACCOMPAGNEMENT = "accompagnement"
    TELESOIN = "telesoin"
    TELEEXPERTISE_REQUIS = "teleexpertise_requis"
    TELEEXPERTISE_REQUERANT = "teleexpertise_requerant"

    @property
    def label(self) -> str:
        """French label."""
        return _ACTIVITY_LABELS[self]


_ACTIVITY_LABELS = {
    Activity.TELECONSULTATION: "Téléconsultation",
    Activity.ACCOMPAGNEMENT: "Accompagnement d’une téléconsultation",
    Activity.TELESOIN: "Télésoin",
    Activity.TELEEXPERTISE_REQUIS: "Téléexpertise (avis donné)",
    Activity.TELEEXPERTISE_REQUERANT: "Téléexpertise (avis demandé)",
}


class NurseSetting(StrEnum):
    """Where a nurse accompanies a patient during a doctor's teleconsultation (TLD / TLL / TLS)."""

    DOMICILE = "domicile"
    LIEU_DEDIE = "lieu_dedie"
    SOIN_PREVU = "soin_prevu"

    @property
    def label(self) -> str:
        """French description of the setting."""
        return _SETTING_LABELS[self]


_SETTING_LABELS = {
    NurseSetting.DOMICILE: "déplacement organisé spécifiquement au domicile du patient",
    NurseSetting.LIEU_DEDIE: "séance dans un lieu dédié à la téléconsultation",
    NurseSetting.SOIN_PREVU: "au décours d’un soin infirmier déjà prévu",
}


@dataclass(frozen=True, slots=True)
class PractitionerProfile:
    """The billing-relevant facts about a practitioner.

    Args:
        profession: the regulated profession.
        sector: conventionnement sector.
        specialty: required for doctors, ignored otherwise.
    """

    profession: Profession
    sector: Sector = Sector.SECTEUR_1
    specialty: Specialty | None = None

    @property
    def sector_label(self) -> str:
        """« Conventionné secteur 1 » for a doctor, « Conventionné » for the other professions."""
        if self.profession is Profession.MEDECIN or self.sector is Sector.NON_CONVENTIONNE:
            return self.sector.label
        return "Conventionné"

    @property
    def label(self) -> str:
        """« Médecin — Médecine générale », « Infirmier ou infirmière »…"""
        if self.profession is Profession.MEDECIN and self.specialty is not None:
            return f"{self.profession.label} — {self.specialty.label}"
        return self.profession.label

    def default_activity(self, setting: NurseSetting | None = None) -> Activity:
        """The activity assumed after a call when the practitioner did not say."""
        if self.profession in {Profession.MEDECIN, Profession.SAGE_FEMME}:
            return Activity.TELECONSULTATION
        if self.profession is Profession.INFIRMIER and setting is not None:
            return Activity.ACCOMPAGNEMENT
        return Activity.TELESOIN


# ---------------------------------------------------------------- from the account's codes
# Accounts use the codes of `contracts.professions` (`medecin_generaliste`, `psychiatrie_enfant`,
# `secteur_3`…); the act catalog reasons with the enums above. One mapping, used by both sides.
_ACCOUNT_PROFESSIONS = {
    "medecin_generaliste": Profession.MEDECIN,
    "medecin_specialiste": Profession.MEDECIN,
    "infirmier": Profession.INFIRMIER,
    "sage_femme": Profession.SAGE_FEMME,
    "masseur_kinesitherapeute": Profession.MASSEUR_KINESITHERAPEUTE,
    "orthophoniste": Profession.ORTHOPHONISTE,
}
_ACCOUNT_SPECIALTIES = {
    "psychiatrie": Specialty.PSYCHIATRIE,
    "psychiatrie_enfant": Specialty.PSYCHIATRIE,
    "pediatrie": Specialty.PEDIATRIE,
    "gynecologie_medicale": Specialty.GYNECOLOGIE_MEDICALE,
    "neurologie": Specialty.NEUROLOGIE,
}
_ACCOUNT_SECTORS = {
    "secteur_1": Sector.SECTEUR_1,
    "secteur_2": Sector.SECTEUR_2,
    "secteur_2_optam": Sector.SECTEUR_2_OPTAM,
    "secteur_3": Sector.NON_CONVENTIONNE,
}
# Specialty codes as printed on the CPS card, to pre-fill a claim (the practitioner may correct
# them; UNVERIFIED beyond 01, médecine générale).
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


def profile_of_account(
    profession: str | None, specialty: str | None, sector: str | None
) -> PractitionerProfile | None:
    """The billing profile of an account's profession, specialty and sector codes.

    None for a profession the act catalog does not bill (a psychologist, a pharmacist…).
    """
    billed = _ACCOUNT_PROFESSIONS.get((profession or "").strip())
    if billed is None:
        return None
    chosen: Specialty | None = None
    if billed is Profession.MEDECIN:
        chosen = (
            Specialty.MEDECINE_GENERALE
            if (profession or "").strip() == "medecin_generaliste"
            else _ACCOUNT_SPECIALTIES.get((specialty or "").strip(), Specialty.AUTRE)
        )
    return PractitionerProfile(billed, _ACCOUNT_SECTORS.get((sector or "").strip(), Sector.SECTEUR_1), chosen)


def card_specialty_code(profile: PractitionerProfile) -> str:
    """The specialty code of the practitioner's CPS card (pre-filled on a claim), or ""."""
    if profile.specialty is not None:
        return _SPECIALTY_CODES.get(profile.specialty, "")
    return _PROFESSION_CODES.get(profile.profession, "")
