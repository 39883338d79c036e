"""Secrets in the settings are never printed: reprs, error messages, the CLI, the start-up log."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from server.settings import URL_FIELDS, Settings, SettingsError
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.redis_process import RedisProcess
from tests.helpers.server_process import ServerChild
from tests.server.test_cli_and_migrations import cli

# A field whose name says it holds a secret must be a SecretStr or a URL whose password is masked.
SECRET_NAME = re.compile(r"password|secret|_key$|token|consumer")


def secret_fields() -> list[str]:
    return [name for name, info in Settings.model_fields.items() if info.annotation is SecretStr]


def secret_environment(sentinel: str) -> dict[str, str]:
    """Every secret-bearing setting, each holding its own recognisable value."""
    env = {f"TELECONSULT_{name.upper()}": f"{sentinel}-{name}" for name in secret_fields()}
    env["TELECONSULT_DATABASE_URL"] = f"postgresql+asyncpg://postgres:{sentinel}-db@127.0.0.1:5432/test"
    env["TELECONSULT_REDIS_URL"] = f"redis://:{sentinel}-redis@127.0.0.1:6379/0?password={sentinel}-q"
    return env


def test_every_secret_bearing_setting_is_a_secret() -> None:
    named = {name for name in Settings.model_fields if SECRET_NAME.search(name)}
    assert named, "the audit found nothing: the pattern is wrong"
    assert named <= set(secret_fields()), sorted(named - set(secret_fields()))
    assert {
        "smtp_password",
        "sms_api_key",
        "sms_api_secret",
        "sms_consumer_key",
        "stripe_api_key",
        "stripe_webhook_secret",
        "turn_secret",
        "attachments_key",
    } <= set(secret_fields())
    assert set(URL_FIELDS) == {"database_url", "redis_url"}


def test_repr_and_str_of_the_settings_show_no_secret(tmp_path: Path) -> None:
    settings = Settings.load(environ=secret_environment("S3NTINEL"), dotenv_path=tmp_path / "none.env")
    assert settings.smtp_password.get_secret_value() == "S3NTINEL-smtp_password"  # the value is there
    assert "S3NTINEL" in settings.database_url
    for shown in (repr(settings), str(settings), f"{settings}", repr(settings.replace(port=1))):
        assert "S3NTINEL" not in shown, shown
    assert "postgresql+asyncpg://postgres:***@127.0.0.1:5432/test" in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELECONSULT_DATABASE_URL", "postgresql+asyncpg://u:S3NTINEL@127.0.0.1:huit/x"),
        ("TELECONSULT_DATABASE_URL", "S3NTINEL sans schéma"),
        ("TELECONSULT_REDIS_URL", "redis://:S3NTINEL@127.0.0.1:port/0"),
        ("TELECONSULT_REDIS_URL", "redis://:S3NTINEL avec espace@127.0.0.1/0"),
    ],
)
def test_a_wrong_url_is_refused_in_french_without_its_password(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.load(environ={variable: value}, dotenv_path=Path("/nonexistent/none.env"))
    message = str(err.value)
    assert message.startswith(f"Valeur invalide pour {variable}"), message
    assert "S3NTINEL" not in message, message


def test_the_cli_error_on_a_wrong_database_url_shows_no_password(tmp_path: Path) -> None:
    result = cli(
        tmp_path,
        "migrate",
        "--data-dir",
        str(tmp_path),
        env={"TELECONSULT_DATABASE_URL": "postgresql+asyncpg://u:S3NTINEL@127.0.0.1:huit/x"},
    )
    assert result.returncode == 2, result.stderr
    assert "Erreur de configuration : Valeur invalide pour TELECONSULT_DATABASE_URL" in result.stderr
    assert "S3NTINEL" not in result.stderr + result.stdout


@pytest.mark.postgres
@pytest.mark.redis
def test_a_server_started_with_every_secret_logs_none(tmp_path: Path) -> None:
    """A real server on PostgreSQL and a password-protected Redis, every secret set, log at debug."""
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    sentinel = "S3NTINEL"
    attachments_key = base64.b64encode(os.urandom(32)).decode()
    previous_key = base64.b64encode(os.urandom(32)).decode()
    database = create_postgres_database(POSTGRES_URL)  # trust auth: the password is sent, not checked
    with RedisProcess(tmp_path, password=f"{sentinel}-redis") as redis:
        env = {
            **secret_environment(sentinel),
            "TELECONSULT_DATABASE_URL": database.replace("postgres@", f"postgres:{sentinel}-db@", 1),
            "TELECONSULT_REDIS_URL": redis.url,
            "TELECONSULT_SMTP_HOST": "127.0.0.1",
            "TELECONSULT_SMS_PROVIDER": "ovh",
            "TELECONSULT_SMS_ACCOUNT": "sms-test",
            "TELECONSULT_PAYMENT_PROVIDER": "stripe",
            "TELECONSULT_TURN_URLS": "turn:turn.example.fr:3478",
            "TELECONSULT_ATTACHMENTS_KEY": attachments_key,
            "TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS": previous_key,
            "TELECONSULT_LOG_LEVEL": "debug",
        }
        assert f"{sentinel}-db@" in env["TELECONSULT_DATABASE_URL"]
        server = ServerChild(tmp_path, env, inherit_settings=False)
        with server:
            pass
        log = server.log_path.read_text(errors="replace")
    assert "delivery by" in log and "payments:" in log  # the start-up lines were written
    assert sentinel not in log
    assert attachments_key not in log and previous_key not in log
