"""What the delivery queue holds, by channel and state, for the metrics (`/metrics`)."""

from __future__ import annotations

from sqlalchemy import case, func, select

from server.db.database import Database
from server.delivery.models import DeliveryJob
from server.kernel.metrics import Sample

CHANNELS = ("email", "sms")
STATES = ("queued", "retrying", "failed")


async def delivery_jobs(db: Database) -> list[Sample]:
    """Jobs waiting for a first attempt (`queued`), waiting after a failed one (`retrying`), and
    given up (`failed`, kept 30 days like every finished job), per channel; zeros included so a
    rate or an alert has a series from the start."""
    state = case(
        (DeliveryJob.status == "failed", "failed"),
        (DeliveryJob.last_error.is_not(None), "retrying"),
        else_="queued",
    )
    async with db.read() as session:
        rows = await session.execute(
            select(DeliveryJob.channel, state, func.count())
            .where(DeliveryJob.status.in_(("queued", "failed")))
            .group_by(DeliveryJob.channel, state)
        )
        counts = {(str(channel), str(kind)): int(n) for channel, kind, n in rows}
    return [
        ({"channel": channel, "state": kind}, float(counts.get((channel, kind), 0)))
        for channel in CHANNELS
        for kind in STATES
    ]
