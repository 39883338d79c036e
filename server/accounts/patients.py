"""Forgotten password (a 6-digit code by email or SMS).

A reset code lives 10 minutes (ASVS 6.5.5), allows 5 attempts, and is sent through the same
persisted delivery queue as invitations (the code is drawn when the job is claimed and only its
digest is stored). Asking for a code answers the same way whether or not an account exists, so
the form cannot be used to learn who has an account. Changing the password closes every open
session of the account (ASVS 7.4.2 by analogy).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update

from server.accounts.models import PasswordReset, Session, User
from server.accounts.service import ROLES, AccountService, check_password, login_account_key
from server.accounts.texts import RESET_CODE_MINUTES, reset_code_email, reset_code_sms
from server.delivery.models import DeliveryJob
from server.delivery.ports import DeliveryError
from server.delivery.queue import DeliveryQueue, Prepared
from server.kernel.contacts import is_mobile, normalize_email, normalize_phone
from server.kernel.core import SYSTEM, Actor, Core, Tx
from server.kernel.errors import GoneError, InvalidInputError
from server.kernel.ratelimit import RateLimiter, forget_in
from server.kernel.security import hash_password, new_numeric_code, same_digest

KIND = "password_reset"
MAX_CODE_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=RESET_CODE_MINUTES)
RESETS_PER_HOUR_PER_ACCOUNT = 5
RESETS_PER_HOUR_PER_IP = 20
CONFIRMS_PER_HOUR_PER_IP = 30


def code_digest(reset_id: str, code: str) -> str:
    """Digest of a code bound to its request (the same 6 digits hash differently elsewhere)."""
    return hashlib.sha256(f"{reset_id}:{code}".encode()).hexdigest()


async def _retire_codes(tx: Tx, user_id: str) -> None:
    """End every live code of an account: a newer one was asked, or the password was changed."""
    await tx.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.user_id == user_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > tx.now,
        )
        .values(expires_at=tx.now)
    )


class PatientAccountService:
    """Password resets for any account (patients and practitioners)."""

    def __init__(
        self, core: Core, limiter: RateLimiter, accounts: AccountService, queue: DeliveryQueue
    ) -> None:
        self._core = core
        self._limiter = limiter
        self._accounts = accounts
        self._queue = queue
        queue.register(KIND, self)
        queue.every(3600.0, self.purge_resets)

    # ---------------------------------------------------------------- forgotten password
    async def request_reset(self, identifier: str, role: str, ip: str | None) -> str:
        """Send a code to the account's email (or mobile) if it exists; the id of the request.

        Raises:
            InvalidInputError: the identifier is neither an email nor a phone number.
            RateLimitedError: too many requests for this identifier or from this address.
        """
        if role not in ROLES:
            raise InvalidInputError("Le rôle doit être « practitioner » ou « patient ».", field="role")
        ident = identifier.strip()
        if "@" in ident:
            key, column, channel = normalize_email(ident, field="identifier"), User.email, "email"
        else:
            key, column, channel = normalize_phone(ident, field="identifier"), User.phone, "sms"
        window = timedelta(hours=1)
        detail = "Trop de demandes de code. Réessayez dans une heure."
        await self._limiter.check(
            "password_reset", [f"ip:{ip or '-'}"], RESETS_PER_HOUR_PER_IP, window, detail
        )
        await self._limiter.check(
            "password_reset", [f"acct:{role}:{key}"], RESETS_PER_HOUR_PER_ACCOUNT, window, detail
        )
        await self._limiter.record("password_reset", [f"ip:{ip or '-'}", f"acct:{role}:{key}"])
        async with self._core.transaction() as tx:
            user_id = await tx.session.scalar(
                select(User.id).where(User.role == role, column == key, User.disabled.is_(False))
            )
            if channel == "sms" and not is_mobile(key):
                user_id = None  # a landline cannot receive the code; same answer as no account
            reset = PasswordReset(
                id=str(uuid.uuid4()),
                user_id=user_id,
                channel=channel if user_id else None,
                code_hash=None,
                created_at=tx.now,
                expires_at=tx.now + CODE_LIFETIME,
                attempts=0,
                used_at=None,
            )
            if user_id is not None:
                await _retire_codes(tx, user_id)  # only the newest code works
            tx.session.add(reset)
            await tx.session.flush()
            if user_id is not None:
                await self._queue.enqueue(tx, KIND, reset.id, channel)
                await tx.audit(Actor(user_id, role, ip), "password_reset.request", "user", user_id)
        self._queue.notify()
        return reset.id

    async def confirm_reset(
        self, reset_id: str, code: str, password: str, ip: str | None
    ) -> tuple[str, User]:
        """Check the code, set the new password, close the other sessions, open a new one.

        Raises:
            InvalidInputError: wrong code (attempts left said), or a weak password.
            GoneError: the code expired, was used, or its attempts are spent.
            RateLimitedError: too many wrong codes from this address.
        """
        check_password(password)
        await self._limiter.check(
            "password_reset_confirm",
            [f"ip:{ip or '-'}"],
            CONFIRMS_PER_HOUR_PER_IP,
            timedelta(hours=1),
            "Trop de codes essayés depuis cette connexion. Réessayez dans une heure.",
        )
        wrong: InvalidInputError | None = None
        user_id: str | None = None
        # Hashed before the transaction (in a hashing thread): the writer is not held for argon2.
        new_hash = await hash_password(password)
        async with self._core.transaction() as tx:
            try:
                key = str(uuid.UUID(reset_id))
            except (ValueError, AttributeError, TypeError):
                key = ""
            reset = await tx.session.scalar(
                select(PasswordReset).where(PasswordReset.id == key).with_for_update()
            )
            if reset is None:
                wrong = InvalidInputError(
                    "Code incorrect ou expiré. Demandez un nouveau code.", code="invalid_code", field="code"
                )
            elif (
                reset.used_at is not None or reset.expires_at <= tx.now or reset.attempts >= MAX_CODE_ATTEMPTS
            ):
                raise GoneError(
                    "Ce code a expiré ou a déjà servi. Demandez un nouveau code.", code="code_expired"
                )
            else:
                reset.attempts += 1
                valid = (
                    reset.user_id is not None
                    and reset.code_hash is not None
                    and same_digest(reset.code_hash, code_digest(reset.id, code.strip()))
                )
                if not valid:
                    left = MAX_CODE_ATTEMPTS - reset.attempts
                    wrong = InvalidInputError(
                        f"Code incorrect. Il vous reste {left} essai{'s' if left > 1 else ''}."
                        if left
                        else "Code incorrect. Demandez un nouveau code.",
                        code="invalid_code",
                        field="code",
                    )
                else:
                    user_id = reset.user_id
                    reset.used_at = tx.now
                    await _retire_codes(tx, user_id or "")  # a code asked meanwhile dies too
                    await tx.session.execute(
                        update(User).where(User.id == user_id).values(password_hash=new_hash)
                    )
                    await tx.session.execute(
                        update(Session)
                        .where(Session.user_id == user_id, Session.revoked_at.is_(None))
                        .values(revoked_at=tx.now)
                    )
                    owner = (
                        await tx.session.execute(
                            select(User.role, User.email, User.phone).where(User.id == user_id)
                        )
                    ).one()
                    role = owner.role
                    # The new password lifts the account's sign-in lock (failures from anywhere).
                    accounts = [login_account_key(role, c) for c in (owner.email, owner.phone) if c]
                    near = [f"{a}:ip:{ip or '-'}" for a in accounts]
                    await forget_in(tx.session, "login", accounts + near)
                    await tx.audit(
                        Actor(user_id, role or "patient", ip), "password_reset.confirm", "user", user_id or ""
                    )
        if wrong is not None or user_id is None:
            await self._limiter.record("password_reset_confirm", [f"ip:{ip or '-'}"])
            raise wrong or InvalidInputError("Code incorrect.", code="invalid_code", field="code")
        await self._accounts.sessions_revoked(user_ids=[user_id])  # every process, at once
        token = await self._accounts.open_session(user_id)
        user, _ = await self._accounts.get_user(user_id)
        return token, user

    async def purge_resets(self) -> None:
        """Forget reset requests a day old (their codes died after 10 minutes)."""
        async with self._core.db.write() as session:
            await session.execute(
                delete(PasswordReset).where(PasswordReset.created_at < self._core.clock() - timedelta(days=1))
            )

    # ---------------------------------------------------------------- delivery handler
    async def lock(self, tx: Tx, job: DeliveryJob) -> None:
        return None  # a reset's transactions touch the reset row and the job only

    async def prepare(self, tx: Tx, job: DeliveryJob) -> Prepared | None:
        reset = await tx.session.get(PasswordReset, job.ref_id)
        if reset is None or reset.user_id is None or reset.used_at is not None or reset.expires_at <= tx.now:
            return None
        user = await tx.session.get(User, reset.user_id)
        if user is None:
            return None
        code = new_numeric_code(6)
        reset.code_hash = code_digest(reset.id, code)  # a retried send draws a new code
        return Prepared.on_channel(
            job.channel,
            email_to=user.email,
            phone_to=user.phone,
            email=lambda: reset_code_email(code, user.first_name),
            sms=lambda: reset_code_sms(code),
            message_id=f"reset-{job.id}",
            give_up_after=reset.expires_at,
        )

    async def delivered(self, tx: Tx, job: DeliveryJob) -> None:
        await tx.audit(SYSTEM, "password_reset.sent", "password_reset", job.ref_id)

    async def failed(self, tx: Tx, job: DeliveryJob, error: DeliveryError) -> None:
        await tx.audit(SYSTEM, "password_reset.delivery_failed", "password_reset", job.ref_id)
