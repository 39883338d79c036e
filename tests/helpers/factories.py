"""Create accounts and conversations through the real domain services (no shortcuts in SQL)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.identifiers import luhn_check_digit
from server.accounts.service import NewPatient, NewPractitioner
from server.container import Services
from tests.helpers.live_server import LiveServer

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)


def rpps_number(n: int) -> str:
    prefix = f"1{n:09d}"[-10:]
    return prefix + luhn_check_digit(prefix)


@dataclass
class Account:
    id: str
    role: str
    email: str | None
    phone: str | None
    token: str
    first_name: str
    last_name: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.fr"


def make_practitioner(
    server: LiveServer,
    *,
    plan: str = "PRO+",
    first_name: str = "Claire",
    last_name: str = "Martin",
    profession: str = "medecin_generaliste",
    specialty: str | None = None,
    city: str | None = "Lyon",
    **extra: Any,
) -> Account:
    email = unique_email("praticien")
    data = NewPractitioner(
        email=email,
        password=PASSWORD,
        first_name=first_name,
        last_name=last_name,
        profession=profession,
        specialty=specialty,
        rpps=rpps_number(next(_counter) + uuid.uuid4().int % 10_000_000),
        plan=plan,
        city=city,
        **extra,
    )

    async def create(services: Services) -> tuple[str, str]:
        user = await services.accounts.create_practitioner(data)
        token = await services.accounts.open_session(user.id)
        return user.id, token

    user_id, token = server.run(create)
    return Account(user_id, "practitioner", email, None, token, first_name, last_name)


def make_patient(
    server: LiveServer,
    *,
    first_name: str = "Hélène",
    last_name: str = "Dupont",
    email: str | None = None,
    phone: str | None = None,
) -> Account:
    if email is None and phone is None:
        email = unique_email("patient")

    async def create(services: Services) -> tuple[str, str]:
        user = await services.accounts.create_patient(
            NewPatient(
                first_name=first_name, last_name=last_name, password=PASSWORD, email=email, phone=phone
            )
        )
        token = await services.accounts.open_session(user.id)
        return user.id, token

    user_id, token = server.run(create)
    return Account(user_id, "patient", email, phone, token, first_name, last_name)


def make_conversation(server: LiveServer, practitioner: Account, patient: Account) -> str:
    async def create(services: Services) -> str:
        async with services.core.transaction() as tx:
            conv, _ = await services.conversations.ensure_conversation(tx, practitioner.id, patient.id)
        return conv.id

    return server.run(create)


def send(
    client: httpx.Client, account: Account, conversation_id: str, body: str, message_id: str | None = None
) -> httpx.Response:
    mid = message_id or str(uuid.uuid4())
    return client.put(
        f"/conversations/{conversation_id}/messages/{mid}", json={"body": body}, headers=account.headers
    )


def signed_in_again(server: LiveServer, account: Account) -> Account:
    """The account with a fresh session: after a test moved the server's clock past the idle timeout."""

    async def open_session(services: Services) -> str:
        return await services.accounts.open_session(account.id)

    account.token = server.run(open_session)
    return account
