"""The server's fixed lists for practitioner sign-up (the desktop may not import the server).

Kept in step with `server/domain/professions.py` by `tests/desktop/domain/test_professions.py`.
"""

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

SPECIALIST = "medecin_specialiste"


def rpps_check_digit(first_ten: str) -> str:
    """Luhn check digit of the first ten RPPS digits."""
    total = 0
    for index, char in enumerate(reversed(first_ten)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_rpps(value: str) -> bool:
    """Eleven digits with a correct Luhn key (checked before the server says so)."""
    digits = value.replace(" ", "")
    return len(digits) == 11 and digits.isdigit() and rpps_check_digit(digits[:10]) == digits[10]
