"""The fixed lists of professions, medical specialties, convention sectors and plans (codes → French
labels), for accounts, the directory, messages and the patient pages alike."""

from __future__ import annotations

PROFESSIONS: dict[str, str] = {
    "medecin_generaliste": "Médecin généraliste",
    "medecin_specialiste": "Médecin spécialiste",
    "infirmier": "Infirmier / infirmière",
    "sage_femme": "Sage-femme",
    "masseur_kinesitherapeute": "Masseur-kinésithérapeute",
    "orthophoniste": "Orthophoniste",
    "chirurgien_dentiste": "Chirurgien-dentiste",
    "psychologue": "Psychologue",
    "dieteticien": "Diététicien / diététicienne",
    "pharmacien": "Pharmacien / pharmacienne",
}

SPECIALTIES: dict[str, str] = {
    "allergologie": "Allergologie",
    "anesthesiologie": "Anesthésie-réanimation",
    "cardiologie": "Cardiologie",
    "dermatologie": "Dermatologie et vénérologie",
    "endocrinologie": "Endocrinologie, diabétologie, nutrition",
    "gastro_enterologie": "Hépato-gastro-entérologie",
    "geriatrie": "Gériatrie",
    "gynecologie_medicale": "Gynécologie médicale",
    "gynecologie_obstetrique": "Gynécologie obstétrique",
    "hematologie": "Hématologie",
    "infectiologie": "Maladies infectieuses et tropicales",
    "medecine_interne": "Médecine interne",
    "medecine_physique": "Médecine physique et de réadaptation",
    "nephrologie": "Néphrologie",
    "neurologie": "Neurologie",
    "oncologie": "Oncologie",
    "ophtalmologie": "Ophtalmologie",
    "orl": "Oto-rhino-laryngologie",
    "pediatrie": "Pédiatrie",
    "pneumologie": "Pneumologie",
    "psychiatrie": "Psychiatrie",
    "psychiatrie_enfant": "Pédopsychiatrie",
    "radiologie": "Radiologie",
    "rhumatologie": "Rhumatologie",
    "urologie": "Urologie",
}

SECTORS: dict[str, str] = {
    "secteur_1": "Secteur 1",
    "secteur_2": "Secteur 2",
    "secteur_2_optam": "Secteur 2 avec OPTAM",
    "secteur_3": "Non conventionné",
    "non_applicable": "Non applicable",
}

# How a patient reads the practitioner's sector (payment banner, fee notice, note d'honoraires).
SECTOR_NOTICES: dict[str, str] = {
    "secteur_1": "Praticien conventionné secteur 1",
    "secteur_2": "Praticien conventionné secteur 2 (honoraires libres)",
    "secteur_2_optam": "Praticien conventionné secteur 2, adhérent OPTAM",
    "secteur_3": "Praticien non conventionné",
    "non_applicable": "Conventionnement : non applicable à cette profession",
}

PLANS = ("PRO", "PRO+")
SPECIALIST = "medecin_specialiste"  # the profession that names a specialty
DOCTOR_PROFESSIONS = ("medecin_generaliste", "medecin_specialiste", "chirurgien_dentiste")  # « Dr »


def display_name(first_name: str, last_name: str, profession: str | None) -> str:
    """ "Dr Claire Martin" for doctors and dentists, "Claire Martin" otherwise."""
    name = f"{first_name} {last_name}".strip()
    return f"Dr {name}" if profession in DOCTOR_PROFESSIONS else name
