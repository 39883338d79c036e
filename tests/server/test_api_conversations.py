"""Conversations and messages over HTTP on both databases: idempotence, order, read state, search, policy."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from contracts.clock import paris_day
from server.container import Services
from server.conversations.models import Message
from server.kernel.models import AuditEntry
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


def count_messages(server: LiveServer, conversation_id: str) -> int:
    async def count(services: Services) -> int:
        async with services.core.db.read() as session:
            return int(
                await session.scalar(select(func.count()).where(Message.conversation_id == conversation_id))
                or 0
            )

    return server.run(count)


def test_send_and_list_in_order_with_server_timestamps(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    assert send(api, patient, conv, "Bonjour docteur").status_code == 201
    assert send(api, doctor, conv, "Bonjour madame Dupont").status_code == 201
    assert send(api, patient, conv, "Merci, à demain 😊").status_code == 201
    items = api.get(f"/conversations/{conv}/messages", headers=doctor.headers).json()["items"]
    assert [m["body"] for m in items] == ["Bonjour docteur", "Bonjour madame Dupont", "Merci, à demain 😊"]
    assert [m["seq"] for m in items] == [1, 2, 3]
    assert [m["sender_role"] for m in items] == ["patient", "practitioner", "patient"]
    assert all(m["created_at"].endswith("Z") for m in items)


def test_retried_send_with_same_id_stores_one_message(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    mid = str(uuid.uuid4())
    first = send(api, patient, conv, "Je vous envoie ma question", mid)
    second = send(api, patient, conv, "Je vous envoie ma question", mid)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert count_messages(live_server, conv) == 1
    # The same id reused by someone else, or in another conversation, is refused.
    assert send(api, doctor, conv, "autre", mid).status_code == 409


def test_pagination_backwards_and_forwards(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    doctor, patient, conv = trio
    for i in range(25):
        assert send(api, patient, conv, f"message {i}").status_code == 201
    latest = api.get(f"/conversations/{conv}/messages?limit=10", headers=doctor.headers).json()["items"]
    assert [m["seq"] for m in latest] == list(range(16, 26))
    older = api.get(f"/conversations/{conv}/messages?limit=10&before=16", headers=doctor.headers).json()[
        "items"
    ]
    assert [m["seq"] for m in older] == list(range(6, 16))
    newer = api.get(f"/conversations/{conv}/messages?limit=5&after=20", headers=doctor.headers).json()[
        "items"
    ]
    assert [m["seq"] for m in newer] == [21, 22, 23, 24, 25]


def test_unread_counts_and_read_marks(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    doctor, patient, conv = trio
    for body in ("un", "deux", "trois"):
        send(api, patient, conv, body)
    summary = api.get(f"/conversations/{conv}", headers=doctor.headers).json()
    assert summary["unread"] == 3 and summary["last_message"]["body"] == "trois"
    assert api.get(f"/conversations/{conv}", headers=patient.headers).json()["unread"] == 0
    r = api.post(f"/conversations/{conv}/read", json={"seq": 2}, headers=doctor.headers)
    assert r.json()["read_seq"] == 2
    assert api.get(f"/conversations/{conv}", headers=doctor.headers).json()["unread"] == 1
    # Read marks never move backwards.
    api.post(f"/conversations/{conv}/read", json={"seq": 1}, headers=doctor.headers)
    doctor_view = api.get(f"/conversations/{conv}", headers=doctor.headers).json()
    assert doctor_view["read_seq"] == 2
    assert api.get(f"/conversations/{conv}", headers=patient.headers).json()["other_read_seq"] == 2


def test_search_is_accent_and_case_insensitive_prefix_on_each_word(
    api: httpx.Client, live_server: LiveServer
) -> None:
    doctor = make_practitioner(live_server)
    names = [
        ("Hélène", "Dupont"),
        ("Marc", "Petit"),
        ("Zoé", "Bernard"),
        ("Hector", "Dupuis"),
        ("Éloïse", "Lœuvre"),
    ]
    for first, last in names:
        make_conversation(live_server, doctor, make_patient(live_server, first_name=first, last_name=last))

    def search(q: str) -> list[str]:
        items = api.get("/conversations", params={"q": q}, headers=doctor.headers).json()["items"]
        return sorted(f"{c['patient']['first_name']} {c['patient']['last_name']}" for c in items)

    assert search("hél dup") == ["Hélène Dupont"]
    assert search("HELENE") == ["Hélène Dupont"]
    assert search("dup") == ["Hector Dupuis", "Hélène Dupont"]
    assert search("h dup") == ["Hector Dupuis", "Hélène Dupont"]
    assert search("loeuv") == ["Éloïse Lœuvre"]
    assert search("eloise") == ["Éloïse Lœuvre"]
    assert search("ont") == []  # prefix, not substring
    assert len(search("")) == 5


def test_search_never_returns_another_practitioners_patients(
    api: httpx.Client, live_server: LiveServer
) -> None:
    mine, other = make_practitioner(live_server), make_practitioner(live_server)
    make_conversation(live_server, other, make_patient(live_server, first_name="Yvette", last_name="Horner"))
    assert api.get("/conversations", params={"q": "yvette"}, headers=mine.headers).json()["items"] == []


def test_conversation_list_pagination(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    for i in range(5):
        make_conversation(live_server, doctor, make_patient(live_server, last_name=f"Patient{i}"))
    first = api.get("/conversations?limit=3", headers=doctor.headers).json()
    assert len(first["items"]) == 3 and first["next_before"]
    rest = api.get(
        "/conversations", params={"limit": 3, "before": first["next_before"]}, headers=doctor.headers
    ).json()
    ids = [c["id"] for c in first["items"]] + [c["id"] for c in rest["items"]]
    assert len(ids) == 5 == len(set(ids))


def test_closed_conversation_refuses_patient_with_emergency_numbers(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    r = api.patch(f"/conversations/{conv}", json={"patient_write": {"mode": "never"}}, headers=doctor.headers)
    assert r.status_code == 200 and r.json()["patient_can_write"] is False
    refused = send(api, patient, conv, "Docteur ?")
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "conversation_closed" and "15" in body["detail"] and "112" in body["detail"]
    assert send(api, doctor, conv, "Je reste joignable par le secrétariat.").status_code == 201


def test_patient_may_write_until_a_date_inclusive(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    today = paris_day(live_server.services.core.clock())
    r = api.patch(
        f"/conversations/{conv}",
        json={"patient_write": {"mode": "until", "until": today.isoformat()}},
        headers=doctor.headers,
    )
    assert r.status_code == 200 and r.json()["patient_write"] == {"mode": "until", "until": today.isoformat()}
    assert send(api, patient, conv, "Encore aujourd'hui").status_code == 201
    past = (today - timedelta(days=1)).isoformat()
    r = api.patch(
        f"/conversations/{conv}",
        json={"patient_write": {"mode": "until", "until": past}},
        headers=doctor.headers,
    )
    assert r.status_code == 422 and "passée" in r.json()["detail"]
    missing = api.patch(
        f"/conversations/{conv}", json={"patient_write": {"mode": "until"}}, headers=doctor.headers
    )
    assert missing.status_code == 422


def test_every_message_write_and_read_is_audited_without_content(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    mid = str(uuid.uuid4())
    send(api, patient, conv, "Ma tension est à 15/9", mid)
    api.get(f"/conversations/{conv}/messages", headers=doctor.headers)

    async def entries(services: Services) -> list[AuditEntry]:
        await services.core.flush_audit()
        async with services.core.db.read() as session:
            rows = await session.execute(select(AuditEntry).where(AuditEntry.object_id.in_([mid, conv])))
            return list(rows.scalars())

    rows = live_server.run(entries)
    actions = {(r.actor_id, r.action, r.object_id) for r in rows}
    assert (patient.id, "message.create", mid) in actions
    assert (doctor.id, "message.list", conv) in actions
    for r in rows:
        assert "15/9" not in f"{r.action}{r.object_type}{r.object_id}"


def test_empty_and_too_long_messages_refused(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    _, patient, conv = trio
    assert send(api, patient, conv, "   ").json()["code"] == "empty_message"
    too_long = send(api, patient, conv, "x" * 5001)
    assert too_long.status_code == 422 and "trop long" in too_long.json()["detail"]
    assert api.get(f"/conversations/{conv}", headers=patient.headers).json()["last_seq"] == 0


def test_invalid_date_in_setting(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    doctor, _, conv = trio
    r = api.patch(
        f"/conversations/{conv}",
        json={"patient_write": {"mode": "until", "until": "31/12/2026"}},
        headers=doctor.headers,
    )
    assert r.status_code == 422 and "AAAA-MM-JJ" in r.json()["detail"]
