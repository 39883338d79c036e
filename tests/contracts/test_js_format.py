"""The patient pages write dates, times and sizes exactly as contracts.fr_format does.

`server/patient_web/static/js/format.js` runs in node (an ES module import, full ICU) in a machine
time zone that is not France's, over every month, the first of a month, both nights France changes
time, late-evening UTC instants and clocks on either side of a new year; each output is compared
with the Python function it mirrors. Without node the test skips on a developer machine and fails
in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.clock import paris_day
from contracts.fr_format import clock_time, day_label, file_size, list_time, long_paris_date, short_date
from tests.conftest import need
from tests.helpers.clock import paris
from tests.helpers.dates import DATES

FORMAT_JS = Path(__file__).resolve().parents[2] / "server" / "patient_web" / "static" / "js" / "format.js"
NODE_ZONE = "America/New_York"

RUNNER = """
import { readFileSync } from "node:fs";
const format = await import(process.env.FORMAT_JS_URL);
const { instants, nows, pairs, sizes } = JSON.parse(readFileSync(0, "utf8"));
const out = {
  zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  single: instants.map((i) => ({
    time: format.formatTime(i),
    long: format.formatLongDate(i),
    short: format.formatShortDate(i),
    key: format.dayKey(i),
  })),
  relative: pairs.map(([i, n]) => ({
    day: format.formatDay(instants[i], nows[n]),
    when: format.formatWhen(instants[i], nows[n]),
  })),
  sizes: sizes.map((s) => format.fileSize(s)),
};
process.stdout.write(JSON.stringify(out));
"""


def iso(moment: datetime) -> str:
    """As the API writes instants."""
    return moment.astimezone(UTC).isoformat()


def instants() -> list[datetime]:
    found: list[datetime] = list(DATES.values())
    for month in range(1, 13):
        first = date(2027, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        found += [
            paris(2027, month, 1, 10, 0),  # « 1er »
            paris(2027, month, 1, 0, 5),  # just after midnight in France: still the previous day in UTC
            datetime(2027, month, 15, 22, 30, tzinfo=UTC),  # already the 16th in France in summer
            datetime(2027, month, last.day, 22, 30, tzinfo=UTC),  # the 1st of the next month in summer
            paris(2027, month, last.day, 23, 30),
        ]
    for night in (datetime(2027, 3, 28, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 0, 59, tzinfo=UTC)):
        found += [night + timedelta(minutes=m) for m in (-90, 0, 1, 60, 61, 120)]
    found += [datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2027, 1, 1, 0, 30, tzinfo=UTC)]
    return found


NOWS = [
    paris(2027, 6, 20, 9, 0),
    paris(2027, 1, 2, 8, 0),  # a new year: yesterday and last week are in the year before
    paris(2027, 1, 1, 0, 10),
    datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 after the 25-hour day: 24 h ago is still today
    datetime(2026, 10, 26, 0, 30, tzinfo=UTC),
    datetime(2027, 3, 28, 22, 30, tzinfo=UTC),  # 00:30 after the 23-hour day
    datetime(2027, 3, 29, 21, 30, tzinfo=UTC),
    DATES["2-decembre"],
]
OFFSETS = [timedelta(minutes=m) for m in (0, 5, 61, 60 * 23, 60 * 25, 60 * 47)] + [
    timedelta(days=d) for d in (1, 2, 3, 5, 6, 7, 8, 30, 200, 366, 400, -1, -40)
]
SIZES = [0, 1, 640, 1023, 1024, 1536, 2560, 3584, 1024 * 124, 1024 * 1024 - 1, 1024 * 1024]
SIZES += [int(1024 * 1024 * x) for x in (1.05, 1.25, 1.75, 2.25, 2.4, 2.75, 9.95, 99.95, 1023.95, 1500)]


def run_node(payload: dict[str, object]) -> dict[str, Any]:
    node = shutil.which("node")
    need(node is not None, "node absent : installez Node.js (apt-get install nodejs) pour ce test")
    assert node is not None
    env = {**os.environ, "TZ": NODE_ZONE, "FORMAT_JS_URL": FORMAT_JS.as_uri()}
    done = subprocess.run(
        [node, "--input-type=module", "-e", RUNNER],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@dataclass(frozen=True)
class JsRun:
    """What format.js wrote, beside the inputs it was given."""

    zone: str
    instants: list[datetime]
    pairs: list[tuple[int, int]]  # (index in instants, index in NOWS)
    single: list[dict[str, str]]
    relative: list[dict[str, str]]
    sizes: list[str]


@pytest.fixture(scope="module")
def js() -> JsRun:
    # One list of instants: the fixed ones (against every clock), then each clock's own offsets.
    fixed = instants()
    moments = fixed + [now - offset for now in NOWS for offset in OFFSETS]
    pairs = [(i, n) for n in range(len(NOWS)) for i in range(len(fixed))]
    pairs += [(len(fixed) + n * len(OFFSETS) + k, n) for n in range(len(NOWS)) for k in range(len(OFFSETS))]
    out = run_node(
        {
            "instants": [iso(m) for m in moments],
            "nows": [iso(n) for n in NOWS],
            "pairs": pairs,
            "sizes": SIZES,
        }
    )
    return JsRun(out["zone"], moments, pairs, out["single"], out["relative"], out["sizes"])


def test_node_runs_in_a_zone_that_is_not_frances(js: JsRun) -> None:
    assert js.zone == NODE_ZONE


def test_times_and_dates_of_an_instant(js: JsRun) -> None:
    expected = [
        {
            "time": clock_time(m),
            "long": long_paris_date(m),
            "short": short_date(paris_day(m)),
            "key": paris_day(m).isoformat(),
        }
        for m in js.instants
    ]
    mismatches = [(iso(m), g, e) for m, g, e in zip(js.instants, js.single, expected, strict=True) if g != e]
    assert not mismatches
    assert "1er avril 2027" in {g["long"] for g in js.single}


def test_day_separators_and_list_times_relative_to_the_clock(js: JsRun) -> None:
    expected = [
        {
            "day": day_label(paris_day(js.instants[i]), paris_day(NOWS[n])),
            "when": list_time(js.instants[i], NOWS[n]),
        }
        for i, n in js.pairs
    ]
    mismatches = [
        (iso(js.instants[i]), iso(NOWS[n]), g, e)
        for (i, n), g, e in zip(js.pairs, js.relative, expected, strict=True)
        if g != e
    ]
    assert not mismatches
    said = {g["when"] for g in js.relative} | {g["day"] for g in js.relative}
    assert {"hier", "aujourd'hui", "1er janv."} <= said


def test_file_sizes(js: JsRun) -> None:
    assert js.sizes == [file_size(s) for s in SIZES]
