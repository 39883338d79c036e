"""`python -m server` / `teleconsult-server`."""

from __future__ import annotations

import sys

from server.main import main as _main


def main() -> None:
    sys.exit(_main())


if __name__ == "__main__":
    main()
