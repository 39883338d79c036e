"""The server's date rules with its clock set to the dates that break date code, on both databases.

Each test sets the server's clock (`TestClock`), never reads the machine's: « le patient peut
écrire jusqu'au … » ends at midnight in France; an invitation is valid 15 calendar days in
France and says until which day; notes d'honoraires are numbered per French calendar year; a
payment's message names the French day. The suite runs in a machine time zone that is not France's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import httpx
import pytest

from contracts.clock import PARIS, paris_day
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.billing import ask_payment, messages_of
from tests.helpers.clock import TestClock, paris
from tests.helpers.dates import DATES
from tests.helpers.factories import (
    Account,
    make_conversation,
    make_patient,
    make_practitioner,
    send,
    signed_in_again,
)
from tests.helpers.invitation_env import delivery_settings, invite, new_email
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.smtp_capture import SmtpCapture

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def written(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def next_paris_midnight(instant: datetime) -> datetime:
    day = paris_day(instant) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpCapture
) -> Iterator[LiveServer]:
    """A server on its own clock, which each test sets."""
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    settings = delivery_settings(tmp_path_factory.mktemp(f"dates-{request.param}"), smtp, None, **overrides)
    with LiveServer(settings, TestClock(DATES["2-decembre"])) as server:
        yield server


@pytest.fixture
def clock(dated: LiveServer) -> TestClock:
    assert isinstance(dated.clock, TestClock)
    return dated.clock


@pytest.fixture
def client(dated: LiveServer) -> Iterator[httpx.Client]:
    with unique_client(dated) as c:
        yield c


@pytest.mark.parametrize("name", list(DATES))
def test_patient_may_write_until_midnight_in_france(
    name: str, dated: LiveServer, clock: TestClock, client: httpx.Client
) -> None:
    clock.set(DATES[name])
    doctor, patient = make_practitioner(dated), make_patient(dated)
    conv = make_conversation(dated, doctor, patient)
    today = paris_day(clock())
    yesterday = {"patient_write": {"mode": "until", "until": (today - timedelta(days=1)).isoformat()}}
    refused = client.patch(f"/conversations/{conv}", json=yesterday, headers=doctor.headers)
    assert refused.status_code == 422 and "passée" in refused.json()["detail"]
    until_today = {"patient_write": {"mode": "until", "until": today.isoformat()}}
    assert client.patch(f"/conversations/{conv}", json=until_today, headers=doctor.headers).status_code == 200
    assert send(client, patient, conv, "Aujourd'hui").status_code == 201

    midnight = next_paris_midnight(clock())
    clock.set(midnight - timedelta(seconds=2), frozen=True)
    patient = signed_in_again(dated, patient)  # hours later: the earlier session has timed out
    assert send(client, patient, conv, "Juste avant minuit").status_code == 201
    clock.set(midnight)
    late = send(client, patient, conv, "Après minuit")
    assert late.status_code == 403
    assert "15" in late.json()["detail"] and "112" in late.json()["detail"]


@pytest.mark.parametrize("name", list(DATES))
def test_an_invitation_is_valid_15_calendar_days_in_france(
    name: str, dated: LiveServer, clock: TestClock, client: httpx.Client, smtp: SmtpCapture
) -> None:
    clock.set(DATES[name])
    sent_at = clock()
    doctor = make_practitioner(dated, first_name="Claire", last_name="Martin")
    email = new_email("quinze")
    created = invite(client, doctor, email=email)
    assert created.status_code == 201, created.text
    expires = datetime.fromisoformat(created.json()["invitation"]["expires_at"])
    # Same wall-clock time in France, 15 days later (14 × 24 h ± 1 h across a change of time).
    local_sent = sent_at.astimezone(PARIS)
    local_expiry = expires.astimezone(PARIS)
    assert local_expiry.date() == local_sent.date() + timedelta(days=15)
    assert (local_expiry.hour, local_expiry.minute) == (local_sent.hour, local_sent.minute)
    last_day = written(local_expiry.date())
    mail = smtp.wait(email)[0]
    assert f"valable 15 jours, jusqu'au {last_day}." in mail.text
    token = mail.link.rsplit("/", 1)[1]

    def state() -> dict[str, object]:
        r = client.post("/invitation-links/lookup", json={"token": token})
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body

    assert state()["invitation"] == {**state()["invitation"], "valid_until": last_day}  # type: ignore[dict-item]
    clock.set(expires - timedelta(minutes=1))
    assert state()["state"] == "valid"
    clock.set(expires + timedelta(seconds=1))
    assert state()["state"] == "expired"


@pytest.mark.parametrize("year", [2026, 2027])
def test_note_numbers_restart_on_new_year_in_france(
    year: int, dated: LiveServer, clock: TestClock, client: httpx.Client
) -> None:
    clock.set(paris(year, 12, 31, 23, 58))
    doctor = make_practitioner(dated)

    def note() -> str:
        r = client.post("/billing/notes", json={"total": "25.00"}, headers=doctor.headers)
        assert r.status_code == 201, r.text
        number: str = r.json()["number"]
        return number

    clock.set(paris(year, 12, 31, 23, 58))
    assert [note(), note()] == [f"{year}-0001", f"{year}-0002"]
    # 00:30 in France is still 31 December in UTC and on the machine (New York): France's year wins.
    clock.set(paris(year + 1, 1, 1, 0, 30))
    signed_in_again(dated, doctor)
    assert note() == f"{year + 1}-0001"
    clock.set(paris(year + 1, 1, 1, 0, 40))
    assert note() == f"{year + 1}-0002"


@pytest.mark.parametrize("name", list(DATES))
def test_the_paid_message_names_the_day_in_france(
    name: str, dated: LiveServer, clock: TestClock, client: httpx.Client
) -> None:
    clock.set(DATES[name])
    doctor = make_practitioner(dated)
    patient: Account = make_patient(dated, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(dated, doctor, patient)
    payment = ask_payment(client, doctor, conv).json()
    paid = client.post(
        f"/payments/{payment['id']}/mark-paid", json={"method": "cheque"}, headers=doctor.headers
    )
    assert paid.status_code == 200, paid.text
    day = DATES[name].astimezone(PARIS).date()
    assert [m.body for m in messages_of(dated, conv) if m.kind == "system"] == [
        f"Hélène Dupont a réglé la téléconsultation du {written(day)}"
    ]
