"""The states a call goes through and why it ended (the engine's life cycle: desktop/video/engine.py)."""

from __future__ import annotations

from enum import StrEnum


class CallState(StrEnum):
    IDLE = "idle"
    WAITING = "waiting"  # started; the other side has not joined yet
    CONNECTING = "connecting"  # first connection being negotiated
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # media stopped; recovering without user action
    ENDED = "ended"


class EndReason(StrEnum):
    LOCAL_HANGUP = "local-hangup"
    REMOTE_HANGUP = "remote-hangup"
    SIGNALING_CLOSED = "signaling-closed"
