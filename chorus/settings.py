"""Settings read from the environment once, validated before anything starts."""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from locales.i18n import NP_

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The locales shipped with catalogs. URL prefixes use the BCP 47 spelling (``pt-BR``),
#: catalogs the gettext one (``pt_BR``).
SHIPPED_LOCALES: tuple[str, ...] = (
    "en",
    "ro",
    "bg",
    "hu",
    "pl",
    "pt_BR",
    "es",
    "th",
    "zh_Hans",
    "ar",
)

DEFAULT_AREAS = (
    "City Centre",
    "Northside",
    "Riverside",
    "Eastgate",
    "Old Town",
    "Harbour",
)


class SettingsError(Exception):
    """One clear sentence naming the variable that is wrong."""


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    database_url: str
    secret_key: bytes
    locales: tuple[str, ...]
    default_locale: str
    site_name: str
    exit_url: str
    date_coarseness: str
    channels: tuple[str, ...]
    areas: tuple[str, ...]
    min_cell: int
    redis_url: str | None
    var_dir: Path
    max_body_bytes: int
    state_max_age_seconds: int
    submit_limit_per_hour: int
    receipt_limit_per_hour: int
    support_contacts: tuple[tuple[str, str], ...] = field(default=())
    # Manager console (issue 5): session timeouts, retention, the address printed in QR codes.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    text_retention_days: int = 365  # free text and messages
    receipt_retention_days: int = 365
    response_retention_days: int = 0  # raw responses; 0 keeps them (reports need them)
    public_url: str | None = None
    redis_prefix: str = "chorus"
    db_pool_size: int = 10
    proof_of_work: bool = False
    proof_of_work_max: int = 100_000
    trusted_proxies: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        # sqlite:///relative/file and sqlite:////absolute/file, as SQLAlchemy spells them.
        return Path(self.database_url.removeprefix("sqlite:///"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _int(name: str, default: int, minimum: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}.")
    return value


def _trusted_proxies(raw: str | None) -> tuple[str, ...]:
    """Addresses of the reverse proxies whose X-Forwarded-For may be believed: behind one,
    every respondent would otherwise share the proxy's address, and so one rate limit."""
    if raw is None:
        return ()
    found = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"CHORUS_TRUSTED_PROXIES must list IP addresses or networks, not {item!r}."
            ) from None
        found.append(item)
    return tuple(found)


def _flag(name: str) -> bool:
    raw = (_env(name, "off") or "off").lower()
    if raw not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name} must be on or off, not {raw!r}.")
    return raw in ("on", "true", "1", "yes")


def _database_url(var_dir: Path) -> str:
    raw = _env("DATABASE_URL")
    if raw is None:
        return f"sqlite:///{var_dir / 'chorus.sqlite3'}"
    parts = urlsplit(raw)
    if parts.scheme in ("postgres", "postgresql"):
        if not parts.hostname and not parts.path.strip("/"):
            raise SettingsError(
                "DATABASE_URL must name a PostgreSQL host or database, "
                "such as postgres://user@localhost:5432/chorus."
            )
        return raw
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise SettingsError(
                "DATABASE_URL must name a SQLite file, such as sqlite:///var/chorus.sqlite3."
            )
        return raw
    raise SettingsError(
        "DATABASE_URL must start with postgres://, postgresql:// or sqlite:///, "
        f"not {raw.split(':', 1)[0]!r}."
    )


def _locale_list(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return SHIPPED_LOCALES
    chosen = []
    for item in raw.split(","):
        code = item.strip().replace("-", "_")
        if not code:
            continue
        if code not in SHIPPED_LOCALES:
            raise SettingsError(
                f"CHORUS_LOCALES names {item.strip()!r}, which is not one of the shipped "
                f"locales ({', '.join(SHIPPED_LOCALES)})."
            )
        chosen.append(code)
    if "en" not in chosen:
        # English is the source language: every string falls back to it.
        chosen.insert(0, "en")
    return tuple(chosen)


def _secret_key(environment: str, var_dir: Path) -> bytes:
    raw = _env("CHORUS_SECRET_KEY")
    if raw is not None:
        if len(raw) < 32:
            raise SettingsError("CHORUS_SECRET_KEY must be at least 32 characters long.")
        return raw.encode()
    if environment == "production":
        raise SettingsError(
            "CHORUS_SECRET_KEY must be set in production (at least 32 random characters)."
        )
    # Development: one generated secret kept beside the database, readable by us only.
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_bytes().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _support_contacts(raw: str | None) -> tuple[tuple[str, str], ...]:
    if raw is None:
        # Names are translated with the "support" context where they are shown.
        return (
            (NP_("support", "Police emergency"), "999"),
            (NP_("support", "National Ugly Mugs"), "0161 629 9861"),
            (NP_("support", "Modern Slavery Helpline"), "08000 121 700"),
            (NP_("support", "Local support service"), "0800 000 0000"),
        )
    contacts = []
    for item in raw.split(";"):
        if not item.strip():
            continue
        name, sep, number = item.partition("=")
        if not sep or not name.strip() or not number.strip():
            raise SettingsError(
                "CHORUS_SUPPORT_CONTACTS must look like 'Name=number;Other name=number'."
            )
        contacts.append((name.strip(), number.strip()))
    return tuple(contacts)


def load_settings() -> Settings:
    """Read and validate every setting; raise SettingsError naming the first bad variable."""
    environment = _env("CHORUS_ENV", "development") or "development"
    if environment not in ("development", "production", "test"):
        raise SettingsError(
            f"CHORUS_ENV must be development, production or test, not {environment!r}."
        )
    var_dir = Path(_env("CHORUS_VAR_DIR", str(PROJECT_ROOT / "var")) or "var").resolve()
    locales = _locale_list(_env("CHORUS_LOCALES"))
    default_locale = (_env("CHORUS_DEFAULT_LOCALE", "en") or "en").replace("-", "_")
    if default_locale not in locales:
        raise SettingsError(
            f"CHORUS_DEFAULT_LOCALE is {default_locale!r}, which is not an enabled locale."
        )
    try:
        Locale.parse(default_locale)
    except (ValueError, UnknownLocaleError):
        raise SettingsError(f"CHORUS_DEFAULT_LOCALE {default_locale!r} is unknown.") from None
    coarseness = _env("CHORUS_DATE_COARSENESS", "day") or "day"
    if coarseness not in ("day", "week"):
        raise SettingsError(f"CHORUS_DATE_COARSENESS must be day or week, not {coarseness!r}.")
    min_cell = _int("CHORUS_MIN_CELL", 10, 5)
    redis_url = _env("REDIS_URL")
    if redis_url is not None and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://.")
    exit_url = _env("CHORUS_EXIT_URL", "https://www.bbc.co.uk/weather") or ""
    if urlsplit(exit_url).scheme not in ("https", "http"):
        raise SettingsError("CHORUS_EXIT_URL must be an http or https address.")
    channels = tuple(
        c.strip()
        for c in (_env("CHORUS_CHANNELS", "outreach-van,poster,partner,online") or "").split(",")
        if c.strip()
    )
    areas = tuple(
        a.strip() for a in (_env("CHORUS_AREAS") or ",".join(DEFAULT_AREAS)).split(",") if a.strip()
    )
    return Settings(
        environment=environment,
        database_url=_database_url(var_dir),
        secret_key=_secret_key(environment, var_dir),
        locales=locales,
        default_locale=default_locale,
        site_name=_env("CHORUS_SITE_NAME", "Community Voice") or "Community Voice",
        exit_url=exit_url,
        date_coarseness=coarseness,
        channels=channels,
        areas=areas,
        min_cell=min_cell,
        redis_url=redis_url,
        var_dir=var_dir,
        max_body_bytes=_int("CHORUS_MAX_BODY_BYTES", 64 * 1024, 1024),
        state_max_age_seconds=_int("CHORUS_STATE_MAX_AGE", 6 * 3600, 60),
        submit_limit_per_hour=_int("CHORUS_SUBMIT_LIMIT", 30, 1),
        receipt_limit_per_hour=_int("CHORUS_RECEIPT_LIMIT", 20, 1),
        support_contacts=_support_contacts(_env("CHORUS_SUPPORT_CONTACTS")),
        session_idle_minutes=_int("CHORUS_SESSION_IDLE_MINUTES", 30, 1),
        session_max_hours=_int("CHORUS_SESSION_MAX_HOURS", 12, 1),
        text_retention_days=_int("CHORUS_TEXT_RETENTION_DAYS", 365, 1),
        receipt_retention_days=_int("CHORUS_RECEIPT_RETENTION_DAYS", 365, 1),
        response_retention_days=_int("CHORUS_RESPONSE_RETENTION_DAYS", 0, 0),
        public_url=(_env("CHORUS_PUBLIC_URL") or "").rstrip("/") or None,
        redis_prefix=_env("CHORUS_REDIS_PREFIX", "chorus") or "chorus",
        db_pool_size=_int("CHORUS_DB_POOL_SIZE", 10, 0),
        proof_of_work=_flag("CHORUS_PROOF_OF_WORK"),
        proof_of_work_max=_int("CHORUS_PROOF_OF_WORK_MAX", 100_000, 1_000),
        trusted_proxies=_trusted_proxies(_env("CHORUS_TRUSTED_PROXIES")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
