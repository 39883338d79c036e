"""Directory and connection requests on both databases: who is listed, asking, accepting, declining."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import update

from server.container import Services
from server.invitations.models import ConnectionRequest
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.invitation_env import socket_for
from tests.helpers.live_server import LiveServer


def search(client: httpx.Client, who: Account, **params: str) -> list[dict[str, object]]:
    r = client.get("/directory", params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


def ask(client: httpx.Client, patient: Account, practitioner: Account, message: str = "") -> httpx.Response:
    return client.post(
        "/connection-requests",
        json={"practitioner_id": practitioner.id, "message": message},
        headers=patient.headers,
    )


def test_directory_lists_pro_plus_practitioners_only_by_name_profession_and_city(
    server: LiveServer, client: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:8]
    plus = make_practitioner(server, last_name=f"Lefèvre{tag}", city="Saint-Étienne", profession="sage_femme")
    pro = make_practitioner(server, plan="PRO", last_name=f"Lefèvre{tag}", city="Saint-Étienne")
    other = make_practitioner(server, last_name=f"Lefèvre{tag}", city="Lyon", profession="infirmier")
    patient = make_patient(server)
    found = search(client, patient, q=f"lefevre{tag}")  # accents and case folded
    ids = {item["id"] for item in found}
    assert ids == {plus.id, other.id} and pro.id not in ids
    assert [i["id"] for i in search(client, patient, q=f"LEFÈVRE{tag}", profession="sage_femme")] == [plus.id]
    assert [i["id"] for i in search(client, patient, q=f"lefevre{tag}", city="saint etienne")] == [plus.id]
    assert [i["id"] for i in search(client, patient, q=f"lefevre{tag} lyon")] == [other.id]
    card = next(i for i in found if i["id"] == plus.id)
    assert card["profession_label"] == "Sage-femme" and card["display_name"] == f"Claire Lefèvre{tag}"
    assert "email" not in card and "rpps" not in card  # no contact details in the directory
    bad = client.get("/directory", params={"profession": "sorcier"}, headers=patient.headers)
    assert bad.status_code == 422 and "profession" in bad.json()["detail"]
    assert client.get("/directory").status_code == 401
    professions = client.get("/directory/professions").json()["items"]
    assert {"code": "sage_femme", "label": "Sage-femme"} in professions


def test_request_accept_creates_the_conversation_opening_with_the_message(
    server: LiveServer, client: httpx.Client
) -> None:
    doctor, patient = make_practitioner(server), make_patient(server, first_name="Zoé", last_name="Bernard")
    with (
        socket_for(server, client, doctor) as doctor_sock,
        socket_for(server, client, patient) as patient_sock,
    ):
        r = ask(client, patient, doctor, "  Bonjour docteur, je suis votre patiente du mardi 😊  ")
        assert r.status_code == 201, r.text
        request = r.json()["request"]
        assert (request["status"], request["status_label"]) == ("pending", "En attente")
        assert request["message"] == "Bonjour docteur, je suis votre patiente du mardi 😊"
        created = doctor_sock.events(1, event="connection_request.created")[0]["data"]["request"]
        assert created["id"] == request["id"] and created["patient"]["first_name"] == "Zoé"
        pending = client.get("/connection-requests?status=pending", headers=doctor.headers).json()["items"]
        assert [p["id"] for p in pending] == [request["id"]]
        accepted = client.post(f"/connection-requests/{request['id']}/accept", headers=doctor.headers)
        assert accepted.status_code == 200
        conversation_id = accepted.json()["conversation_id"]
        events = patient_sock.events(4, timeout=20)
    assert [e["event"] for e in events] == [
        "connection_request.created",
        "conversation.created",
        "message.created",
        "connection_request.updated",
    ]
    assert events[1]["data"]["conversation"]["id"] == conversation_id
    assert events[3]["data"]["request"]["status"] == "accepted"
    messages = client.get(f"/conversations/{conversation_id}/messages", headers=doctor.headers).json()[
        "items"
    ]
    assert [(m["sender_role"], m["body"]) for m in messages] == [
        ("patient", "Bonjour docteur, je suis votre patiente du mardi 😊")
    ]
    mine = client.get("/connection-requests", headers=patient.headers).json()["items"]
    assert mine[0]["status"] == "accepted" and mine[0]["conversation_id"] == conversation_id
    # Accepting again is harmless; asking again returns the conversation.
    again = client.post(f"/connection-requests/{request['id']}/accept", headers=doctor.headers)
    assert again.json()["conversation_id"] == conversation_id
    asked = ask(client, patient, doctor)
    assert asked.status_code == 200 and asked.json() == {
        "outcome": "existing_conversation",
        "request": None,
        "conversation_id": conversation_id,
    }


def test_a_second_request_returns_the_pending_one(server: LiveServer, client: httpx.Client) -> None:
    doctor, patient = make_practitioner(server), make_patient(server)
    first = ask(client, patient, doctor, "Bonjour").json()["request"]
    second = ask(client, patient, doctor, "Bonjour encore")
    assert second.status_code == 200 and second.json()["outcome"] == "existing"
    assert second.json()["request"]["id"] == first["id"]
    assert len(client.get("/connection-requests", headers=doctor.headers).json()["items"]) == 1


def test_decline_tells_the_patient_politely_and_waits_thirty_days(
    server: LiveServer, client: httpx.Client
) -> None:
    doctor, patient = make_practitioner(server), make_patient(server)
    request = ask(client, patient, doctor, "Bonjour").json()["request"]
    with socket_for(server, client, patient) as sock:
        declined = client.post(f"/connection-requests/{request['id']}/decline", headers=doctor.headers)
        assert declined.status_code == 200
        event = sock.events(1, event="connection_request.updated")[0]["data"]["request"]
    assert (event["status"], event["status_label"]) == ("declined", "Déclinée")
    assert client.get("/conversations", headers=patient.headers).json()["items"] == []
    refused = ask(client, patient, doctor, "S'il vous plaît")
    assert refused.status_code == 409 and refused.json()["code"] == "request_declined"
    assert "n'a pas pu donner suite" in refused.json()["detail"]
    conflict = client.post(f"/connection-requests/{request['id']}/accept", headers=doctor.headers)
    assert conflict.status_code == 409

    async def age(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(
                update(ConnectionRequest)
                .where(ConnectionRequest.id == request["id"])
                .values(decided_at=server.clock() - timedelta(days=31))
            )

    server.run(age)
    assert ask(client, patient, doctor, "Un mois plus tard").status_code == 201


def test_requests_to_unlisted_practitioners_and_bad_input_are_refused(
    server: LiveServer, client: httpx.Client
) -> None:
    pro, doctor, patient = (
        make_practitioner(server, plan="PRO"),
        make_practitioner(server),
        make_patient(server),
    )
    unlisted = ask(client, patient, pro)
    assert (
        unlisted.status_code == 404 and unlisted.json()["detail"] == "Ce praticien n'est pas dans l'annuaire."
    )
    for target in ("pas-un-uuid", str(uuid.uuid4()), patient.id):
        r = client.post("/connection-requests", json={"practitioner_id": target}, headers=patient.headers)
        assert r.status_code == 404
    long = ask(client, patient, doctor, "x" * 501)
    assert (
        long.status_code == 422
        and long.json()["code"] == "message_too_long"
        and "500" in long.json()["detail"]
    )
    as_doctor = client.post(
        "/connection-requests", json={"practitioner_id": doctor.id}, headers=doctor.headers
    )
    assert as_doctor.status_code == 403 and as_doctor.json()["code"] == "patient_only"
    assert client.get("/connection-requests", headers=doctor.headers).json()["items"] == []
    assert client.get("/connection-requests?status=oups", headers=doctor.headers).status_code == 422


def test_other_practitioners_and_patients_cannot_touch_a_request(
    server: LiveServer, client: httpx.Client
) -> None:
    doctor, other, patient = make_practitioner(server), make_practitioner(server), make_patient(server)
    request = ask(client, patient, doctor, "Bonjour").json()["request"]
    for action in ("accept", "decline"):
        r = client.post(f"/connection-requests/{request['id']}/{action}", headers=other.headers)
        assert r.status_code == 404 and r.json()["detail"] == "Demande introuvable."
        r = client.post(f"/connection-requests/{request['id']}/{action}", headers=patient.headers)
        assert r.status_code == 403
    assert client.get("/connection-requests", headers=other.headers).json()["items"] == []
    intruder = make_patient(server)
    assert client.get("/connection-requests", headers=intruder.headers).json()["items"] == []
    still = client.get("/connection-requests", headers=doctor.headers).json()["items"]
    assert [(r["id"], r["status"]) for r in still] == [(request["id"], "pending")]


def test_directory_marks_existing_conversations_and_pending_requests(
    server: LiveServer, client: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:8]
    known = make_practitioner(server, last_name=f"Connu{tag}")
    asked = make_practitioner(server, last_name=f"Sollicite{tag}")
    patient = make_patient(server)
    conversation_id = make_conversation(server, known, patient)
    ask(client, patient, asked, "Bonjour")
    cards = {c["id"]: c for c in search(client, patient, q=f"connu{tag}")}
    assert cards[known.id]["conversation_id"] == conversation_id
    cards = {c["id"]: c for c in search(client, patient, q=f"sollicite{tag}")}
    assert cards[asked.id]["request_status"] == "pending" and cards[asked.id]["conversation_id"] is None
