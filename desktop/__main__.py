"""`python -m desktop` / `teleconsult`: start the practitioner client."""

from __future__ import annotations

import os
import sys


def main() -> None:
    # Pydantic looks for plugins in every installed package's entry points on its first model:
    # none is used here, and the search costs the start-up tens of milliseconds.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from desktop.app import run

    sys.exit(run(sys.argv))


if __name__ == "__main__":
    main()
