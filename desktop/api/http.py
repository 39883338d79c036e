"""The HTTP plumbing every REST client of the desktop shares: base URL, bearer token, French errors,
and the one way an answer is read: validated by its `contracts.wire` model (`JsonHttp._model`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from contracts.wire.common import Input, french_validation
from desktop.api.errors import INVALID_RESPONSE, UNREADABLE, ApiError, ServerUnreachableError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
M = TypeVar("M", bound=BaseModel)
B = TypeVar("B", bound=Input)
T = TypeVar("T")


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

    async def _model(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        """The answer of a request, read with its wire model.

        Raises:
            ApiError: the server refused (its French `detail`), or answered a shape the model does
                not accept (`invalid_response`); ServerUnreachableError: no answer.
        """
        return read_model(model, await self._call(method, path, **kwargs))

    async def _send(self, method: str, path: str, **kwargs: Any) -> None:
        """A request whose answer carries nothing the client needs."""
        await self._call(method, path, **kwargs)


def request_body(model: type[B], fields: Mapping[str, object]) -> B:
    """A request body built with its `contracts.wire` model, the very model the server reads it with.

    Raises:
        ApiError: 422 `invalid_input` with the server's French sentence for the first problem (and
            its field), so a body the server would refuse is refused before it leaves the machine.
    """
    try:
        return model.model_validate(dict(fields))
    except ValidationError as exc:
        first, items = french_validation(list(exc.errors()))  # type: ignore[arg-type]
        field = items[0].get("field") if items else None
        raise ApiError(422, "invalid_input", first, field=field or None) from None


def wire_json(body: Input) -> dict[str, Any]:
    """The JSON of a request body: only the fields that were given (absent ≠ null on PATCH)."""
    return body.model_dump(mode="json", exclude_unset=True)


def read_model(model: type[M], response: httpx.Response) -> M:
    """Validate a response's JSON body with `model` (the one parser of every answer)."""
    return read_json(model.model_validate_json, model.__name__, response)


def read_json(validate: Callable[[bytes], T], what: str, response: httpx.Response) -> T:
    """Validate a response's JSON body with a Pydantic validator (a model's, a `TypeAdapter`'s).

    Raises:
        ApiError: `invalid_response`, with a French message; the body is not logged (health data).
    """
    try:
        return validate(response.content)
    except ValidationError as exc:
        log.warning(
            "%s answered an unexpected %s (%d problems)", response.request.url.path, what, exc.error_count()
        )
        raise ApiError(response.status_code, INVALID_RESPONSE, UNREADABLE) from None
