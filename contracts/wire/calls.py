"""Video calls on the wire (REST; the signaling frames go over the realtime socket)."""

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
