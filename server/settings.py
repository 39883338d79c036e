"""Server settings: read once from TELECONSULT_* variables, an optional .env file and CLI flags.

A pydantic-settings model: each field's type converts and checks its variable (a wrong value is
refused with a French message naming it), secrets are `SecretStr` (never printed, never logged;
`.get_secret_value()` where an adapter needs them).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "TELECONSULT_"
_FRENCH_BOOLEANS = {"oui": True, "non": False}


class SettingsError(ValueError):
    """A setting has a value the server cannot use."""


# A URL's password (`scheme://user:password@host`) and password-like query parameters.
_URL_PASSWORD = re.compile(r"(?P<head>://[^/@:?#]*:)[^@/?#]*(?=@)")
_URL_QUERY_SECRET = re.compile(r"(?P<head>[?&](?:password|pass|pwd|secret|token)=)[^&#]*", re.IGNORECASE)
# Settings that are URLs and may carry a password: shown with it masked.
URL_FIELDS = ("database_url", "redis_url")


def redact_url(url: str) -> str:
    """`url` with its password and password-like query parameters replaced by ***."""
    masked = _URL_PASSWORD.sub(r"\g<head>***", url)
    return _URL_QUERY_SECRET.sub(r"\g<head>***", masked)


def default_data_dir() -> Path:
    """The per-user data folder of the companion server."""
    return Path(user_data_dir("teleconsult-server", appauthor=False))


class Settings(BaseSettings):
    """Everything the server is configured with; passed in, never global."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    # Kept free beside the SQLite database: freed when the disk fills up, so sign-in still works.
    storage_reserve_bytes: int = 8 * 1024 * 1024
    redis_url: str = ""
    # Pub/sub channel namespace: deployments sharing one Redis never see each other's frames.
    # Empty: derived from the database URL (processes of one deployment share their database).
    bus_namespace: str = ""
    public_url: str = ""
    # Addresses of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (comma-separated IPs or networks, "*" for any): rate limits and the audit then see the real
    # client's address. Empty: no proxy is trusted, the peer's address is used (docs/deploy.md).
    trusted_proxies: str = "127.0.0.1,::1"
    # Sessions: idle and absolute lifetimes (ASVS 7.3; NIST SP 800-63B AAL2).
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    allow_practitioner_signup: bool = False
    # Plan given to accounts created by sign-up. A practitioner's own local server says PRO+:
    # there the plan gates nothing anyone sells (docs/decisions.md).
    signup_plan: str = "PRO"
    # Wrong passwords: per account from one address, and per address (any account)…
    login_max_failures: int = 10
    # …and per account from every address, much higher: someone who knows an email cannot keep
    # its owner out from the owner's own address; a password reset lifts this one.
    login_account_max_failures: int = 100
    login_window_minutes: int = 15
    max_json_bytes: int = 256 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    ws_auth_timeout_seconds: float = 10.0
    ws_heartbeat_seconds: float = 25.0
    ws_dead_after_seconds: float = 75.0
    ws_signal_rate_per_second: int = 50
    # Open sockets: a client reconnecting in a loop, or a script, cannot hold the process's memory.
    ws_max_per_user: int = Field(default=10, ge=1)
    ws_max_per_ip: int = Field(default=50, ge=1)
    # Documents: stored encrypted at rest; the key is generated into data_dir when not given.
    attachments_dir: Path | None = None
    attachments_key: SecretStr = SecretStr("")
    # Keys that sealed older documents (comma-separated base64): read, never written with.
    attachments_previous_keys: SecretStr = SecretStr("")
    # Where documents live: "files" (attachments_dir) or "database" (the server's database, so
    # every server process reaches them). Empty: "database" on PostgreSQL, else "files".
    documents_store: str = ""
    # Delivery (invitations, codes): SMTP, SMS gateway, or a local outbox folder when unset.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_from: str = "Teleconsult <no-reply@teleconsult.invalid>"
    smtp_timeout_seconds: float = 15.0
    sms_provider: str = ""  # "", "brevo", "ovh", "twilio"
    sms_base_url: str = ""
    sms_api_key: SecretStr = SecretStr("")
    sms_api_secret: SecretStr = SecretStr("")
    sms_consumer_key: SecretStr = SecretStr("")
    sms_account: str = ""
    sms_sender: str = "TELECONSULT"
    outbox_dir: Path | None = None
    smtp_ca_file: Path | None = None  # extra CA certificate to trust (relay with its own CA)
    # Persisted delivery queue: exponential backoff from base to max, lease of an in-flight send.
    delivery_max_attempts: int = 8
    delivery_retry_base_seconds: float = 30.0
    delivery_retry_max_seconds: float = 3600.0
    delivery_poll_seconds: float = 2.0
    delivery_lease_seconds: float = 120.0
    delivery_concurrency: int = 4
    invitations_per_day: int = 300  # sends (new, corrected, resent) per practitioner per day
    # Payments.
    payment_provider: str = "offline"  # "offline" or "stripe"
    stripe_api_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_base_url: str = "https://api.stripe.com"
    stripe_timeout_seconds: float = 20.0
    stripe_webhook_tolerance_seconds: int = 300  # signed timestamp older or newer than this: refused
    # Video: ICE servers handed to both peers. Never a third-party default.
    stun_urls: str = ""  # comma-separated, e.g. "stun:turn.example.fr:3478"
    turn_urls: str = ""  # comma-separated "turn:…?transport=udp,turns:…"
    turn_secret: SecretStr = SecretStr("")
    turn_ttl_seconds: int = 3600
    log_level: str = "info"
    # « text » (one line per record) or « json » (one object per line: time, level, logger,
    # message, request id, route template) for a log collector.
    log_format: str = "text"
    # Bearer token of GET /metrics (Prometheus); empty: /metrics answers 404.
    metrics_token: SecretStr = SecretStr("")

    @property
    def effective_database_url(self) -> str:
        """The database URL, SQLite in data_dir when none is configured."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'teleconsult.db'}"

    @property
    def effective_bus_namespace(self) -> str:
        """`bus_namespace`, or a digest of the database URL (never the URL: it may hold a password)."""
        if self.bus_namespace.strip():
            return self.bus_namespace.strip()
        return hashlib.sha256(self.effective_database_url.encode()).hexdigest()[:16]

    @property
    def effective_public_url(self) -> str:
        """Base URL of the patient pages as patients reach them (links in emails and SMS)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def effective_attachments_dir(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @property
    def effective_documents_store(self) -> str:
        if self.documents_store:
            return self.documents_store
        return "files" if self.effective_database_url.startswith("sqlite") else "database"

    @property
    def effective_outbox_dir(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """repr() and str(): secrets are masked by SecretStr, URLs show no password."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name in URL_FIELDS and isinstance(value, str) else value

    @field_validator("database_url", "redis_url")
    @classmethod
    def _url(cls, value: str) -> str:
        """A URL the drivers can read (checked here, so the error names the variable)."""
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\S*", value):
            raise ValueError("not a URL")
        port = re.match(r"[^:]+://(?:[^@/?#]*@)?(?:\[[^]]*\]|[^:/?#]*)(?::([^/?#]*))?", value)
        if value and port and port.group(1) is not None and not port.group(1).isdigit():
            raise ValueError("port is not a number")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError("log format is text or json")
        return value.strip().lower()

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr) -> SecretStr:
        """Long enough not to be guessed: /metrics tells who is connected and how busy the server is."""
        if value.get_secret_value() and len(value.get_secret_value()) < 16:
            raise ValueError("metrics token shorter than 16 characters")
        return value

    @field_validator("documents_store")
    @classmethod
    def _store(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("", "database", "files"):
            raise ValueError("database or files")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        """« oui » and « non » are booleans too; an empty variable leaves an optional path unset."""
        if isinstance(value, str) and value.strip().lower() in _FRENCH_BOOLEANS:
            return _FRENCH_BOOLEANS[value.strip().lower()]
        return value

    @field_validator("attachments_dir", "outbox_dir", "smtp_ca_file", mode="before")
    @classmethod
    def _optional_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            return Path(value).expanduser() if value.strip() else None
        return value

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        dotenv_path: Path | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Build settings: defaults < .env file < environment < explicit overrides (CLI flags).

        Raises:
            SettingsError: a value cannot be converted to the field's type.
        """
        env = dict(os.environ if environ is None else environ)
        raw: dict[str, str] = {}
        path = dotenv_path if dotenv_path is not None else Path(env.get(PREFIX + "ENV_FILE", ".env"))
        if path.is_file():
            raw.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        raw.update(env)
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = PREFIX + name.upper()
            if key in raw:
                values[name] = raw[key]
        values.update({name: value for name, value in (overrides or {}).items() if value is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = str(error["loc"][0]) if error["loc"] else "?"
            shown = values.get(name, "")
            if name in _SECRETS:
                shown = "***"
            elif name in URL_FIELDS:  # a URL the drivers cannot read: only its scheme is shown
                scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", str(shown))
                shown = f"{scheme.group(0)}…" if scheme else "***"
            raise SettingsError(f"Valeur invalide pour {PREFIX}{name.upper()} : {shown!r}") from None

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (a test server's port, a restart on the same data)."""
        return self.model_validate({**self.model_dump(), **changes})


_SECRETS = frozenset(
    name for name, info in Settings.model_fields.items() if info.annotation in (SecretStr, "SecretStr")
)
