"""Draw the import graph of the code into docs/architecture.md (between its two markers).

The graph is read from the code (grimp, the library import-linter uses), one node per package of
the first level under `contracts`, `server` and `desktop`; an arrow A → B says some module of A
imports some module of B. `python scripts/import_graph.py` rewrites the section;
`--check` exits 1 when the document is out of date (a test runs it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- import-graph:begin (scripts/import_graph.py) -->"
END = "<!-- import-graph:end -->"
TOPS = ("contracts", "server", "desktop")
SKIP = {"server.__main__", "desktop.__main__", "server.all_models"}


def _unit(module: str) -> str:
    """The drawn node of a module: its package at the first level under its top package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def edges() -> dict[str, set[str]]:
    graph = grimp.build_graph(*TOPS, include_external_packages=False)
    found: dict[str, set[str]] = {}
    for module in sorted(graph.modules):
        source = _unit(module)
        if source in SKIP or source in TOPS:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _unit(imported)
            if target != source and target not in SKIP and target not in TOPS:
                found.setdefault(source, set()).add(target)
    return found


def _id(unit: str) -> str:
    return unit.replace(".", "_")


def mermaid(found: dict[str, set[str]]) -> str:
    lines = ["```mermaid", "flowchart TD"]
    for top in TOPS:
        units = sorted(
            {u for u in found if u.startswith(top + ".")}
            | {t for targets in found.values() for t in targets if t.startswith(top + ".")}
        )
        lines.append(f"  subgraph {top}")
        lines.extend(f"    {_id(u)}[{u.split('.', 1)[1]}]" for u in units)
        lines.append("  end")
    for source in sorted(found):
        for target in sorted(found[source]):
            lines.append(f"  {_id(source)} --> {_id(target)}")
    lines.append("```")
    return "\n".join(lines)


def section() -> str:
    found = edges()
    count = sum(len(t) for t in found.values())
    return f"{BEGIN}\n{mermaid(found)}\n\n{count} package-level import edges.\n{END}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/architecture.md is stale")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    fresh = text[:start] + section() + text[end:]
    if args.check:
        if fresh != text:
            print("docs/architecture.md is out of date: run python scripts/import_graph.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
