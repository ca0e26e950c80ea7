"""Distribution channels: the ?c= value of a link or QR code, its owner, and how many responses
came through it (small counts suppressed). Also `resolve_channel`, which the respondent flow
uses to accept a channel made here as well as one configured in CHORUS_CHANNELS."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import segno

from chorus.settings import get_settings
from chorus.tables import Channel, ManagerUser

KINDS = ("outreach", "partner", "poster", "online")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class ChannelInvalid(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}={v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: UUID
    slug: str
    name: str
    kind: str
    owner_id: UUID | None
    owner_email: str | None


_COLUMNS = (
    Channel.id,
    Channel.slug,
    Channel.name,
    Channel.kind,
    Channel.owner.id.as_alias("owner_id"),
    Channel.owner.email.as_alias("owner_email"),
)


def _view(row: dict[str, Any]) -> ChannelView:
    return ChannelView(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        kind=row["kind"],
        owner_id=row["owner_id"],
        owner_email=row["owner_email"],
    )


async def list_channels(owner: UUID | None = None) -> list[ChannelView]:
    """Every channel, or only those owned by `owner` (what a partner sees)."""
    query = Channel.select(*_COLUMNS).order_by(Channel.name)
    if owner is not None:
        query = query.where(Channel.owner == owner)
    return [_view(row) for row in await query]


async def get_channel(slug: str) -> ChannelView | None:
    row = await Channel.select(*_COLUMNS).where(Channel.slug == slug).first()
    return _view(row) if row else None


async def save_channel(
    existing: ChannelView | None, *, slug: str, name: str, kind: str, owner: str
) -> ChannelView:
    """Create a channel, or change the name, kind and owner of `existing` (its slug stays: it
    is what every printed link and stored response carries)."""
    problems: dict[str, str] = {}
    slug = existing.slug if existing else slug.strip().lower()
    name = " ".join(name.split())[:80]
    if existing is None:
        if not _SLUG.match(slug):
            problems["slug"] = "invalid"
        elif await Channel.exists().where(Channel.slug == slug):
            problems["slug"] = "taken"
    if not name:
        problems["name"] = "missing"
    if kind not in KINDS:
        problems["kind"] = "missing"
    owner_id: UUID | None = None
    if owner:
        try:
            owner_id = UUID(owner)
        except ValueError:
            problems["owner"] = "unknown"
        else:
            if not await ManagerUser.exists().where(ManagerUser.id == owner_id):
                problems["owner"] = "unknown"
    if problems:
        raise ChannelInvalid(problems)
    if existing is None:
        await Channel.insert(Channel(slug=slug, name=name, kind=kind, owner=owner_id))
    else:
        await Channel.update(
            {Channel.name: name, Channel.kind: kind, Channel.owner: owner_id}
        ).where(Channel.id == existing.id)
    saved = await get_channel(slug)
    assert saved is not None
    return saved


async def response_counts(slugs: list[str]) -> dict[str, int]:
    """Responses stored with each channel (withdrawn ones are gone, so not counted)."""
    if not slugs:
        return {}
    from piccolo.query.functions.aggregate import Count

    from surveys.tables import Response

    rows = (
        await Response.select(Response.channel, Count(Response.id, alias="responses"))
        .where(Response.channel.is_in(slugs))
        .group_by(Response.channel)
    )
    counts = {slug: 0 for slug in slugs}
    counts.update({row["channel"]: int(row["responses"]) for row in rows})
    return counts


async def resolve_channel(raw: str | None) -> str | None:
    """The channel of a ?c= value: one configured in CHORUS_CHANNELS or one made in the
    console; anything else is recorded as no channel."""
    if not raw or len(raw) > 40:
        return None
    if raw in get_settings().channels:
        return raw
    if _SLUG.match(raw) and await Channel.exists().where(Channel.slug == raw):
        return raw
    return None


def form_path(survey_slug: str, survey_kind: str) -> str:
    """The path under /<locale> of a questionnaire or a feedback form."""
    if survey_kind == "survey":
        return f"/surveys/{survey_slug}"
    return f"/feedback/{survey_kind}"


def short_link(base_url: str, url_locale: str, path: str, channel: str) -> str:
    return f"{base_url.rstrip('/')}/{url_locale}{path}?c={channel}"


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=4, xmldecl=False)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=16, border=4)
    return buffer.getvalue()
