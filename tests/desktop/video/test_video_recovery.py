"""The recovery policy on a synthetic clock: stall, resume, renegotiate, back off."""

from __future__ import annotations

from desktop.video.recovery import Decision, RecoveryOptions, RecoveryPolicy


def run(policy: RecoveryPolicy, start: float, end: float, **state: object) -> list[tuple[float, Decision]]:
    """Ask the policy every 0.5 s like the engine's monitor; keep what it decided."""
    decisions = []
    t = start
    while t <= end + 1e-9:
        decision = policy.decide(t, **state)  # type: ignore[arg-type]
        if decision is not Decision.NOTHING:
            decisions.append((t, decision))
        t += 0.5
    return decisions


def test_short_outage_only_shows_reconnecting_then_resumes() -> None:
    policy = RecoveryPolicy()
    policy.attempt_started(0.0)
    policy.connected()
    assert run(policy, 0.5, 3.0, connected=True, failed=False, last_media=0.5) == [(2.5, Decision.STALLED)]
    assert policy.decide(3.5, connected=True, failed=False, last_media=3.4) is Decision.RESUMED
    # No longer stalled: the next silence is announced again.
    assert policy.decide(6.0, connected=True, failed=False, last_media=3.4) is Decision.STALLED


def test_long_outage_renegotiates_then_retries_with_back_off() -> None:
    policy = RecoveryPolicy(RecoveryOptions(stall_after=2, renegotiate_after=4, retry_after=4, retry_max=15))
    policy.attempt_started(0.0)
    policy.connected()
    decisions = run(policy, 0.5, 4.5, connected=True, failed=False, last_media=0.0)
    assert decisions == [(2.0, Decision.STALLED), (4.0, Decision.RENEGOTIATE)]
    # The new attempt does not connect: retried after 4 s, then 8 s, then every 15 s at most.
    retries = [t for t, d in run(policy, 4.5, 60.0, connected=False, failed=False, last_media=None)]
    assert retries == [8.0, 16.0, 31.0, 46.0]


def test_failure_renegotiates_at_once_but_spaced() -> None:
    policy = RecoveryPolicy()
    policy.attempt_started(0.0)
    assert policy.decide(0.5, connected=True, failed=True, last_media=0.4) is Decision.NOTHING  # < 1 s
    assert policy.decide(1.0, connected=True, failed=True, last_media=0.4) is Decision.RENEGOTIATE
    assert policy.decide(1.5, connected=True, failed=True, last_media=0.4) is Decision.NOTHING
    assert not policy.may_start(1.5) and policy.may_start(2.0)


def test_connection_resets_the_back_off() -> None:
    policy = RecoveryPolicy()
    policy.attempt_started(0.0)
    run(policy, 0.5, 30.0, connected=False, failed=False, last_media=None)
    assert policy.retry_delay() > 4.0
    policy.connected()
    assert policy.retry_delay() == 4.0
