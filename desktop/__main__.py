"""`python -m desktop` / `teleconsult`: start the practitioner client."""

from __future__ import annotations

import os
import sys

# What `teleconsult[desktop]` adds to the server's install (pyproject.toml): on a server-only install
# the `teleconsult` command says how to get the client instead of printing a traceback.
DESKTOP_ONLY = frozenset(
    {
        "PySide6",
        "shiboken6",
        "qasync",
        "aiortc",
        "av",
        "numpy",
        "sounddevice",
        "keyring",
        "reportlab",
        "pypdfium2",
    }
)
NOT_INSTALLED = (
    "Teleconsult : cette installation est celle du serveur seul, sans l'application de bureau "
    "({module} manque). Pour l'application : pip install 'teleconsult[desktop]'"
)


def main() -> None:
    # Pydantic looks for plugins in every installed package's entry points on its first model:
    # none is used here, and the search costs the start-up tens of milliseconds.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        from desktop.app import run
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in DESKTOP_ONLY:
            raise
        sys.exit(NOT_INSTALLED.format(module=exc.name.split(".")[0]))

    sys.exit(run(sys.argv))


if __name__ == "__main__":
    main()
