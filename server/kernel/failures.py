"""What the log may say of a failure: its type, the database operation and where it happened.

A database error's text carries values: SQLAlchemy appends the statement's parameters (unless the
engine hides them), and the database's own message may quote a row (PostgreSQL's « DETAIL: Key
(email)=(…) already exists »). In a group commit those are other people's messages. So failures
are logged with `failure(exc)` and never with `exc_info` or `str(exc)`: the types of the exception
and of its causes, the SQL operation (« INSERT INTO messages »), and the frames of our code it went
through (file, line, function), which is enough to find the bug and shows no value.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from sqlalchemy.exc import StatementError

_OPERATION = re.compile(
    r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|SELECT|BEGIN|COMMIT|ROLLBACK|\w+)(?:\s+(\"?[\w.]+\"?))?",
    re.IGNORECASE,
)
_FRAMES = 6
_ROOT = Path(__file__).resolve().parents[2]


def operation(statement: str | None) -> str | None:
    """« INSERT INTO messages », « UPDATE conversations », « SELECT »: a statement's kind and table."""
    if not statement:
        return None
    found = _OPERATION.match(statement)
    if found is None:
        return None
    verb = " ".join(found.group(1).upper().split())
    table = found.group(2) if verb != "SELECT" else None
    return f"{verb} {table}" if table else verb


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 5:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if not _outside(f.filename)] or frames[-1:]
    return " > ".join(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in ours[-_FRAMES:])


def _outside(filename: str) -> bool:
    return "site-packages" in filename or not filename.startswith(str(_ROOT))


def _short(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(_ROOT))
    except ValueError:
        return Path(filename).name


def failure(exc: BaseException) -> str:
    """The failure as the log may show it: types, operation, frames; never a message or a value."""
    chain = _chain(exc)
    text = " ← ".join(_type_name(e) for e in chain)
    statement = next((e.statement for e in chain if isinstance(e, StatementError)), None)
    op = operation(statement)
    if op:
        text += f" during {op}"
    where = _where(exc)
    return f"{text} at {where}" if where else text
