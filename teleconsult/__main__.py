"""`python -m teleconsult` (what `briefcase dev` and the packaged app run)."""

from __future__ import annotations

from desktop.__main__ import main

if __name__ == "__main__":
    main()
