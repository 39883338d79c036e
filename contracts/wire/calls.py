"""Video calls on the wire: REST answers, the `call.*` events, and the frames the server writes itself
on the realtime socket (signaling frames are relayed as the clients wrote them, see docs/video.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from contracts.wire.common import Input


class CallPublic(BaseModel):
    id: str
    conversation_id: str
    status: Literal["active", "ended"]
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None


class CurrentCallPublic(BaseModel):
    call: CallPublic | None


class CallEnd(Input):
    reason: Literal["hangup", "ended"] = "ended"


class IceServerPublic(BaseModel):
    urls: list[str]
    username: str | None = Field(default=None, description="TURN : « <expiration>:<id utilisateur> »")
    credential: str | None = Field(default=None, description="TURN : base64(HMAC-SHA1(secret, username))")


DeviceState = Literal["ok", "denied", "missing", "busy", "error", "skipped"]
CheckState = Literal["ok", "failed", "none", "skipped"]


class PrecheckPublic(BaseModel):
    """The `result` of `call.precheck`: the patient's devices and network before the call."""

    camera: DeviceState = "skipped"
    microphone: DeviceState = "skipped"
    server: CheckState = "skipped"  # the page reached the companion server (API and socket)
    network: CheckState = "skipped"  # ICE gathering produced candidates
    relay: CheckState = "skipped"  # the TURN server answered; "none": not configured
    browser: str = Field(default="", max_length=40)


class CallEvent(BaseModel):
    """`call.started`, `call.ended`, to both participants."""

    call: CallPublic


class CallStartOkFrame(BaseModel):
    """Answer to the practitioner's `call.start` frame: the call opened (or already open)."""

    type: Literal["call.start.ok"]
    ref: str | None
    call: CallPublic


class CallPrecheckFrame(BaseModel):
    """`call.precheck`, patient → practitioner."""

    type: Literal["call.precheck"]
    conversation_id: str
    result: PrecheckPublic


class CallPresenceFrame(BaseModel):
    """`call.presence`, to the practitioner: the patient entered or left the waiting room."""

    type: Literal["call.presence"]
    conversation_id: str
    state: Literal["waiting", "left"]


class CallPresenceQueryFrame(BaseModel):
    """`call.presence.query`, practitioner → patient: « are you in the waiting room? »."""

    type: Literal["call.presence.query"]
    conversation_id: str
