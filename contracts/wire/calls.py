"""Video calls on the wire (REST; the signaling frames go over the realtime socket, where the
patient's pre-call check reaches the practitioner as `call.precheck {conversation_id, result}`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CallPublic(BaseModel):
    id: str
    conversation_id: str
    status: Literal["active", "ended"]
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None


class CurrentCallPublic(BaseModel):
    call: CallPublic | None


class CallEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
