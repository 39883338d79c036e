"""Invitations and the delivery queue: the link is minted when a send is claimed, the outcome
recorded on the invitation (`sent_at`, or `delivery_failed` with a French reason), and pending
invitations past their 15 days marked expired, each change told to the practitioner.
"""

from __future__ import annotations

from sqlalchemy import select

from server.delivery.models import DeliveryJob
from server.delivery.ports import DeliveryError, OutgoingEmail, OutgoingSms
from server.delivery.queue import DeliveryQueue, Prepared
from server.invitations.models import Invitation
from server.invitations.records import (
    KIND,
    delivery_error_text,
    effective_status,
    emit_invitation,
    link_url,
    lock_user,
    mint_link,
    practitioner_name,
    revoke_links,
)
from server.invitations.texts import invitation_email, invitation_sms
from server.kernel.core import SYSTEM, Core, Tx

SWEEP_SECONDS = 60.0


class InvitationDelivery:
    """The queue's handler of invitation jobs, and the expiry sweep."""

    def __init__(self, core: Core, queue: DeliveryQueue) -> None:
        self._core = core
        queue.register(KIND, self)
        queue.every(SWEEP_SECONDS, self.sweep_expired)

    async def sweep_expired(self) -> None:
        """Store `expired` on pending invitations past their date and tell their practitioners."""
        now = self._core.clock()
        async with self._core.db.read() as session:
            owners = list(
                (
                    await session.execute(
                        select(Invitation.practitioner_id)
                        .where(Invitation.status == "pending", Invitation.expires_at <= now)
                        .distinct()
                        .limit(100)
                    )
                ).scalars()
            )
        for practitioner_id in owners:  # one transaction per practitioner, in the usual lock order
            async with self._core.transaction() as tx:
                await lock_user(tx.session, practitioner_id)
                rows = (
                    await tx.session.execute(
                        select(Invitation)
                        .where(
                            Invitation.practitioner_id == practitioner_id,
                            Invitation.status == "pending",
                            Invitation.expires_at <= tx.now,
                        )
                        .with_for_update()
                    )
                ).scalars()
                for inv in rows:
                    inv.status, inv.updated_at = "expired", tx.now
                    await revoke_links(tx.session, inv.id, tx.now)
                    await emit_invitation(tx, inv)

    async def lock(self, tx: Tx, job: DeliveryJob) -> None:
        owner = await tx.session.scalar(select(Invitation.practitioner_id).where(Invitation.id == job.ref_id))
        if owner is not None:
            await lock_user(tx.session, owner)

    async def prepare(self, tx: Tx, job: DeliveryJob) -> Prepared | None:
        inv = await tx.session.get(Invitation, job.ref_id)
        if inv is None or effective_status(inv, tx.now) != "pending" or inv.channel != job.channel:
            return None
        token = await mint_link(tx.session, inv.id, tx.now)
        public_url = self._core.settings.effective_public_url
        link = link_url(public_url, token)
        who = await practitioner_name(tx.session, inv.practitioner_id)
        message_id = f"invitation-{job.id}"
        if job.channel == "email" and inv.email:
            text = invitation_email(
                who,
                inv.first_name,
                inv.last_name,
                link,
                inv.expires_at,
                f"{public_url}/aide/invitation-non-recue",
            )
            email = OutgoingEmail(
                to=inv.email,
                subject=text.subject,
                text=text.text,
                html=text.html,
                message_id=message_id,
            )
            return Prepared(email=email)
        if job.channel == "sms" and inv.phone:
            return Prepared(
                sms=OutgoingSms(to=inv.phone, text=invitation_sms(who, link), message_id=message_id)
            )
        return None

    async def delivered(self, tx: Tx, job: DeliveryJob) -> None:
        inv = await tx.session.get(Invitation, job.ref_id)
        if inv is None or inv.status != "pending":
            return
        inv.sent_at, inv.updated_at = tx.now, tx.now
        await emit_invitation(tx, inv)
        await tx.audit(SYSTEM, "invitation.sent", "invitation", inv.id)

    async def failed(self, tx: Tx, job: DeliveryJob, error: DeliveryError) -> None:
        inv = await tx.session.get(Invitation, job.ref_id)
        if inv is None or inv.status != "pending":
            return
        inv.status, inv.updated_at = "delivery_failed", tx.now
        inv.delivery_error = delivery_error_text(job.channel, error, job.attempts)
        await emit_invitation(tx, inv)
        await tx.audit(SYSTEM, "invitation.delivery_failed", "invitation", inv.id)
