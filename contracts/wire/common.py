"""What every wire model shares: request bodies refuse unknown fields, errors are French."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    code: str
    detail: str
    field: str | None = None


class HealthPublic(BaseModel):
    status: str
    database: str
    version: str


_TYPE_MESSAGES = {
    "missing": "Le champ « {f} » est obligatoire.",
    "extra_forbidden": "Le champ « {f} » n'est pas accepté.",
    "string_too_long": "Le champ « {f} » est trop long.",
    "string_too_short": "Le champ « {f} » est trop court.",
    "too_long": "Le champ « {f} » contient trop d'éléments.",
    "too_short": "Le champ « {f} » ne contient pas assez d'éléments.",
    "date_parsing": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "date_type": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "datetime_parsing": "Le champ « {f} » doit être une date et une heure (ISO 8601).",
    "datetime_type": "Le champ « {f} » doit être une date et une heure (ISO 8601).",
    "timezone_aware": "Le champ « {f} » doit être une date et une heure avec fuseau (…Z).",
    "uuid_parsing": "Le champ « {f} » doit être un identifiant (UUID).",
    "uuid_type": "Le champ « {f} » doit être un identifiant (UUID).",
    "literal_error": "Le champ « {f} » a une valeur non acceptée.",
    "enum": "Le champ « {f} » a une valeur non acceptée.",
    "greater_than": "Le champ « {f} » est trop petit.",
    "greater_than_equal": "Le champ « {f} » est trop petit.",
    "less_than": "Le champ « {f} » est trop grand.",
    "less_than_equal": "Le champ « {f} » est trop grand.",
    "decimal_max_places": "Le champ « {f} » a trop de décimales.",
    "decimal_parsing": "Le champ « {f} » doit être un nombre.",
    "value_error": "Le champ « {f} » est invalide.",
}

_LOCATIONS = ("body", "query", "path", "header", "cookie")


def french_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """Pydantic's errors as French sentences: the first one, and one entry per problem."""
    items = []
    for err in errors:
        kind = str(err.get("type", ""))
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        name = ".".join(loc)
        if kind == "json_invalid":
            name = ""
            text = "Le corps de la requête n'est pas un JSON valide."
        elif kind in ("model_attributes_type", "dict_type", "model_type") and not loc:
            text = "Le corps de la requête doit être un objet JSON."
        elif kind == "missing" and not loc:
            text = "Le corps de la requête est vide."
        elif kind == "value_error" and isinstance((err.get("ctx") or {}).get("error"), ValueError):
            # Our own validators explain in French (e.g. money written as « 25.00 »).
            text = f"Le champ « {name} » est invalide : {err['ctx']['error']}."
        elif kind in _TYPE_MESSAGES:
            text = _TYPE_MESSAGES[kind].format(f=name)
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            text = f"Le champ « {name} » n'a pas le bon type."
        else:
            text = f"Le champ « {name} » est invalide."
        items.append({"field": name, "detail": text})
    first = items[0]["detail"] if items else "Requête invalide."
    return first, items
