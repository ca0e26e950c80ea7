"""Changes in words: what rose or fell for real, and what shows no clear change."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from locales.i18n import _, current_locale, format_number, format_percentage
from reports.metrics import TRUST_INDEX, group_label
from reports.trust import Point, Series


def period_label(period: str) -> str:
    """A period as people say it, in the request's language: "Oct 2026", "Q3 2026"."""
    year, _sep, rest = period.partition("-")
    if rest.startswith("Q"):
        return _("Q{quarter} {year}").format(quarter=rest[1:], year=year)
    return str(format_date(date(int(year), int(rest), 1), "MMM y", locale=current_locale.get()))


def _signed(value: float) -> str:
    text = format_number(abs(value), 0)
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


def _value(series: Series, point: Point) -> str:
    if series.metric == TRUST_INDEX:
        return format_number(point.mean or 0.0, 0)
    return _("{percent}%").format(percent=format_number(point.percent or 0.0, 0))


def describe_change(series: Series, before: Point, after: Point) -> str | None:
    """One sentence for the change from `before` to `after`, or None when it cannot be said
    (a suppressed point, or no interval)."""
    change = after.change
    if change is None or before.suppressed or after.suppressed:
        return None
    values = {
        "metric": series.label,
        "group": group_label(series.group),
        "before": _value(series, before),
        "after": _value(series, after),
        "start": period_label(before.period),
        "end": period_label(after.period),
        "diff": _signed(change.diff),
        "low": _signed(change.ci_low),
        "high": _signed(change.ci_high),
        # The level as a placeholder: a literal "95% i…" reads as a %i format to gettext tools.
        "level": format_percentage(0.95),
    }
    if not change.significant:
        return _(
            "{metric} among {group}: no clear change between {start} and {end} "
            "({before} to {after}; {level} interval for the change {low} to {high})."
        ).format(**values)
    if change.diff > 0:
        return _(
            "{metric} among {group} rose from {before} to {after} between {start} and {end} "
            "({diff} points, {level} interval {low} to {high})."
        ).format(**values)
    return _(
        "{metric} among {group} fell from {before} to {after} between {start} and {end} "
        "({diff} points, {level} interval {low} to {high})."
    ).format(**values)


def latest_changes(series_list: list[Series]) -> list[tuple[Series, str, bool]]:
    """The sentence for each series' latest change, significant ones first."""
    found = []
    for series in series_list:
        shown = [p for p in series.points if p.change is not None and not p.suppressed]
        if not shown:
            continue
        after = shown[-1]
        assert after.change is not None
        since = after.change.since
        before = next((p for p in series.points if p.period == since), None)
        if before is None:
            continue
        sentence = describe_change(series, before, after)
        if sentence:
            found.append((series, sentence, bool(after.change and after.change.significant)))
    return sorted(found, key=lambda item: not item[2])


def convenience_note() -> str:
    return _(
        "These figures come from people who chose to answer (a convenience sample). "
        "They are not weighted and may not represent everyone."
    )
