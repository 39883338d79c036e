"""Pure rules of the server domain: names, search terms, RPPS, contacts, tokens, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.identifiers import is_valid_rpps, luhn_check_digit
from contracts.text import clean_name, fold, search_terms, words
from server.container import Services
from server.kernel.contacts import normalize_email, normalize_phone
from server.kernel.errors import InvalidInputError
from server.kernel.security import hash_password, new_token, token_digest, verify_password
from server.settings import Settings, SettingsError
from tests.helpers.live_server import LiveServer


def test_fold_strips_accents_case_and_ligatures() -> None:
    assert fold("Hélène ŒUVRARD") == "helene oeuvrard"
    assert words("Jean-Édouard d'Ornano") == ["jean", "edouard", "d", "ornano"]


def test_search_terms_cover_each_word_and_joined_compound() -> None:
    terms = search_terms("Marie-Thérèse", "Le Saint")
    assert {"marie", "therese", "marietherese", "le", "saint", "lesaint"} <= terms


def test_clean_name_keeps_emoji_and_collapses_spaces() -> None:
    assert clean_name("  Zoé   🌸  ") == "Zoé 🌸"


@pytest.mark.parametrize("rpps", ["10003456786", "10101010105"])
def test_valid_rpps(rpps: str) -> None:
    assert is_valid_rpps(rpps)


@pytest.mark.parametrize("rpps", ["10003456789", "1000345678", "1000345678a", "", "100034567861"])
def test_invalid_rpps(rpps: str) -> None:
    assert not is_valid_rpps(rpps)


def test_luhn_check_digit_completes_a_valid_number() -> None:
    assert is_valid_rpps("1234567890" + luhn_check_digit("1234567890"))


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78"])
def test_french_numbers_normalise_to_the_same_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+33612345678"


def test_landline_refused_when_a_mobile_is_required() -> None:
    with pytest.raises(InvalidInputError) as err:
        normalize_phone("01 42 68 53 00", require_mobile=True)
    assert "portable" in err.value.detail


@pytest.mark.parametrize("raw", ["12", "06 12", "bonjour", "+33 6 12 34 56 78 90"])
def test_invalid_phone_numbers(raw: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        normalize_phone(raw)
    assert "n'est pas valide" in err.value.detail


def test_email_normalised_and_bad_ones_refused_in_french() -> None:
    assert normalize_email(" Helene.Dupont@Exemple.FR ") == "helene.dupont@exemple.fr"
    reasons = {
        "helene": "il manque le @",
        "helene@": "il manque le domaine après le @",
        "@exemple.fr": "il manque le nom avant le @",
        "a b@exemple.fr": "elle contient une espace",
        "helene@exemple": "n'a pas d'extension",
        "a@b@exemple.fr": "plusieurs @",
        "a@exemple..fr": "est mal formé",
        "hélène,dupont@exemple.fr": "« , » n'est pas permis",
        "hel\x00ene@exemple.fr": "un caractère invisible avant le @",
        "helene@exem\x00ple.fr": "le domaine « exem\ufffdple.fr » est mal formé",
        "helene@" + "x" * 10_000: "le domaine « " + "x" * 60 + " » n'a pas d'extension",
    }
    for bad, why in reasons.items():
        with pytest.raises(InvalidInputError) as err:
            normalize_email(bad)
        assert err.value.detail.startswith("Adresse e-mail invalide : ") and why in err.value.detail, bad


def test_tokens_are_long_random_and_stored_hashed() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes in base64url
    token = tokens.pop()
    assert token_digest(token) != token and len(token_digest(token)) == 64


@pytest.mark.asyncio
async def test_password_hash_is_argon2id_and_verifies() -> None:
    h = await hash_password("un mot de passe")
    assert h.startswith("$argon2id$")
    assert await verify_password(h, "un mot de passe")
    assert not await verify_password(h, "autre chose")
    assert not await verify_password(None, "un mot de passe")


def test_settings_precedence_env_file_then_environment_then_flags(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TELECONSULT_PORT=9000\nTELECONSULT_REDIS_URL=redis://fichier\n", encoding="utf-8")
    settings = Settings.load(
        environ={"TELECONSULT_REDIS_URL": "redis://env", "TELECONSULT_ALLOW_PRACTITIONER_SIGNUP": "oui"},
        dotenv_path=env_file,
        overrides={"host": "0.0.0.0"},
    )
    assert settings.port == 9000
    assert settings.redis_url == "redis://env"
    assert settings.allow_practitioner_signup is True
    assert settings.host == "0.0.0.0"
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")


def test_settings_refuse_bad_values_in_french(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.load(environ={"TELECONSULT_PORT": "huit"}, dotenv_path=tmp_path / "none")
    assert "Valeur invalide pour TELECONSULT_PORT" in str(err.value)


def test_housekeeping_removes_old_rate_counts_and_dead_sessions(sqlite_server: LiveServer) -> None:
    from datetime import timedelta

    from sqlalchemy import func, insert, select

    from server.accounts.models import Session
    from server.accounts.service import purge_sessions
    from server.kernel.housekeeping import Housekeeping, purge_rate_events
    from server.kernel.models import RateEvent
    from tests.helpers.factories import make_practitioner

    doctor = make_practitioner(sqlite_server)

    async def scenario(services: Services) -> tuple[int, int, int, int]:
        core = services.core
        now = core.clock()
        async with core.db.write() as session:
            await session.execute(
                insert(RateEvent),
                [
                    {"bucket": "hk", "key": "old", "at": now - timedelta(days=3)},
                    {"bucket": "hk", "key": "recent", "at": now - timedelta(hours=1)},
                ],
            )
            await session.execute(
                insert(Session),
                [
                    {
                        "token_hash": "a" * 64,
                        "user_id": doctor.id,
                        "created_at": now - timedelta(days=30),
                        "last_used_at": now - timedelta(days=30),
                        "expires_at": now - timedelta(days=29),
                        "revoked_at": None,
                    }
                ],
            )
        assert await Housekeeping(core, [purge_rate_events, purge_sessions]).run_once() == [1, 1]
        async with core.db.read() as session:
            old = await session.scalar(
                select(func.count()).where(RateEvent.bucket == "hk", RateEvent.key == "old")
            )
            recent = await session.scalar(
                select(func.count()).where(RateEvent.bucket == "hk", RateEvent.key == "recent")
            )
            dead = await session.scalar(select(func.count()).where(Session.token_hash == "a" * 64))
            live = await session.scalar(select(func.count()).where(Session.user_id == doctor.id))
        return int(old or 0), int(recent or 0), int(dead or 0), int(live or 0)

    assert sqlite_server.run(scenario) == (0, 1, 0, 1)


def test_secrets_never_show_in_the_settings_or_their_errors(tmp_path: Path) -> None:
    settings = Settings.load(
        environ={"TELECONSULT_SMTP_PASSWORD": "mot-de-passe-sûr", "TELECONSULT_TURN_SECRET": "t0p"},
        dotenv_path=tmp_path / "none",
    )
    assert "mot-de-passe-sûr" not in repr(settings) and "t0p" not in str(settings.model_dump())
    assert settings.smtp_password.get_secret_value() == "mot-de-passe-sûr"
    assert settings.replace(port=9001).turn_secret.get_secret_value() == "t0p"
    with pytest.raises(SettingsError, match="TELECONSULT_ALLOW_PRACTITIONER_SIGNUP : 'peut-être'"):
        Settings.load(
            environ={"TELECONSULT_ALLOW_PRACTITIONER_SIGNUP": "peut-être"}, dotenv_path=tmp_path / "x"
        )
    yes = Settings.load(environ={"TELECONSULT_ALLOW_PRACTITIONER_SIGNUP": "oui"}, dotenv_path=tmp_path / "x")
    assert yes.allow_practitioner_signup is True
