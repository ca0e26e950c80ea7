"""API tokens for /api/v1/reports: made by admins, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chorus.accounts import aware, now
from chorus.tables import ApiToken

PREFIX = "chorus_"
SCOPES = ("reports",)
#: last_used is written at most this often.
TOUCH_SECONDS = 300


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: UUID
    name: str
    scope: str
    created_by: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


async def create_token(name: str, scope: str, created_by: str) -> tuple[str, UUID]:
    """A new token; the clear value is returned here once and never stored."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name.strip()[:80], token_hash=token_hash(token), scope=scope, created_by=created_by
    )
    await ApiToken.insert(row)
    return token, row.id


async def list_tokens() -> list[TokenInfo]:
    rows = await ApiToken.select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.scope,
        ApiToken.created_by,
        ApiToken.created,
        ApiToken.last_used,
        ApiToken.revoked,
    ).order_by(ApiToken.created, ascending=False)
    return [TokenInfo(**row) for row in rows]


async def revoke(token_id: UUID) -> str | None:
    """Revoke a token; returns its name, or None when there was no such live token."""
    row = (
        await ApiToken.select(ApiToken.name)
        .where((ApiToken.id == token_id) & ApiToken.revoked.is_null())
        .first()
    )
    if row is None:
        return None
    await ApiToken.update({ApiToken.revoked: now()}).where(ApiToken.id == token_id)
    return str(row["name"])


@dataclass(frozen=True, slots=True)
class TokenUser:
    id: UUID
    name: str
    scope: str


async def resolve(token: str) -> TokenUser | None:
    if not token.startswith(PREFIX) or len(token) > 128:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.scope, ApiToken.last_used)
        .where((ApiToken.token_hash == token_hash(token)) & ApiToken.revoked.is_null())
        .first()
    )
    if row is None:
        return None
    moment = now()
    last = row["last_used"]
    if last is None or (moment - aware(last)).total_seconds() > TOUCH_SECONDS:
        await ApiToken.update({ApiToken.last_used: moment}).where(ApiToken.id == row["id"])
    return TokenUser(id=row["id"], name=row["name"], scope=row["scope"])
