"""Settings are checked at start; each wrong variable stops the service with one sentence."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chorus.settings import SettingsError, load_settings


def test_it_reads_a_postgres_url(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("DATABASE_URL", "postgres://chorus@db.example:5432/chorus")
    settings = load_settings()
    assert settings.is_postgres
    assert settings.database_url == "postgres://chorus@db.example:5432/chorus"


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/chorus", "not a url", "postgres://", "sqlite:///"]
)
def test_it_refuses_a_malformed_database_url(tmp_env: pytest.MonkeyPatch, url: str) -> None:
    tmp_env.setenv("DATABASE_URL", url)
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_it_refuses_an_unknown_locale(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_LOCALES", "en,ro,klingon")
    with pytest.raises(SettingsError, match="CHORUS_LOCALES names 'klingon'"):
        load_settings()


def test_it_refuses_a_default_locale_that_is_not_enabled(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_LOCALES", "en,ro")
    tmp_env.setenv("CHORUS_DEFAULT_LOCALE", "ar")
    with pytest.raises(SettingsError, match="CHORUS_DEFAULT_LOCALE"):
        load_settings()


def test_english_is_always_enabled(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_LOCALES", "ro, pt-BR")
    assert load_settings().locales == ("en", "ro", "pt_BR")


def test_production_requires_a_secret(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_ENV", "production")
    tmp_env.delenv("CHORUS_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="CHORUS_SECRET_KEY must be set in production"):
        load_settings()


def test_a_short_secret_is_refused(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_SECRET_KEY", "too-short")
    with pytest.raises(SettingsError, match="CHORUS_SECRET_KEY must be at least 32"):
        load_settings()


def test_development_generates_a_private_secret_once(
    tmp_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tmp_env.setenv("CHORUS_ENV", "development")
    tmp_env.delenv("CHORUS_SECRET_KEY", raising=False)
    first = load_settings().secret_key
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_settings().secret_key == first


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHORUS_MIN_CELL", "3"),
        ("CHORUS_MIN_CELL", "ten"),
        ("CHORUS_DATE_COARSENESS", "hour"),
        ("CHORUS_ENV", "staging"),
        ("REDIS_URL", "http://localhost:6379"),
        ("CHORUS_EXIT_URL", "javascript:alert(1)"),
        ("CHORUS_SUPPORT_CONTACTS", "no number here"),
    ],
)
def test_each_bad_variable_is_named(tmp_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    tmp_env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_command_stops_with_one_sentence_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://x", "CHORUS_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "chorus.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("chorus: DATABASE_URL must start with")
    assert "Traceback" not in result.stderr


def test_trusted_proxies_are_checked(tmp_env: pytest.MonkeyPatch) -> None:
    tmp_env.setenv("CHORUS_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert load_settings().trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    tmp_env.setenv("CHORUS_TRUSTED_PROXIES", "10.0.0.1, my-proxy")
    with pytest.raises(SettingsError, match="CHORUS_TRUSTED_PROXIES"):
        load_settings()
