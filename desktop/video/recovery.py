"""When a call should say "reconnecting", and when it should build a new peer connection.

aiortc has no `restartIce()` and no "disconnected" state, and aioice only declares a connection
dead after ~30 s of failed consent checks (6 x 5 s). A call cannot wait that long, so the engine
watches the media itself: every decoded remote audio or video frame counts as a sign of life
(both keep flowing while the remote mutes: muted audio is sent as silence, a camera switched off
as black frames).

- no remote media for `stall_after` s: the call is *reconnecting* (shown to the practitioner);
  if media comes back by itself (a short outage on the same addresses), nothing else happens;
- after `renegotiate_after` s without media (or when the other side asks and its media has
  stopped too), or as soon as the peer connection fails, a new attempt starts: the
  practitioner's side builds a new peer connection and offers again, the patient's side asks it
  to (`call.renegotiate`);
- an attempt that is not connected after `retry_after` s is replaced by a fresh one (its offer
  may have been lost in a signaling outage, or its ICE checks may be backing off exponentially),
  with the delay doubling up to `retry_max` while the remote stays silent.

The policy is pure (times in, decisions out) so it is tested without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from desktop.kernel.backoff import Backoff


@dataclass(frozen=True, slots=True)
class RecoveryOptions:
    stall_after: float = 2.0
    # A last resort: the patient's page asks for a new connection as soon as it knows one is
    # needed (its socket came back on a new network, its ICE is down for 3 s). Before that, a
    # connection whose addresses did not change comes back by itself when the network does
    # (an outage of a few seconds: a lift, a tunnel), in a fraction of the time a new one takes.
    renegotiate_after: float = 8.0
    retry_after: float = 4.0
    retry_max: float = 15.0
    min_spacing: float = 1.0  # never two attempts closer than this (both sides may ask at once)


class Decision(Enum):
    NOTHING = "nothing"
    STALLED = "stalled"  # show "reconnecting"
    RESUMED = "resumed"  # media is back on the same connection
    RENEGOTIATE = "renegotiate"  # start a new attempt (offer, or ask for one)


class RecoveryPolicy:
    """Tracks one call's attempts and media liveness; `decide` is called a few times a second."""

    def __init__(self, options: RecoveryOptions | None = None) -> None:
        self.options = options or RecoveryOptions()
        self._retry = Backoff(first=self.options.retry_after, ceiling=self.options.retry_max)
        self._attempt_at: float | None = None
        self._failures = 0
        self._attempt_connected = False
        self._stalled = False

    def attempt_started(self, now: float) -> None:
        """A new peer connection was offered (or requested)."""
        self._attempt_at = now
        self._attempt_connected = False

    def connected(self) -> None:
        """The current attempt connected: the back-off starts over."""
        self._failures = 0
        self._attempt_connected = True

    def retry_delay(self) -> float:
        return self._retry.delay(self._failures)

    def may_start(self, now: float) -> bool:
        """Whether an attempt may start now (spacing), e.g. on a remote request."""
        return self._attempt_at is None or now - self._attempt_at >= self.options.min_spacing

    def decide(self, now: float, *, connected: bool, failed: bool, last_media: float | None) -> Decision:
        """What to do now.

        Args:
            now: the current monotonic time.
            connected: the current peer connection reached "connected" at some point.
            failed: it is "failed" or "closed" (aiortc closes it when DTLS ends).
            last_media: the last decoded remote frame, or when it connected if none yet.
        """
        opts = self.options
        if failed:
            if self.may_start(now):
                return self._renegotiate(now)
            return Decision.NOTHING
        if not connected:
            # Still negotiating: give the attempt its time, then replace it.
            if self._attempt_at is not None and now - self._attempt_at >= self.retry_delay():
                return self._renegotiate(now)
            return Decision.NOTHING
        silent = now - last_media if last_media is not None else 0.0
        if silent < opts.stall_after:
            if self._stalled:
                self._stalled = False
                return Decision.RESUMED
            return Decision.NOTHING
        if not self._stalled:
            self._stalled = True
            return Decision.STALLED
        since_attempt = now - self._attempt_at if self._attempt_at is not None else float("inf")
        if silent >= opts.renegotiate_after and since_attempt >= opts.renegotiate_after:
            return self._renegotiate(now)
        return Decision.NOTHING

    def _renegotiate(self, now: float) -> Decision:
        if self._attempt_at is not None and not self._attempt_connected:
            self._failures += 1  # only attempts that never connected make the next one wait longer
        self.attempt_started(now)
        return Decision.RENEGOTIATE
