"""Coarsened dates: respondent data never carries a time finer than the day (or ISO week)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chorus.settings import get_settings


def coarse_today(today: date | None = None) -> date:
    """Today, or the Monday of this ISO week when CHORUS_DATE_COARSENESS=week."""
    day = today or datetime.now(UTC).date()
    if get_settings().date_coarseness == "week":
        return day - timedelta(days=day.weekday())
    return day


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
