"""X-Forwarded-For is believed from the trusted proxies only (TELECONSULT_TRUSTED_PROXIES).

Behind a reverse proxy every client arrives from the proxy's address: unless the server takes the
client's address from the header the proxy writes, one client's failed logins would lock out
everyone (per-address limit). From any other peer the header is a client's own claim and ignored,
or anyone could dodge the limit by sending a new one each time. The real proxy (HAProxy, TLS) is
exercised by tests/server/test_scale_demo.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import base_settings
from tests.helpers.live_server import LiveServer

WRONG = {"role": "patient", "identifier": "personne@example.fr", "password": "faux-faux-faux"}


def _logins(server: LiveServer, proxy: str) -> tuple[int, int]:
    """Ten failures "from" 198.51.100.7 via the peer `proxy`; then one from it, one from .8."""
    transport = httpx.HTTPTransport(local_address=proxy)
    with httpx.Client(base_url=server.api, transport=transport, timeout=30) as client:

        def login(address: str) -> int:
            r = client.post("/auth/login", json=WRONG, headers={"X-Forwarded-For": f"203.0.113.9, {address}"})
            return r.status_code

        assert [login("198.51.100.7") for _ in range(10)] == [401] * 10
        return login("198.51.100.7"), login("198.51.100.8")


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        # the proxy is trusted: the limit falls on the client named last by the proxy, not on .8
        ("127.0.0.1,::1", (429, 401)),
        ("127.0.0.0/8", (429, 401)),
        # no proxy trusted: the header is ignored, every request counts for the peer itself
        ("", (429, 429)),
        ("10.0.0.1", (429, 429)),
    ],
)
def test_forwarded_for_counts_only_from_a_trusted_proxy(
    tmp_path: Path, trusted: str, expected: tuple[int, int]
) -> None:
    settings = base_settings(tmp_path, trusted_proxies=trusted)
    with LiveServer(settings) as server:
        assert _logins(server, "127.0.0.1") == expected


def test_a_client_beside_the_proxy_cannot_name_its_own_address(tmp_path: Path) -> None:
    """A peer that is not the proxy (127.0.0.5 here) sends X-Forwarded-For: it is ignored."""
    settings = base_settings(tmp_path, trusted_proxies="127.0.0.1")
    with LiveServer(settings) as server:
        assert _logins(server, "127.0.0.5") == (429, 429)
