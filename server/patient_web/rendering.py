"""Page rendering: the shell template around a fragment, with values escaped at the boundary."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
HELP_DIR = Path(__file__).parent / "help"


@cache
def template(name: str) -> Template:
    """A template file; `$name` placeholders receive HTML that the caller has escaped."""
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(
    title: str, page: str, main: str, status_code: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """The shell around `main` (already-escaped HTML), loading the page's JavaScript module."""
    body = template("shell.html").substitute(title=html.escape(title), page=page, main=main)
    return HTMLResponse(body, status_code=status_code, headers=headers)


def fragment(name: str, **values: str) -> str:
    """A page fragment; `values` are escaped here."""
    return template(f"{name}.html").substitute({k: html.escape(v) for k, v in values.items()})
