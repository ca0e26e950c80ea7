"""The audit trail: append-only, who did what and when, never what a respondent said.

There is deliberately no function here that updates or deletes an entry. Targets are record
ids (random uuids), e-mails of managers, channel slugs or token names; details are counts,
statuses and settings, never free text or receipt codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chorus.tables import AuditEntry
from locales.i18n import gettext_noop

SYSTEM = "system"

#: Every action recorded, with its label for the viewer's filter (translated where shown).
ACTIONS: dict[str, str] = {
    "login": gettext_noop("Signed in"),
    "login_failed": gettext_noop("Failed sign-in"),
    "logout": gettext_noop("Signed out"),
    "user_added": gettext_noop("User added"),
    "password_reset": gettext_noop("Password reset"),
    "password_changed": gettext_noop("Own password changed"),
    "role_changed": gettext_noop("Role changed"),
    "user_deactivated": gettext_noop("User deactivated"),
    "user_activated": gettext_noop("User reactivated"),
    "totp_enabled": gettext_noop("Second factor turned on"),
    "totp_disabled": gettext_noop("Second factor turned off"),
    "viewed_free_text": gettext_noop("Viewed free text"),
    "export": gettext_noop("Export"),
    "status_changed": gettext_noop("Status changed"),
    "tagged": gettext_noop("Tag added"),
    "untagged": gettext_noop("Tag removed"),
    "reply": gettext_noop("Reply sent"),
    "update_saved": gettext_noop("Update saved"),
    "update_published": gettext_noop("Update published"),
    "update_unpublished": gettext_noop("Update unpublished"),
    "channel_saved": gettext_noop("Channel saved"),
    "token_created": gettext_noop("API token created"),
    "token_revoked": gettext_noop("API token revoked"),
    "purge": gettext_noop("Retention purge"),
}

PAGE_SIZE = 100


async def record(actor: str, action: str, target: str = "", detail: str = "") -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    await AuditEntry.insert(
        AuditEntry(actor=actor[:254], action=action, target=target[:254], detail=detail[:2000])
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def _where(wanted: AuditFilter) -> list[Any]:
    clauses: list[Any] = []
    if wanted.action:
        clauses.append(AuditEntry.action == wanted.action)
    if wanted.actor:
        clauses.append(AuditEntry.actor.ilike(f"%{_escape_like(wanted.actor)}%"))
    if wanted.date_from:
        clauses.append(AuditEntry.at >= datetime.combine(wanted.date_from, time(), tzinfo=UTC))
    if wanted.date_to:
        end = datetime.combine(wanted.date_to + timedelta(days=1), time(), tzinfo=UTC)
        clauses.append(AuditEntry.at < end)
    return clauses


def _escape_like(text: str) -> str:
    # % and _ typed in the filter are matched as themselves (near enough: they are dropped).
    return text.replace("%", "").replace("_", "")


async def search(wanted: AuditFilter) -> AuditPage:
    clauses = _where(wanted)
    count_query = AuditEntry.count()
    query = AuditEntry.select(
        AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.detail
    )
    if clauses:
        count_query = count_query.where(*clauses)
        query = query.where(*clauses)
    total = await count_query
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    rows = (
        await query.order_by(AuditEntry.at, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AuditPage(
        rows=[AuditRow(r["at"], r["actor"], r["action"], r["target"], r["detail"]) for r in rows],
        total=total,
        page=page,
        pages=pages,
    )
