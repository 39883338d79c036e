"""`python -m desktop` / `teleconsult`: start the practitioner client."""

from __future__ import annotations

import sys


def main() -> None:
    from desktop.app import run

    sys.exit(run(sys.argv))


if __name__ == "__main__":
    main()
