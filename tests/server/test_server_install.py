"""The server installs and runs without the desktop's packages (Qt, WebRTC, media, PDF, keyring).

`pip install teleconsult` is the companion server; `teleconsult[desktop]` adds what only the
practitioner's client needs (pyproject.toml, docs/decisions.md). Here:
- every import of `server/` and `contracts/` is the standard library's, our own, or a module of a
  distribution the server install brings (its requirements, followed transitively);
- in the server-only virtualenv of `make test` (TELECONSULT_SERVER_VENV=1), no distribution of the
  `desktop` extra is installed and PySide6, av, aiortc… cannot be imported;
- the installed `teleconsult-server` console script starts and serves the API and the patient pages;
  its `teleconsult` (the desktop client) says in French what to install instead of a traceback.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers.server_process import ServerChild

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "teleconsult"
FIRST_PARTY = frozenset({"server", "contracts", "resources"})  # never "desktop"
IN_SERVER_VENV = os.environ.get("TELECONSULT_SERVER_VENV") == "1"
# What the desktop alone imports: none of it may be importable in the server-only virtualenv.
DESKTOP_MODULES = (
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
    "pytestqt",
)


def _requirements(name: str, extras: frozenset[str]) -> list[Requirement]:
    """The requirements of distribution `name` installed with `extras` (markers evaluated here)."""
    wanted = []
    for line in metadata.requires(name) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras or {""}):
            wanted.append(requirement)
    return wanted


def desktop_requirements() -> list[Requirement]:
    """What `teleconsult[desktop]` adds to `teleconsult`."""
    base = {str(r) for r in _requirements(DISTRIBUTION, frozenset())}
    return [r for r in _requirements(DISTRIBUTION, frozenset({"desktop"})) if str(r) not in base]


def server_distributions() -> set[str]:
    """The distributions `pip install teleconsult` (no extra) installs, ours excluded, normalised."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    todo = [(DISTRIBUTION, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        for requirement in _requirements(name, extras):
            found.add(canonicalize_name(requirement.name))
            todo.append((requirement.name, frozenset(requirement.extras)))
    found.discard(DISTRIBUTION)
    return found


def importable_from(distributions: set[str]) -> set[str]:
    """The top-level modules those distributions provide."""
    return {
        module
        for module, owners in metadata.packages_distributions().items()
        if any(canonicalize_name(owner) in distributions for owner in owners)
    }


def imported_top_modules(source: str) -> Iterable[tuple[int, str]]:
    """(line, top-level module) of every absolute import of a module's source, nested ones included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def foreign_imports(source: str, where: str, allowed: set[str]) -> list[str]:
    return [
        f"{where}:{line} imports {module}"
        for line, module in imported_top_modules(source)
        if module not in allowed and module not in sys.stdlib_module_names
    ]


@pytest.fixture(scope="module")
def server_modules() -> set[str]:
    allowed = importable_from(server_distributions()) | FIRST_PARTY
    # the install is what the server runs on: if these were missing the check would prove nothing
    assert {"fastapi", "sqlalchemy", "uvicorn", "pydantic", "babel", "holidays"} <= allowed, allowed
    return allowed


def test_server_and_contracts_import_only_what_the_server_install_brings(server_modules: set[str]) -> None:
    files = sorted([*(ROOT / "server").rglob("*.py"), *(ROOT / "contracts").rglob("*.py")])
    assert len(files) > 100, "the server's sources were not found"
    problems = [
        problem
        for path in files
        for problem in foreign_imports(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), server_modules
        )
    ]
    assert not problems, "the server install does not bring what these import:\n" + "\n".join(problems)


def test_the_check_sees_a_desktop_import_wherever_it_is(server_modules: set[str]) -> None:
    source = (
        "import PySide6.QtCore\n"
        "from desktop.app import run\n"
        "def late():\n"
        "    from reportlab.pdfgen import canvas\n"
        "    import av, numpy\n"
        "from fastapi import APIRouter\n"
        "from . import sibling\n"
    )
    assert foreign_imports(source, "x.py", server_modules) == [
        "x.py:1 imports PySide6",
        "x.py:2 imports desktop",
        "x.py:4 imports reportlab",
        "x.py:5 imports av",
        "x.py:5 imports numpy",
    ]


def test_the_desktop_extra_names_the_qt_and_media_stack() -> None:
    desktop = {canonicalize_name(r.name) for r in desktop_requirements()}
    assert {"pyside6-essentials", "shiboken6", "qasync", "aiortc", "av", "sounddevice"} <= desktop
    assert not desktop & server_distributions(), "a desktop package is also a server dependency"


@pytest.mark.skipif(not IN_SERVER_VENV, reason="only in the server-only virtualenv of `make test`")
def test_the_server_virtualenv_has_no_desktop_package() -> None:
    installed = []
    for name in (r.name for r in desktop_requirements()):
        with contextlib.suppress(metadata.PackageNotFoundError):
            installed.append(f"{name} {metadata.version(name)}")
    assert not installed, f"desktop packages in the server install: {installed}"
    for module in DESKTOP_MODULES:
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(module)
        assert module not in sys.modules


@pytest.mark.skipif(not IN_SERVER_VENV, reason="only in the server-only virtualenv of `make test`")
def test_the_desktop_command_of_a_server_install_says_what_to_install(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("teleconsult")
    assert script.is_file(), f"{script}: the console script of the installed distribution is missing"
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 1, (done.returncode, done.stderr)
    missing = re.search(r"\((\w+) manque\)", done.stderr)
    assert missing and missing[1] in DESKTOP_MODULES, done.stderr
    assert "pip install 'teleconsult[desktop]'" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_teleconsult_server_starts_and_serves_from_its_install(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("teleconsult-server")
    assert script.is_file(), f"{script}: the console script of the installed distribution is missing"
    with (
        ServerChild(tmp_path, inherit_settings=False, program=(str(script),)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        health = client.get("/api/v1/health")
        assert health.status_code == 200 and health.json()["database"] == "sqlite", health.text
        assert client.get("/api/v1/openapi.json").json()["paths"]
        page = client.get("/connexion")
        assert page.status_code == 200 and 'lang="fr"' in page.text
