"""Patient sign-up confirmed by a code: the answer never tells whether the contact has an account.

Signing up stores the request and sends a 6-digit code (digest only kept, drawn when the delivery
job is claimed, like the forgotten-password code) to the email, or to the mobile when no email is
given; the account is created, and a session opened, when the code comes back. When the contact
already has a patient account, the answer is the same, and the message sent says so and points to
the forgotten-password page instead of holding a code: whoever types someone else's address learns
nothing, and the owner is told. Requests are limited per address and per contact, wrong codes per
address (and five per request).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from server.accounts.models import PatientSignup, User
from server.accounts.patients import CODE_LIFETIME, MAX_CODE_ATTEMPTS, code_digest
from server.accounts.service import AccountService, NewPatient, check_name, check_password
from server.accounts.texts import signup_code_email, signup_code_sms, signup_exists_email, signup_exists_sms
from server.delivery.models import DeliveryJob
from server.delivery.ports import DeliveryError
from server.delivery.queue import DeliveryQueue, Prepared
from server.kernel.contacts import normalize_email, normalize_phone
from server.kernel.core import SYSTEM, Actor, Core, Tx
from server.kernel.errors import ConflictError, GoneError, InvalidInputError
from server.kernel.ratelimit import RateLimiter
from server.kernel.security import hash_password, new_numeric_code, same_digest

KIND = "patient_signup"
SIGNUPS_PER_HOUR_PER_IP = 20
SIGNUPS_PER_HOUR_PER_CONTACT = 5
CONFIRMS_PER_HOUR_PER_IP = 30
FORGOT_PATH = "/mot-de-passe-oublie"


class PatientSignupService:
    """Start a patient sign-up (code sent), and finish it with the code (account and session)."""

    def __init__(
        self, core: Core, limiter: RateLimiter, accounts: AccountService, queue: DeliveryQueue
    ) -> None:
        self._core = core
        self._limiter = limiter
        self._accounts = accounts
        self._queue = queue
        queue.register(KIND, self)
        queue.every(3600.0, self.purge)

    async def start(self, data: NewPatient, ip: str | None) -> tuple[str, str]:
        """Record the sign-up and send its message; (its id, the channel: « email » or « sms »).

        Raises:
            InvalidInputError: a field is invalid, or neither an email nor a mobile is given.
            RateLimitedError: too many sign-ups from this address or for this contact.
        """
        first = check_name(data.first_name, "prénom", "first_name")
        last = check_name(data.last_name, "nom", "last_name")
        email = normalize_email(data.email) if data.email else None
        phone = normalize_phone(data.phone, require_mobile=email is None) if data.phone else None
        if email is None and phone is None:
            raise InvalidInputError(
                "Indiquez une adresse e-mail ou un numéro de téléphone portable.", field="email"
            )
        check_password(data.password)
        channel, contact = ("email", email) if email else ("sms", phone)
        window = timedelta(hours=1)
        detail = "Trop d'inscriptions demandées. Réessayez dans une heure."
        await self._limiter.check(
            "patient_signup", [f"ip:{ip or '-'}"], SIGNUPS_PER_HOUR_PER_IP, window, detail
        )
        await self._limiter.check(
            "patient_signup", [f"contact:{contact}"], SIGNUPS_PER_HOUR_PER_CONTACT, window, detail
        )
        await self._limiter.record("patient_signup", [f"ip:{ip or '-'}", f"contact:{contact}"])
        password_hash = await hash_password(data.password)
        async with self._core.transaction() as tx:
            column = User.email if channel == "email" else User.phone
            existing = await tx.session.scalar(
                select(User.id).where(User.role == "patient", column == contact)
            )
            signup = PatientSignup(
                id=str(uuid.uuid4()),
                user_id=existing,
                email=email,
                phone=phone,
                first_name=first,
                last_name=last,
                password_hash=password_hash,
                channel=channel,
                code_hash=None,
                created_at=tx.now,
                expires_at=tx.now + CODE_LIFETIME,
                attempts=0,
                used_at=None,
            )
            # Only the newest request for a contact works.
            await tx.session.execute(
                update(PatientSignup)
                .where(
                    PatientSignup.email == email if channel == "email" else PatientSignup.phone == phone,
                    PatientSignup.used_at.is_(None),
                    PatientSignup.expires_at > tx.now,
                )
                .values(expires_at=tx.now)
            )
            tx.session.add(signup)
            await tx.session.flush()
            await self._queue.enqueue(tx, KIND, signup.id, channel)
            await tx.audit(
                Actor(None, "anonymous", ip), "patient.signup_request", "patient_signup", signup.id
            )
        self._queue.notify()
        return signup.id, channel

    async def confirm(self, signup_id: str, code: str, ip: str | None) -> tuple[str, User]:
        """Check the code, create the account and open a session.

        Raises:
            InvalidInputError: wrong code (attempts left said).
            GoneError: the code expired, was used, or its attempts are spent.
            RateLimitedError: too many wrong codes from this address.
            ConflictError: the account was created meanwhile (by another request).
        """
        await self._limiter.check(
            "patient_signup_confirm",
            [f"ip:{ip or '-'}"],
            CONFIRMS_PER_HOUR_PER_IP,
            timedelta(hours=1),
            "Trop de codes essayés depuis cette connexion. Réessayez dans une heure.",
        )
        wrong: InvalidInputError | None = None
        user: User | None = None
        async with self._core.transaction() as tx:
            try:
                key = str(uuid.UUID(signup_id))
            except (ValueError, AttributeError, TypeError):
                key = ""
            signup = await tx.session.scalar(
                select(PatientSignup).where(PatientSignup.id == key).with_for_update()
            )
            if signup is None:
                wrong = InvalidInputError(
                    "Code incorrect ou expiré. Recommencez l'inscription.", code="invalid_code", field="code"
                )
            elif (
                signup.used_at is not None
                or signup.expires_at <= tx.now
                or signup.attempts >= MAX_CODE_ATTEMPTS
            ):
                raise GoneError(
                    "Ce code a expiré ou a déjà servi. "
                    "Recommencez l'inscription pour recevoir un nouveau code.",
                    code="code_expired",
                )
            else:
                signup.attempts += 1
                valid = (
                    signup.user_id is None
                    and signup.code_hash is not None
                    and same_digest(signup.code_hash, code_digest(signup.id, code.strip()))
                )
                if not valid:
                    left = MAX_CODE_ATTEMPTS - signup.attempts
                    wrong = InvalidInputError(
                        f"Code incorrect. Il vous reste {left} essai{'s' if left > 1 else ''}."
                        if left
                        else "Code incorrect. Recommencez l'inscription pour recevoir un nouveau code.",
                        code="invalid_code",
                        field="code",
                    )
                else:
                    signup.used_at = tx.now
                    user = await self._create(tx, signup)
                    await tx.audit(Actor(user.id, "patient", ip), "patient.signup", "user", user.id)
        if wrong is not None or user is None:
            await self._limiter.record("patient_signup_confirm", [f"ip:{ip or '-'}"])
            raise wrong or InvalidInputError("Code incorrect.", code="invalid_code", field="code")
        token = await self._accounts.open_session(user.id)
        return token, user

    async def _create(self, tx: Tx, signup: PatientSignup) -> User:
        """The account of a confirmed sign-up. The contact not confirmed by the code is left out
        when another account uses it (saying so would tell who has an account)."""
        email, phone = signup.email, signup.phone
        if signup.channel == "email" and phone is not None:
            taken = await tx.session.scalar(
                select(User.id).where(User.role == "patient", User.phone == phone)
            )
            phone = None if taken else phone
        elif signup.channel == "sms" and email is not None:
            taken = await tx.session.scalar(
                select(User.id).where(User.role == "patient", User.email == email)
            )
            email = None if taken else email
        user = User(
            id=str(uuid.uuid4()),
            role="patient",
            email=email,
            phone=phone,
            password_hash=signup.password_hash,
            first_name=signup.first_name,
            last_name=signup.last_name,
            birth_date=None,
            created_at=tx.now,
            event_seq=0,
        )
        try:
            async with tx.session.begin_nested():
                tx.session.add(user)
                await tx.session.flush()
            return user
        except IntegrityError:  # created meanwhile by another sign-up
            pass
        raise ConflictError(
            "Un compte patient existe déjà avec cette adresse e-mail ou ce numéro. Connectez-vous.",
            code="account_exists",
        )

    async def purge(self) -> None:
        """Forget sign-up requests a day old (their codes died after 10 minutes)."""
        async with self._core.db.write() as session:
            await session.execute(
                delete(PatientSignup).where(
                    or_(
                        PatientSignup.created_at < self._core.clock() - timedelta(days=1),
                        PatientSignup.used_at.is_not(None),
                    )
                )
            )

    # ---------------------------------------------------------------- delivery handler
    async def lock(self, tx: Tx, job: DeliveryJob) -> None:
        return None  # a sign-up's transactions touch its row and the job only

    async def prepare(self, tx: Tx, job: DeliveryJob) -> Prepared | None:
        signup = await tx.session.get(PatientSignup, job.ref_id)
        if signup is None or signup.used_at is not None or signup.expires_at <= tx.now:
            return None
        message_id = f"signup-{job.id}"
        if signup.user_id is not None:  # the contact has an account: tell its owner, no code
            owner = await tx.session.get(User, signup.user_id)
            name = owner.first_name if owner is not None else signup.first_name
            forgot = f"{self._core.settings.effective_public_url}{FORGOT_PATH}"
            return Prepared.on_channel(
                job.channel,
                email_to=signup.email,
                phone_to=signup.phone,
                email=lambda: signup_exists_email(name, forgot),
                sms=lambda: signup_exists_sms(forgot),
                message_id=message_id,
                give_up_after=signup.expires_at,
            )
        code = new_numeric_code(6)
        signup.code_hash = code_digest(signup.id, code)  # a retried send draws a new code
        return Prepared.on_channel(
            job.channel,
            email_to=signup.email,
            phone_to=signup.phone,
            email=lambda: signup_code_email(code, signup.first_name),
            sms=lambda: signup_code_sms(code),
            message_id=message_id,
            give_up_after=signup.expires_at,
        )

    async def delivered(self, tx: Tx, job: DeliveryJob) -> None:
        await tx.audit(SYSTEM, "patient.signup_sent", "patient_signup", job.ref_id)

    async def failed(self, tx: Tx, job: DeliveryJob, error: DeliveryError) -> None:
        await tx.audit(SYSTEM, "patient.signup_delivery_failed", "patient_signup", job.ref_id)
