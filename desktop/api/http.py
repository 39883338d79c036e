"""The HTTP plumbing every REST client of the desktop shares: base URL, bearer token, French errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from desktop.api.errors import ApiError, ServerUnreachableError
from desktop.domain.models import Wire

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def normalize_server_url(url: str) -> str:
    """`host:port` or a full URL → `scheme://host:port` without a trailing slash or `/api/v1`."""
    value = url.strip().rstrip("/")
    if value.endswith(API_PREFIX):
        value = value[: -len(API_PREFIX)]
    if "://" not in value:
        value = f"http://{value}"
    return value.rstrip("/")


def error_of(response: httpx.Response) -> ApiError:
    """The server's `{"code", "detail"}` as an `ApiError` (a 401 as `SessionExpiredError`)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return ApiError.from_response(response.status_code, payload)


class JsonHttp:
    """An httpx client on `<server>/api/v1` sending the current bearer token with each request."""

    def __init__(
        self,
        server_url: str,
        token: Callable[[], str | None],
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server_url = normalize_server_url(server_url)
        self._token_of = token
        self._http = httpx.AsyncClient(
            base_url=self.server_url + API_PREFIX,
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self) -> dict[str, str]:
        token = self._token_of()
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response of a request, or ServerUnreachableError / ApiError (French detail)."""
        headers = {**self._headers(), **kwargs.pop("headers", {})}
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            log.info("request %s %s failed: %s", method, path.split("?")[0], type(exc).__name__)
            raise ServerUnreachableError() from exc
        if response.status_code >= 400:
            raise error_of(response)
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._call(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    async def _wire(self, method: str, path: str, **kwargs: Any) -> Wire:
        data = await self._json(method, path, **kwargs)
        return data if isinstance(data, dict) else {}

    async def _items(self, path: str, params: dict[str, Any] | None = None) -> list[Wire]:
        data = await self._wire("GET", path, params=params or {})
        items = data.get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
