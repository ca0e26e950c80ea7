"""Manager sessions kept server-side in the database (so every process shares them), with an
idle and an absolute timeout, and a CSRF token tied to each session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from chorus.accounts import Role, aware, now
from chorus.settings import get_settings
from chorus.tables import ManagerSession

COOKIE = "chorus_session"
#: last_seen is written at most this often, not on every request.
TOUCH_SECONDS = 60


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def csrf_token(sid: str) -> str:
    """The per-session token every manager form carries; it changes with the session."""
    return hmac.new(get_settings().secret_key, b"csrf\0" + sid.encode(), "sha256").hexdigest()


def csrf_matches(sid: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(sid), given)


@dataclass(frozen=True, slots=True)
class SessionUser:
    session_id: str
    user_id: UUID
    email: str
    role: Role
    totp_enabled: bool


def _limits() -> tuple[timedelta, timedelta]:
    settings = get_settings()
    return (
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_max_hours),
    )


async def start_session(user_id: UUID, replacing: str | None = None) -> str:
    """A new session for the user; returns the cookie's token. A session the browser already
    had is ended, so an id planted before sign-in (session fixation) never becomes valid."""
    if replacing:
        await end_session(replacing)
    token = secrets.token_urlsafe(32)
    moment = now()
    await ManagerSession.insert(
        ManagerSession(id=session_id(token), user=user_id, created=moment, last_seen=moment)
    )
    return token


async def resume(token: str | None) -> SessionUser | None:
    """The signed-in user for a cookie's token, or None when it is unknown, timed out or the
    account was deactivated. A timed-out session is deleted."""
    if not token or len(token) > 128:
        return None
    sid = session_id(token)
    row: dict[str, Any] | None = (
        await ManagerSession.select(
            ManagerSession.id,
            ManagerSession.created,
            ManagerSession.last_seen,
            ManagerSession.user.id.as_alias("user_id"),
            ManagerSession.user.email.as_alias("email"),
            ManagerSession.user.role.as_alias("role"),
            ManagerSession.user.active.as_alias("active"),
            ManagerSession.user.totp_secret.as_alias("totp_secret"),
        )
        .where(ManagerSession.id == sid)
        .first()
    )
    if row is None:
        return None
    idle, absolute = _limits()
    moment = now()
    if (
        not row["active"]
        or moment - aware(row["last_seen"]) > idle
        or moment - aware(row["created"]) > absolute
    ):
        await ManagerSession.delete().where(ManagerSession.id == sid)
        return None
    if (moment - aware(row["last_seen"])).total_seconds() > TOUCH_SECONDS:
        await ManagerSession.update({ManagerSession.last_seen: moment}).where(
            ManagerSession.id == sid
        )
    return SessionUser(
        session_id=sid,
        user_id=row["user_id"],
        email=row["email"],
        role=row["role"],
        totp_enabled=bool(row["totp_secret"]),
    )


async def end_session(token: str) -> None:
    await ManagerSession.delete().where(ManagerSession.id == session_id(token))


async def purge_expired() -> int:
    """Delete sessions past either timeout; returns how many."""
    idle, absolute = _limits()
    moment = now()
    expired = (ManagerSession.last_seen < moment - idle) | (
        ManagerSession.created < moment - absolute
    )
    count = await ManagerSession.count().where(expired)
    if count:
        await ManagerSession.delete().where(expired)
    return int(count)
