"""The architecture document's import graph is the code's (scripts/import_graph.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_graph_in_docs_is_drawn_from_the_current_code() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/import_graph.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
