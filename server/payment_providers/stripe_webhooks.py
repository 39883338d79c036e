"""Stripe webhook events: the `Stripe-Signature` check and the reading of the events we act on.

The header is ``t=<unix time>,v1=<hex>[,v1=<hex>…]``; each ``v1`` is HMAC-SHA256 under the
endpoint's signing secret of ``"<t>.<raw body>"``. An event is accepted when one ``v1`` matches
(constant-time comparison) and ``t`` is within the tolerance of our clock, either way: a captured
event cannot be replayed later, and the event id makes a replay within the window a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import Any

from server.payment_providers.ports import (
    EVENT_OTHER,
    EVENT_PAID,
    EVENT_REFUNDED,
    ProviderEvent,
    WebhookRejectedError,
)

PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
REFUND_EVENTS = ("charge.refunded",)
MAX_HEADER = 4096
# Stripe's events are a few kilobytes and nested a dozen levels; Python's parser recurses once per
# level and fails past ~1000 (RecursionError), so depth and size are measured before parsing.
MAX_EVENT_BYTES = 256 * 1024
MAX_DEPTH = 64
# What changes the depth: an escaped character (skipped), a quote, a bracket.
_TOKENS = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``v1`` signature Stripe computes for `payload` sent at `timestamp`."""
    signed = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify_signature(
    payload: bytes, header: str | None, secret: str, now: datetime, tolerance_seconds: int
) -> None:
    """Raise WebhookRejectedError unless `header` signs `payload` with `secret`, recently.

    Raises:
        WebhookRejectedError: no secret configured, header missing or malformed, no matching
            signature, or a timestamp further than `tolerance_seconds` from `now`.
    """
    if not secret:
        raise WebhookRejectedError("not_configured")
    if not header:
        raise WebhookRejectedError("no_signature")
    if len(header) > MAX_HEADER:
        raise WebhookRejectedError("malformed")
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
    if len(timestamps) != 1 or not timestamps[0].isascii() or not timestamps[0].isdigit() or not signatures:
        raise WebhookRejectedError("malformed")
    timestamp = int(timestamps[0])
    expected = stripe_signature(payload, secret, timestamp).encode("ascii")
    matched = False
    for candidate in signatures:
        # Every candidate is compared, in constant time: no early exit that times the match.
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    if not matched:
        raise WebhookRejectedError("bad_signature")
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise WebhookRejectedError("stale")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _object_id(value: Any) -> str | None:
    """An expandable field: the id string, or the expanded object's id."""
    if isinstance(value, dict):
        return _text(value.get("id"))
    return _text(value)


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def nesting_within(payload: bytes, limit: int) -> bool:
    """Whether the JSON in `payload` nests arrays and objects at most `limit` deep (not parsed).

    One pass over the quotes, escapes and brackets (brackets inside strings do not count).
    """
    depth, in_string = 0, False
    for token in _TOKENS.finditer(payload):
        mark = token.group()
        if mark == b'"':
            in_string = not in_string
        elif in_string or len(mark) == 2:
            continue
        elif mark in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def read_event(payload: bytes) -> ProviderEvent:
    """The event in a verified `payload`, reduced to what the domain acts on.

    Raises:
        WebhookRejectedError: the body is not a Stripe event object ("malformed"), or is larger
            or nested deeper than any Stripe event ("too_large", "too_deep").
    """
    if len(payload) > MAX_EVENT_BYTES:
        raise WebhookRejectedError("too_large")
    if not nesting_within(payload, MAX_DEPTH):
        raise WebhookRejectedError("too_deep")
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookRejectedError("malformed") from None
    if not isinstance(event, dict):
        raise WebhookRejectedError("malformed")
    event_id, event_type = _text(event.get("id")), _text(event.get("type"))
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if event_id is None or event_type is None or not isinstance(obj, dict) or len(event_id) > 255:
        raise WebhookRejectedError("malformed")
    raw_metadata = obj.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    currency = _text(obj.get("currency"))
    if event_type in PAID_EVENTS:
        return ProviderEvent(
            event_id=event_id,
            type=event_type,
            kind=EVENT_PAID if obj.get("payment_status") == "paid" else EVENT_OTHER,
            session_id=_text(obj.get("id")),
            payment_id=_text(obj.get("client_reference_id")) or _text(metadata.get("payment_id")),
            provider_payment_id=_object_id(obj.get("payment_intent")),
            amount_cents=_integer(obj.get("amount_total")),
            currency=currency.upper() if currency else None,
        )
    if event_type in REFUND_EVENTS:
        return ProviderEvent(
            event_id=event_id,
            type=event_type,
            # Partial refunds are not modelled: only a charge refunded in full changes the status.
            kind=EVENT_REFUNDED if obj.get("refunded") is True else EVENT_OTHER,
            payment_id=_text(metadata.get("payment_id")),
            provider_payment_id=_object_id(obj.get("payment_intent")),
            amount_cents=_integer(obj.get("amount_refunded")),
            currency=currency.upper() if currency else None,
        )
    return ProviderEvent(event_id=event_id, type=event_type[:80], kind=EVENT_OTHER)
