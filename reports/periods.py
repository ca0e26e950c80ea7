"""Calendar periods for reports: months, quarters and rolling windows over "YYYY-MM"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

PERIOD_KINDS = ("month", "quarter", "rolling3", "rolling12")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A from/to month that is not YYYY-MM, or a range that runs backwards."""


def month_index(period: str) -> int:
    found = _MONTH.match(period)
    if not found:
        raise PeriodError(period)
    return int(found.group(1)) * 12 + int(found.group(2)) - 1


def month_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def current_month() -> str:
    today = datetime.now(UTC).date()
    return f"{today.year:04d}-{today.month:02d}"


def month_range(start: str | None, end: str | None, default_months: int = 24) -> list[str]:
    """Every month from start to end inclusive; by default the last 24 months."""
    last = month_index(end) if end else month_index(current_month())
    first = month_index(start) if start else last - default_months + 1
    if first > last:
        raise PeriodError("from is after to")
    if last - first > 20 * 12:
        raise PeriodError("range too long")
    return [month_of(i) for i in range(first, last + 1)]


def quarter_of(period: str) -> str:
    index = month_index(period)
    return f"{index // 12:04d}-Q{index % 12 // 3 + 1}"


def comparison_step(kind: str) -> int:
    """How many points back a change is measured against: the previous month or quarter;
    for rolling windows the previous non-overlapping window (rolling12: year on year)."""
    return {"month": 1, "quarter": 1, "rolling3": 3, "rolling12": 12}[kind]
