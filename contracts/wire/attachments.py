"""Documents on the wire: what a message of kind `attachment` says of its file (`data.attachment`)."""

from __future__ import annotations

from pydantic import BaseModel


class AttachmentPublic(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
