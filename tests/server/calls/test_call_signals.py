"""Call frame validation and the per-socket token bucket, without a server."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from server.calls.signals import SignalRate, clean_precheck, clean_signal
from server.kernel.errors import DomainError, RateLimitedError


def test_token_bucket_allows_a_second_of_burst_then_the_rate() -> None:
    bucket = SignalRate(50, now=0.0)
    for _ in range(50):
        bucket.take(0.0)
    with pytest.raises(RateLimitedError):
        bucket.take(0.0)
    bucket.take(0.02)  # one token back after 20 ms
    with pytest.raises(RateLimitedError):
        bucket.take(0.02)
    for _ in range(50):
        bucket.take(10.0)  # never more than a second's worth saved up
    with pytest.raises(RateLimitedError):
        bucket.take(10.0)
    assert bucket.refused == 3


def test_clean_signal_keeps_contract_fields_only() -> None:
    frame = {"type": "call.hangup", "call_id": "c", "extra": {"x": 1}}
    assert clean_signal(frame) == {"type": "call.hangup", "call_id": "c", "reason": "hangup"}
    candidate = {"candidate": "", "sdpMid": "0"}
    assert (
        clean_signal({"type": "call.candidate", "call_id": "c", "session": "s", "candidate": candidate})[
            "candidate"
        ]
        is None
    )


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return None
    if choice == 1:
        return rng.random() < 0.5
    if choice == 2:
        return rng.randrange(-5, 100)
    if choice in (3, 4):
        return rng.choice(["", "call.offer", "call.candidate", "call.ready", "s", "x" * 70_000, "0"])
    if choice == 5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    keys = ["type", "call_id", "session", "sdp", "peer", "candidate", "sdpMid", "sdpMLineIndex", "reason"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(6))}


def test_fuzz_never_raises_anything_but_a_domain_error() -> None:
    rng = random.Random(5)
    accepted = 0
    for _ in range(5000):
        value = _random_value(rng)
        frame = value if isinstance(value, dict) else {"type": "call.ready", "call_id": value, "peer": value}
        try:
            out = clean_signal(frame)
        except DomainError:
            continue
        accepted += 1
        assert len(json.dumps(out)) < 64 * 1024
    with pytest.raises(DomainError):
        clean_precheck({"camera": ["ok"]})
    assert accepted > 0
