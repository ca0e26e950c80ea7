"""Manager accounts: argon2id passwords, sign-in with lock-out and optional TOTP, admin changes."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from uuid import UUID

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chorus import totp
from chorus.ratelimit import get_limiter
from chorus.settings import get_settings
from chorus.tables import ManagerSession, ManagerUser

Role = Literal["admin", "manager", "analyst", "partner"]
ROLES: tuple[Role, ...] = ("admin", "manager", "analyst", "partner")

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: Wrong passwords (or codes) in a row before an account is locked for LOCK_MINUTES.
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")


class AccountError(ValueError):
    """A change that cannot be made; the message is shown translated by the caller's code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    if get_settings().environment == "test":
        # Tests hash hundreds of passwords: the cheapest parameters argon2id allows.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    return PasswordHasher(type=Type.ID)  # RFC 9106 low-memory profile: 64 MiB, t=3


def hash_password(password: str) -> str:
    return hasher().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("no account has this password")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password_long")


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def check_email(email: str) -> None:
    if not _EMAIL.match(email):
        raise AccountError("email_invalid")


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite may hand back a naive one)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    role: Role
    active: bool
    totp_enabled: bool
    locked_until: datetime | None
    failed_logins: int
    created: datetime


def _user(row: dict[str, Any]) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=row["role"],
        active=bool(row["active"]),
        totp_enabled=bool(row["totp_secret"]),
        locked_until=aware(row["locked_until"]) if row["locked_until"] else None,
        failed_logins=int(row["failed_logins"] or 0),
        created=row["created"],
    )


async def create_user(email: str, role: str, password: str) -> User:
    email = normalize_email(email)
    check_email(email)
    if role not in ROLES:
        raise AccountError("role_invalid")
    check_password_rules(password)
    if await ManagerUser.exists().where(ManagerUser.email == email):
        raise AccountError("email_taken")
    row = ManagerUser(email=email, role=role, password_hash=hash_password(password), active=True)
    await ManagerUser.insert(row)
    found = await get_user(row.id)
    assert found is not None
    return found


async def get_user(user_id: UUID | str) -> User | None:
    row = await ManagerUser.select().where(ManagerUser.id == user_id).first()
    return _user(row) if row else None


async def list_users() -> list[User]:
    rows = await ManagerUser.select().order_by(ManagerUser.email)
    return [_user(row) for row in rows]


async def set_password(user_id: UUID, password: str) -> None:
    """A new password set by an admin (or by the user): every session of the user ends."""
    check_password_rules(password)
    await ManagerUser.update(
        {
            ManagerUser.password_hash: hash_password(password),
            ManagerUser.failed_logins: 0,
            ManagerUser.locked_until: None,
        }
    ).where(ManagerUser.id == user_id)
    await ManagerSession.delete().where(ManagerSession.user == user_id)


async def set_active(user_id: UUID, active: bool) -> None:
    await ManagerUser.update({ManagerUser.active: active}).where(ManagerUser.id == user_id)
    if not active:
        await ManagerSession.delete().where(ManagerSession.user == user_id)


async def set_role(user_id: UUID, role: str) -> None:
    if role not in ROLES:
        raise AccountError("role_invalid")
    await ManagerUser.update({ManagerUser.role: role}).where(ManagerUser.id == user_id)
    # Rights change now, not at the next sign-in.
    await ManagerSession.delete().where(ManagerSession.user == user_id)


async def set_totp(user_id: UUID, secret: str | None, step: int | None = None) -> None:
    await ManagerUser.update(
        {ManagerUser.totp_secret: secret, ManagerUser.totp_last_step: step}
    ).where(ManagerUser.id == user_id)


async def verify_current_password(user_id: UUID, password: str) -> bool:
    row = await ManagerUser.select(ManagerUser.password_hash).where(ManagerUser.id == user_id)
    if not row:
        return False
    try:
        return hasher().verify(row[0]["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a sign-in attempt came to: a user, or why not (wrong, locked, code_needed)."""

    user: User | None
    outcome: Literal["ok", "wrong", "locked", "code_needed"]
    retry_after: int = 0  # seconds, when locked
    known: bool = False  # whether the e-mail belongs to an account (for the audit trail only)


async def authenticate(email: str, password: str, code: str) -> SignIn:
    """Check a sign-in. An unknown e-mail, a wrong password and a deactivated account get the
    same answer, after the same work (one argon2 verification)."""
    email = normalize_email(email)
    row = await ManagerUser.select().where(ManagerUser.email == email).first()
    moment = now()
    if row is None:
        _verify(_dummy_hash(), password)
        return await _unknown_account(email)
    locked_until = row["locked_until"]
    if locked_until is not None and aware(locked_until) > moment:
        return SignIn(None, "locked", _seconds(aware(locked_until) - moment), known=True)
    password_ok = _verify(row["password_hash"], password) and bool(row["active"])
    step = None
    if password_ok and row["totp_secret"]:
        step = totp.verify(row["totp_secret"], code, row["totp_last_step"])
        if step is None:
            outcome = await _failed(row, moment)
            if outcome.outcome == "locked":
                return outcome
            return SignIn(None, "code_needed" if not code.strip() else "wrong", known=True)
    if not password_ok:
        return await _failed(row, moment)
    changes: dict[Any, Any] = {ManagerUser.failed_logins: 0, ManagerUser.locked_until: None}
    if step is not None:
        changes[ManagerUser.totp_last_step] = step
    if hasher().check_needs_rehash(row["password_hash"]):
        changes[ManagerUser.password_hash] = hash_password(password)
    await ManagerUser.update(changes).where(ManagerUser.id == row["id"])
    user = await get_user(row["id"])
    assert user is not None
    return SignIn(user, "ok", known=True)


def _verify(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds()))


async def _failed(row: dict[str, Any], moment: datetime) -> SignIn:
    # Incremented in the database, so parallel guesses cannot overwrite each other's count.
    await ManagerUser.update({ManagerUser.failed_logins: ManagerUser.failed_logins + 1}).where(
        ManagerUser.id == row["id"]
    )
    counted = await ManagerUser.select(ManagerUser.failed_logins).where(ManagerUser.id == row["id"])
    if counted and int(counted[0]["failed_logins"]) >= MAX_FAILED_LOGINS:
        until = moment + timedelta(minutes=LOCK_MINUTES)
        await ManagerUser.update(
            {ManagerUser.failed_logins: 0, ManagerUser.locked_until: until}
        ).where(ManagerUser.id == row["id"])
        return SignIn(None, "locked", LOCK_MINUTES * 60, known=True)
    return SignIn(None, "wrong", known=True)


async def _unknown_account(email: str) -> SignIn:
    """An e-mail with no account is throttled like one that has one, so the answers cannot
    tell an attacker which addresses are accounts."""
    limiter = get_limiter()
    key = hmac.new(get_settings().secret_key, b"login-email\0" + email.encode(), "sha256")
    verdict = await limiter.check(
        "login-unknown", key.hexdigest()[:32], MAX_FAILED_LOGINS - 1, LOCK_MINUTES * 60
    )
    if not verdict.allowed:
        return SignIn(None, "locked", verdict.retry_after)
    return SignIn(None, "wrong")
