"""What every wire model shares: request bodies refuse unknown fields and text the database would
refuse, errors are French."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator

# ---------------------------------------------------------------- the input policy (issue 11)
# Integers the server reads land at most in a signed 64-bit column (BIGINT: sequence numbers).
MAX_BIGINT = 2**63 - 1

# Refused in every text the server reads: C0 and C1 control characters (NUL among them, which
# PostgreSQL refuses in text) and lone surrogates (not encodable in UTF-8). A field written on
# several lines (a message) accepts tab, line feed and carriage return.
_REFUSED_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why the input policy refuses `value` (French, to follow « invalide : »), or None."""
    found = (_REFUSED_IN_TEXT if multiline else _REFUSED_IN_LINE).search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"texte mal encodé (U+{ord(char):04X} isolé)"
    if char in "\t\n\r":
        return "retour à la ligne ou tabulation non accepté, écrivez-le sur une ligne"
    return f"caractère invisible non accepté (U+{ord(char):04X})"


def find_text_problem(
    value: Any, *, multiline: bool = False, multiline_keys: frozenset[str] = frozenset(), path: str = ""
) -> tuple[str, str] | None:
    """(where, why) of the first string in `value` the policy refuses, lists and objects walked;
    the strings under a key of `multiline_keys` accept tabs and line breaks."""
    if isinstance(value, str):
        problem = text_problem(value, multiline=multiline)
        return None if problem is None else (path, problem)
    items: list[tuple[str, Any, bool]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := text_problem(key)) is not None:
                return where, problem
            items.append((where, item, multiline or key in multiline_keys))
    elif isinstance(value, (list, tuple)):
        items = [(f"{path}.{i}" if path else str(i), item, multiline) for i, item in enumerate(value)]
    for where, item, item_multiline in items:
        found = find_text_problem(item, multiline=item_multiline, multiline_keys=multiline_keys, path=where)
        if found is not None:
            return found
    return None


def _line(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A one-line text under the policy, for what is not a field of an `Input` (query strings, path ids).
Line = Annotated[str, AfterValidator(_line)]

# Refused in a person's name besides: the bidirectional controls (embeddings and overrides
# U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F and U+061C). A name is shown to
# others; « U+202E » turns « Zoé‮exe.pdf » around on their screen.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def name_problem(value: str) -> str | None:
    """Why a person's name is refused beyond the input policy (French, after « invalide : »), or None."""
    found = _BIDI_CONTROLS.search(value)
    if found is None:
        return None
    return f"caractère de contrôle du sens d'écriture non accepté (U+{ord(found.group()):04X})"


def _person_name(value: str) -> str:
    problem = name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A person's first or last name in a request body.
PersonName = Annotated[str, AfterValidator(_person_name)]


class Input(BaseModel):
    """Base of request bodies and of the socket frames the server reads: unknown fields are refused,
    and every string in every field follows the input policy (`text_problem`); the fields named in
    `multiline_fields` accept tabs and line breaks."""

    model_config = ConfigDict(extra="forbid")
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _text_policy(cls, value: Any, info: ValidationInfo) -> Any:
        found = find_text_problem(value, multiline=info.field_name in cls.multiline_fields)
        if found is not None:
            raise ValueError(found[1])
        return value


class ErrorPublic(BaseModel):
    code: str
    detail: str
    field: str | None = None


class FieldErrorPublic(BaseModel):
    """One problem of a refused request: the field at fault (dotted, « » for the whole body)."""

    field: str
    detail: str


class InvalidInputPublic(ErrorPublic):
    """A 422 `invalid_input`: the first problem in `detail`, every problem in `errors`."""

    errors: list[FieldErrorPublic] = []


class HealthPublic(BaseModel):
    status: str  # "ok", or "degraded" when the bus or the storage is (the server still answers)
    database: str
    version: str
    bus: str = "ok"  # "ok" | "degraded": live frames between processes may be late
    storage: str = "ok"  # "ok" | "full": writes are refused (503 storage_full), reads work


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
    "string_unicode": "Le champ « {f} » est invalide : texte mal encodé (caractère Unicode isolé).",
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
