"""Schemathesis against the server's own OpenAPI document, on SQLite and PostgreSQL (issue 11, §5).

Every operation of `/api/v1/openapi.json` is called with generated requests, valid ones (positive)
and invalid ones (negative), signed in as a practitioner or as a patient, against a real running
server. The answers must hold to the document: no 5xx, a status the operation documents, the
documented content type, a body that matches the documented schema. Ids in addresses are generated
or, half the time, the ids of real objects of the two callers (their conversation, an invitation, a
claim, a payment), so the requests reach past the « introuvable ».

`make test` runs a few examples per operation and mode (`TELECONSULT_FUZZ_EXAMPLES`, default 3);
`make fuzz` runs many more. Each run prints one line: operations, requests, server errors, schema
violations.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.billing import ask_payment, claim_document
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

EXAMPLES = int(os.environ.get("TELECONSULT_FUZZ_EXAMPLES", "3"))
DEEP = EXAMPLES > 10  # `make fuzz`: random seeds; `make test`: the same examples every run

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA_CHECKS = {"status_code_conformance", "content_type_conformance", "response_schema_conformance"}

# Signing out ends the caller's session: that operation gets a fresh session of its own each time.
SIGN_OUT = ("POST", "/api/v1/auth/logout")

# Each request leaves from a loopback address of its own range (127.201-250.x.y), so that the per-IP
# limits of sign-in and sign-up answer 429 to the fuzzer only, never to another test.
_ips = (f"127.{201 + (n // 62500) % 50}.{(n // 250) % 250}.{n % 250 + 1}" for n in itertools.count())


class _FromAddress(HTTPAdapter):
    def __init__(self, ip: str) -> None:
        self._ip = ip
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._ip, 0)
        super().init_poolmanager(*args, **kwargs)


def _session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", _FromAddress(next(_ips)))
    return session


@dataclass
class Figures:
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def line(self, backend: str) -> str:
        return (
            f"schemathesis {backend}: {self.operations} operations, {self.requests} requests, "
            f"{self.server_errors} server errors, {self.schema_violations} schema violations "
            f"(statuses {dict(sorted(self.statuses.items()))})"
        )


def _real_objects(server: LiveServer, doctor: Account, patient: Account) -> dict[str, str]:
    """Objects the two callers can reach, by the name of the address parameter that holds their id."""
    conversation = make_conversation(server, doctor, patient)
    with httpx.Client(base_url=server.api, timeout=30) as client:
        invitation = client.post(
            "/invitations",
            json={
                "first_name": "Paul",
                "last_name": "Durand",
                "email": f"p{uuid.uuid4().hex[:8]}@example.fr",
            },
            headers=doctor.headers,
        )
        assert invitation.status_code in (200, 201), invitation.text
        claim = client.post("/billing/claims", json=claim_document(), headers=doctor.headers)
        assert claim.status_code in (200, 201), claim.text
        payment = ask_payment(client, doctor, conversation)
        assert payment.status_code in (200, 201), payment.text
    return {
        "conversation_id": conversation,
        "invitation_id": invitation.json()["invitation"]["id"],
        "claim_id": claim.json()["id"],
        "payment_id": payment.json()["id"],
    }


def _new_session(server: LiveServer, account: Account) -> str:
    async def open_session(services: Any) -> str:
        token: str = await services.accounts.open_session(account.id)
        return token

    return server.run(open_session)


def fuzz(server: LiveServer, callers: list[Account], known: dict[str, str]) -> Figures:
    doc = httpx.get(f"{server.api}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(doc)
    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        names = [p.name for p in operation.path_parameters]
        real = {name: known[name] for name in names if name in known}
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if real:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))

        @settings(
            max_examples=EXAMPLES * len(strategies),
            deadline=None,
            database=None,
            derandomize=not DEEP,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=st.one_of(strategies), who=st.sampled_from(callers))
        def run(case: schemathesis.Case, who: Account) -> None:
            token = who.token
            if (case.method.upper(), case.path) == SIGN_OUT:
                token = _new_session(server, who)
            with _session() as session:
                response = case.call(
                    base_url=server.url, session=session, headers={"Authorization": f"Bearer {token}"}
                )
                figures.requests += 1
                figures.statuses[response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as failed:  # one or more checks failed: counted once per answer
                    if response.status_code >= 500:
                        figures.server_errors += 1
                    else:
                        figures.schema_violations += 1
                    for failure in failed.exceptions:
                        text = f"{case.method.upper()} {case.path} → {response.status_code}: {failure.title}"
                        if text not in figures.problems:
                            figures.problems.append(text)

        run()
    return figures


def test_every_operation_holds_to_its_openapi_document(
    live_server: LiveServer, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    known = _real_objects(live_server, doctor, patient)
    figures = fuzz(live_server, [doctor, patient], known)
    backend = request.node.callspec.params["live_server"]
    with capsys.disabled():
        print(f"\n{figures.line(backend)}")
    assert figures.operations >= 50
    assert figures.requests >= figures.operations * 2 * EXAMPLES
    assert not figures.problems, "\n".join(figures.problems)


@pytest.mark.parametrize("path", ["/billing/claims", "/billing/payments"])
def test_the_first_and_last_days_a_date_can_name_are_accepted_as_bounds(
    api: httpx.Client, live_server: LiveServer, path: str
) -> None:
    """Found by `make fuzz`: « to=9999-12-31 » and « from=0001-01-01 » answered 500 (OverflowError)."""
    doctor = make_practitioner(live_server)
    for bounds in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}):
        r = api.get(path, params=bounds, headers=doctor.headers)
        assert r.status_code == 200, (bounds, r.text)
