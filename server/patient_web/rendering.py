"""Page rendering: the shell template around a fragment, with values escaped at the boundary.

Every page carries the labels its JavaScript shows (profession names, who is called « Dr ») as a
JSON data block, `<script type="application/json" id="labels">`: the server's lists, never a copy
in JavaScript. A data block is not run, so the strict Content-Security-Policy still holds.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse

from contracts.professions import DOCTOR_PROFESSIONS, PROFESSIONS

TEMPLATES = Path(__file__).parent / "templates"
HELP_DIR = Path(__file__).parent / "help"


@cache
def template(name: str) -> Template:
    """A template file; `$name` placeholders receive HTML that the caller has escaped."""
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(
    title: str,
    page: str,
    main: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    *,
    signed_in: bool = False,
) -> HTMLResponse:
    """The shell around `main` (already-escaped HTML), loading the page's JavaScript module.

    `signed_in`: a page only a signed-in patient sees (its script sends anyone else to the sign-in
    page) comes with the signed-in navigation already shown, so that the header does not change
    height under the reader once the script runs (layout shift).
    """
    body = template("shell.html").substitute(
        title=html.escape(title),
        page=page,
        main=main,
        labels=script_json(page_labels()),
        signed_in_hidden="" if signed_in else " hidden",
        signed_out_hidden=" hidden" if signed_in else "",
    )
    return HTMLResponse(body, status_code=status_code, headers=headers)


def fragment(name: str, **values: str) -> str:
    """A page fragment; `values` are escaped here."""
    return template(f"{name}.html").substitute({k: html.escape(v) for k, v in values.items()})


def page_labels() -> dict[str, object]:
    """What the pages' JavaScript reads from #labels (server/patient_web/static/js/labels.js)."""
    return {"professions": PROFESSIONS, "doctors": list(DOCTOR_PROFESSIONS)}


def script_json(value: object) -> str:
    """`value` as JSON that cannot end its `<script>` element nor open a comment there."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text
