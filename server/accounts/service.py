"""Accounts: practitioners and patients, sign-in with opaque tokens, sessions, plans."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.identifiers import is_valid_rpps, normalize_rpps
from contracts.professions import PLANS, PROFESSIONS, SECTORS, SPECIALTIES
from contracts.text import clean_name, fold
from contracts.wire.accounts import AccountUpdatedEvent, SessionPublic, UserPublic
from contracts.wire.common import name_problem
from server.accounts.models import PractitionerProfile, Session, User
from server.accounts.sessions import CachedSession, SessionCache, revocation_message
from server.db.storage import DiskFullError
from server.kernel.contacts import normalize_email, normalize_phone
from server.kernel.core import Actor, Core
from server.kernel.errors import AuthenticationError, ConflictError, InvalidInputError, NotFoundError
from server.kernel.failures import failure
from server.kernel.ratelimit import RateLimiter
from server.kernel.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)

log = logging.getLogger(__name__)

ROLES = ("practitioner", "patient")
TOUCH_EVERY = timedelta(seconds=60)  # `last_used_at` is written at most this often per session
MAX_NAME = 100
MAX_CITY = 100  # the column's length
DIRECTORY_KEY_LENGTH = 400  # the column's length


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: str
    role: str
    token_hash: str
    ip: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, role=self.role, ip=self.ip)


@dataclass(frozen=True)
class NewPractitioner:
    email: str
    password: str
    first_name: str
    last_name: str
    profession: str
    rpps: str
    sector: str = "secteur_1"
    specialty: str | None = None
    plan: str = "PRO"
    city: str | None = None
    postal_code: str | None = None
    address: str | None = None
    am_number: str | None = None


@dataclass(frozen=True)
class NewPatient:
    first_name: str
    last_name: str
    password: str
    email: str | None = None
    phone: str | None = None
    birth_date: date | None = None


def check_name(value: str, label: str, field: str) -> str:
    """A cleaned person's name: 1 to 100 characters, any script, accents and emoji kept."""
    cleaned = clean_name(value)
    if not cleaned:
        raise InvalidInputError(f"Le {label} est obligatoire.", code="name_required", field=field)
    if len(cleaned) > MAX_NAME:
        raise InvalidInputError(
            f"Le {label} est trop long ({MAX_NAME} caractères au plus).", code="name_too_long", field=field
        )
    if any(ord(c) < 32 for c in cleaned) or name_problem(cleaned) is not None:
        raise InvalidInputError(
            f"Le {label} contient des caractères invalides.", code="invalid_name", field=field
        )
    return cleaned


def login_account_key(role: str, identifier: str) -> str:
    """The rate-limit key of the failures on one account (a normalised email or phone)."""
    return f"acct:{role}:{identifier}"


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.",
            code="weak_password",
            field="password",
        )
    if len(password) > 256:
        raise InvalidInputError("Le mot de passe est trop long (256 caractères au plus).", field="password")


def directory_key(first: str, last: str, city: str | None, profession: str, specialty: str | None) -> str:
    """The folded words the directory searches, cut to the column's length (folding lengthens:
    « ß » is « ss »)."""
    parts = [first, last, city or "", PROFESSIONS.get(profession, ""), SPECIALTIES.get(specialty or "", "")]
    return " ".join(fold(p) for p in parts if p)[:DIRECTORY_KEY_LENGTH]


class AccountService:
    """Creation of accounts, sign-in, token checks, sign-out and plans."""

    def __init__(self, core: Core, limiter: RateLimiter) -> None:
        self._core = core
        self._limiter = limiter
        self.sessions = SessionCache()

    # ---------------------------------------------------------------- creation
    def validate_practitioner(self, data: NewPractitioner) -> dict[str, Any]:
        email = normalize_email(data.email)
        check_password(data.password)
        first = check_name(data.first_name, "prénom", "first_name")
        last = check_name(data.last_name, "nom", "last_name")
        if data.profession not in PROFESSIONS:
            raise InvalidInputError("Cette profession n'est pas dans la liste.", field="profession")
        specialty = data.specialty or None
        if data.profession == "medecin_specialiste":
            if specialty not in SPECIALTIES:
                raise InvalidInputError("Choisissez une spécialité dans la liste.", field="specialty")
        elif specialty is not None:
            raise InvalidInputError(
                "Une spécialité ne se précise que pour un médecin spécialiste.", field="specialty"
            )
        rpps = normalize_rpps(data.rpps)
        if not is_valid_rpps(rpps):
            raise InvalidInputError(
                "Le numéro RPPS doit comporter 11 chiffres, avec une clé de contrôle correcte.",
                code="invalid_rpps",
                field="rpps",
            )
        if data.sector not in SECTORS:
            raise InvalidInputError("Ce secteur de conventionnement n'est pas dans la liste.", field="sector")
        if data.plan not in PLANS:
            raise InvalidInputError("La formule doit être PRO ou PRO+.", field="plan")
        am = (data.am_number or "").replace(" ", "") or None
        if am is not None and not (len(am) == 9 and am.isdigit()):
            raise InvalidInputError("Le numéro d'Assurance Maladie comporte 9 chiffres.", field="am_number")
        city = clean_name(data.city or "") or None
        if city is not None and len(city) > MAX_CITY:  # NFC may lengthen what the form counted
            raise InvalidInputError(
                f"La ville est trop longue ({MAX_CITY} caractères au plus).", field="city"
            )
        return {
            "email": email,
            "first_name": first,
            "last_name": last,
            "specialty": specialty,
            "rpps": rpps,
            "am_number": am,
            "city": city,
        }

    async def create_practitioner(self, data: NewPractitioner) -> User:
        """Create a practitioner account.

        Raises:
            InvalidInputError: a field is invalid (French message naming it).
            ConflictError: a practitioner account already uses this email.
        """
        clean = self.validate_practitioner(data)
        user_id = str(uuid.uuid4())
        password_hash = await hash_password(data.password)
        try:
            async with self._core.transaction() as tx:
                user = User(
                    id=user_id,
                    role="practitioner",
                    email=clean["email"],
                    phone=None,
                    password_hash=password_hash,
                    first_name=clean["first_name"],
                    last_name=clean["last_name"],
                    created_at=tx.now,
                    event_seq=0,
                )
                tx.session.add(user)
                await tx.session.flush()
                tx.session.add(
                    PractitionerProfile(
                        user_id=user_id,
                        profession=data.profession,
                        specialty=clean["specialty"],
                        rpps=clean["rpps"],
                        am_number=clean["am_number"],
                        sector=data.sector,
                        plan=data.plan,
                        city=clean["city"],
                        postal_code=(data.postal_code or "").strip() or None,
                        address=(data.address or "").strip() or None,
                        directory_key=directory_key(
                            clean["first_name"],
                            clean["last_name"],
                            clean["city"],
                            data.profession,
                            clean["specialty"],
                        ),
                    )
                )
        except IntegrityError as exc:
            raise ConflictError(
                "Un compte praticien existe déjà avec cette adresse e-mail.",
                code="email_taken",
                field="email",
            ) from exc
        return user

    async def create_patient(self, data: NewPatient, tx: Any | None = None) -> User:
        """Create a patient account (used by invitations and self sign-up).

        Raises:
            InvalidInputError: a field is invalid, or neither email nor phone is given.
            ConflictError: a patient account already uses this email or phone.
        """
        first = check_name(data.first_name, "prénom", "first_name")
        last = check_name(data.last_name, "nom", "last_name")
        email = normalize_email(data.email) if data.email else None
        phone = normalize_phone(data.phone) if data.phone else None
        if email is None and phone is None:
            raise InvalidInputError("Indiquez une adresse e-mail ou un numéro de téléphone.", field="email")
        check_password(data.password)
        password_hash = await hash_password(data.password)  # before any transaction
        user = User(
            id=str(uuid.uuid4()),
            role="patient",
            email=email,
            phone=phone,
            password_hash=password_hash,
            first_name=first,
            last_name=last,
            birth_date=data.birth_date,
            created_at=self._core.clock(),
            event_seq=0,
        )
        try:
            if tx is not None:
                async with tx.session.begin_nested():
                    tx.session.add(user)
                    await tx.session.flush()
            else:
                async with self._core.transaction() as own:
                    own.session.add(user)
        except IntegrityError as exc:
            raise ConflictError(
                "Un compte patient existe déjà avec cette adresse e-mail ou ce numéro. Connectez-vous.",
                code="account_exists",
            ) from exc
        return user

    # ---------------------------------------------------------------- sign-in
    async def login(self, role: str, identifier: str, password: str, ip: str | None) -> tuple[str, User]:
        """Check credentials and open a session.

        Returns:
            The bearer token (shown once) and the user.

        Raises:
            RateLimitedError: too many failures for this account or this address.
            AuthenticationError: wrong identifier or password (same message for both).
        """
        if role not in ROLES:
            raise InvalidInputError("Le rôle doit être « practitioner » ou « patient ».", field="role")
        ident = identifier.strip()
        try:
            key = normalize_email(ident) if "@" in ident else normalize_phone(ident)
        except InvalidInputError:
            key = fold(ident)[:128]
        settings = self._core.settings
        window = timedelta(minutes=settings.login_window_minutes)
        detail = f"Trop de tentatives de connexion. Réessayez dans {settings.login_window_minutes} minutes."
        account = login_account_key(role, key)
        # From one address: 10 failures for one account, or for all accounts together. From every
        # address: 100 for one account, so that failures elsewhere do not keep its owner out.
        near = [f"{account}:ip:{ip or '-'}"] + ([f"ip:{ip}"] if ip else [])
        await self._limiter.check("login", near, settings.login_max_failures, window, detail)
        await self._limiter.check(
            "login",
            [account],
            settings.login_account_max_failures,
            window,
            "Trop de tentatives de connexion sur ce compte. Réessayez dans "
            f"{settings.login_window_minutes} minutes, ou choisissez un nouveau mot de passe avec "
            "« Mot de passe oublié ».",
        )
        keys = [account, *near]
        column = User.email if "@" in key else User.phone
        async with self._core.db.read() as session:
            user = await session.scalar(select(User).where(User.role == role, column == key))
        # Verified after the read session is closed, in a hashing thread.
        matches = await verify_password(user.password_hash if user else None, password)
        if user is None or user.disabled or not matches:
            await self._limiter.record("login", keys)
            raise AuthenticationError("Identifiant ou mot de passe incorrect.", code="invalid_credentials")
        token = await self.open_session(user.id)
        return token, user

    async def open_session(self, user_id: str) -> str:
        token = new_token()
        settings = self._core.settings
        async with self._core.transaction(essential=True) as tx:  # sign-in works on a full disk
            tx.session.add(
                Session(
                    token_hash=token_digest(token),
                    user_id=user_id,
                    created_at=tx.now,
                    last_used_at=tx.now,
                    expires_at=tx.now + timedelta(hours=settings.session_absolute_hours),
                    revoked_at=None,
                )
            )
        return token

    async def authenticate(self, token: str, ip: str | None = None) -> Principal:
        """The principal behind a bearer token.

        Raises:
            AuthenticationError: unknown, revoked, idle-expired or expired token.
        """
        if not token or len(token) > 200:
            raise AuthenticationError("Session invalide. Connectez-vous.", code="invalid_token")
        digest = token_digest(token)
        now = self._core.clock()
        idle = timedelta(minutes=self._core.settings.session_idle_minutes)
        # Trusted only while the bus can carry revocations from the other processes.
        cached = self.sessions.get(digest) if self._core.bus.state == "ok" else None
        if cached is None or now - cached.last_used_at >= idle or now >= cached.expires_at:
            cached = await self._read_session(digest, now, idle)
        if now - cached.last_used_at > TOUCH_EVERY:
            cached.last_used_at = now  # before the write: concurrent requests do not touch again
            with contextlib.suppress(DiskFullError):  # a full disk must not stop reads
                async with self._core.db.write(essential=True) as session:
                    await session.execute(
                        update(Session).where(Session.token_hash == digest).values(last_used_at=now)
                    )
        return Principal(user_id=cached.user_id, role=cached.role, token_hash=digest, ip=ip)

    async def _read_session(self, digest: str, now: datetime, idle: timedelta) -> CachedSession:
        """The session from the database, checked, and cached for the next requests.

        Raises:
            AuthenticationError: unknown, revoked, idle-expired or expired token.
        """
        generation = self.sessions.generation
        async with self._core.db.read() as session:
            row = (
                await session.execute(
                    select(
                        Session.user_id,
                        Session.expires_at,
                        Session.last_used_at,
                        Session.revoked_at,
                        User.role,
                        User.disabled,
                    )
                    .join(User, User.id == Session.user_id)
                    .where(Session.token_hash == digest)
                )
            ).first()
        if row is None:
            raise AuthenticationError("Session invalide. Connectez-vous.", code="invalid_token")
        if row.revoked_at is not None or row.disabled:
            raise AuthenticationError("Session fermée. Connectez-vous.", code="session_revoked")
        if now >= row.expires_at or now - row.last_used_at >= idle:
            raise AuthenticationError("Session expirée. Connectez-vous à nouveau.", code="session_expired")
        entry = CachedSession(row.user_id, row.role, row.expires_at, row.last_used_at, time.monotonic())
        self.sessions.put(digest, entry, generation)
        return entry

    async def touch(self, principal: Principal) -> None:
        """Keep a session alive while its socket is (heartbeat)."""
        now = self._core.clock()
        async with self._core.db.write(essential=True) as session:
            await session.execute(
                update(Session)
                .where(Session.token_hash == principal.token_hash, Session.revoked_at.is_(None))
                .values(last_used_at=now)
            )
        cached = self.sessions.get(principal.token_hash)
        if cached is not None:
            cached.last_used_at = max(cached.last_used_at, now)

    async def logout(self, principal: Principal) -> None:
        async with self._core.db.write() as session:
            await session.execute(
                update(Session)
                .where(Session.token_hash == principal.token_hash)
                .values(revoked_at=self._core.clock())
            )
        await self.sessions_revoked(digests=[principal.token_hash])

    async def sessions_revoked(
        self, digests: list[str] | None = None, user_ids: list[str] | None = None
    ) -> None:
        """Forget revoked sessions here at once, and in every other process through the bus.

        Called after the revocation is committed. A broadcast lost with the bus is covered by the
        cache's rules: nothing cached is trusted while the bus is not `ok` or after a resync.
        """
        self.sessions.forget(digests or (), user_ids or ())
        try:
            await self._core.bus.publish(revocation_message(digests or (), user_ids or ()))
        except Exception as exc:
            log.error("session revocation broadcast failed: %s", failure(exc))

    # ---------------------------------------------------------------- reads and admin
    async def get_user(self, user_id: str) -> tuple[User, PractitionerProfile | None]:
        async with self._core.db.read() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFoundError("Compte introuvable.")
            profile = await session.get(PractitionerProfile, user_id) if user.role == "practitioner" else None
        return user, profile

    async def user_public(self, user_id: str) -> UserPublic:
        """The account as its owner sees it (GET /me, and the `user` of every session answer)."""
        user, profile = await self.get_user(user_id)
        return UserPublic(
            id=user.id,
            role=user.role,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            phone=user.phone,
            profession=profile.profession if profile else None,
            specialty=profile.specialty if profile else None,
            sector=profile.sector if profile else None,
            plan=profile.plan if profile else None,
            rpps=profile.rpps if profile else None,
            am_number=profile.am_number if profile else None,
            city=profile.city if profile else None,
            postal_code=profile.postal_code if profile else None,
            address=profile.address if profile else None,
            event_seq=user.event_seq,
        )

    async def session_public(self, token: str, user_id: str) -> SessionPublic:
        """What signing in answers: the session's token and its account."""
        return SessionPublic(token=token, user=await self.user_public(user_id))

    async def set_plan(self, email: str, plan: str) -> None:
        if plan not in PLANS:
            raise InvalidInputError("La formule doit être PRO ou PRO+.", field="plan")
        key = normalize_email(email)
        async with self._core.transaction() as tx:
            user_id = await tx.session.scalar(
                select(User.id).where(User.role == "practitioner", User.email == key)
            )
            if user_id is None:
                raise NotFoundError(f"Aucun praticien avec l'adresse {key}.")
            await tx.session.execute(
                update(PractitionerProfile).where(PractitionerProfile.user_id == user_id).values(plan=plan)
            )
            await tx.emit([user_id], "account.updated", AccountUpdatedEvent(plan=plan))


# Expired or revoked sessions are kept a week for the audit of recent sign-ins, then removed.
SESSIONS_KEPT = timedelta(days=7)


async def purge_sessions(session: AsyncSession, now: datetime) -> int:
    """Delete sessions expired or revoked more than a week ago (housekeeping); returns how many."""
    result = await session.execute(
        delete(Session).where(
            or_(Session.expires_at < now - SESSIONS_KEPT, Session.revoked_at < now - SESSIONS_KEPT)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
