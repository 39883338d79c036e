"""Passwords (argon2id), opaque tokens (256 random bits, stored as SHA-256) and short codes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id baseline (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when an account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("pas-un-vrai-mot-de-passe")

MIN_PASSWORD_LENGTH = 10

# Argon2 costs ~20 ms of CPU and 19 MiB per call: it runs in these threads, never on the event loop
# (argon2-cffi releases the GIL), and at most two at a time per process, so a burst of sign-ins
# queues here instead of taking the memory and cores of everything else.
_HASH_THREADS = 2
_executor = ThreadPoolExecutor(max_workers=_HASH_THREADS, thread_name_prefix="argon2")


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`, computed off the event loop.

    Call it before opening a write transaction: the hash must not hold the writer.
    """
    return await asyncio.get_running_loop().run_in_executor(_executor, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; constant work whether or not the account exists (off the loop)."""
    return await asyncio.get_running_loop().run_in_executor(_executor, _verify, password_hash, password)


def new_token() -> str:
    """An opaque bearer or link token: 256 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored for a token: its SHA-256 (the token has 256 bits of entropy; no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
