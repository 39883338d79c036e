"""Accessibility checks run inside a real page: axe-core (WCAG 2.2 AA), layout shifts, focus rings.

axe-core comes from npm (`package.json` devDependencies; CI runs `npm ci` first). It is evaluated
through the DevTools protocol (`page.evaluate`), not injected as a `<script>`: the patient pages'
Content-Security-Policy forbids inline scripts, and a violation fails the browser tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Sums the page's layout shifts not caused by the user's input (the CLS of the page's lifetime).
CLS_OBSERVER = """
window.__cls = 0;
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__cls += entry.value;
    const moved = (entry.sources || []).map((s) => s.node && s.node.nodeType === 1
      ? `${s.node.tagName.toLowerCase()}${s.node.id ? "#" + s.node.id : ""}.${s.node.className}` +
        ` ${JSON.stringify([s.previousRect.y, s.previousRect.height, s.currentRect.y, s.currentRect.height])}`
      : "?");
    window.__shifts.push(`${entry.value.toFixed(3)} ${moved.join(" ")}`);
  }
}).observe({ type: "layout-shift", buffered: true });
"""

# Every focusable element's ring once focused, and what the ring is drawn on: the first opaque
# background behind it (the outline sits outside the element, 2px off), as [r, g, b] lists. The
# page was given a key press first, so a programmatic focus() matches :focus-visible as a Tab would.
FOCUS_RINGS = """
() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const selector =
    'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"]), video[controls]';
  const rings = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || !el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    let node = el.parentElement;
    let behind = [255, 255, 255];
    while (node) {
      const bg = rgb(getComputedStyle(node).backgroundColor);
      if (bg.length === 3 || (bg.length === 4 && bg[3] > 0.5)) { behind = bg.slice(0, 3); break; }
      node = node.parentElement;
    }
    const label =
      (el.getAttribute("aria-label") || el.textContent || el.id || el.tagName).trim().slice(0, 40);
    rings.push({ label, style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                 outline: rgb(style.outlineColor).slice(0, 3), behind });
    el.blur();
  }
  return rings;
}
"""


def need_axe() -> str:
    """axe-core's source; skips (fails in CI) when `npm ci` has not been run."""
    need(AXE.is_file(), f"axe-core introuvable ({AXE}) : lancez « npm ci » (ou make lint)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[str]:
    """WCAG 2.2 A/AA violations of the page as it is now: « rule (impact): selectors »."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: tags}).then((r) => r.violations.map((v) =>"
        " `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`))",
        WCAG_22_AA,
    )
    return [str(item) for item in found]


def luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def focus_rings(page: Any) -> list[dict[str, Any]]:
    """The focus ring of every visible focusable element of the page."""
    page.keyboard.press("Shift")  # keyboard modality: focus() now shows the :focus-visible ring
    rings: list[dict[str, Any]] = page.evaluate(FOCUS_RINGS)
    return rings


def weak_focus_rings(rings: list[dict[str, Any]], minimum: float = 3.0) -> list[str]:
    """The rings that are missing or under `minimum`:1 against what they are drawn on."""
    weak: dict[str, str] = {}  # one line per kind of failure: the first element that shows it
    for ring in rings:
        ratio = contrast(ring["outline"], ring["behind"])
        if ring["style"] == "none" or ring["width"] < 2 or ratio < minimum:
            kind = json.dumps([ring["style"], ring["width"], ring["outline"], ring["behind"]])
            line = f"{ring['label']!r}: {ring['style']} {ring['width']}px, {ratio:.2f}:1 {kind}"
            weak.setdefault(kind, line)
    return list(weak.values())
