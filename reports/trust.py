"""Trust-and-confidence series: % agree per item and the trust index, with intervals,
changes and disclosure control, aggregated in the database from the roll-ups."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chorus.settings import get_settings
from locales.i18n import pgettext
from reports.disclosure import Cell, round_public, suppress_small_cells
from reports.metrics import (
    GROUP_SURVEYS,
    TRUST_INDEX,
    TRUST_INDEX_LABEL,
    Metric,
    metrics_for,
)
from reports.periods import comparison_step, month_range, quarter_of
from reports.statistics import change as newcombe_change
from reports.statistics import mean_interval, t_quantile, wilson
from surveys.tables import AnswerCount, TrustScore

BREAKDOWNS = {
    "area": "area",
    "work_setting": "work_setting",
    "language": "locale",
    "channel": "channel",
}


class ReportError(ValueError):
    """A report parameter that makes no sense (unknown group, breakdown, period)."""


@dataclass(slots=True)
class PointChange:
    diff: float
    ci_low: float
    ci_high: float
    significant: bool
    since: str = ""  # the period the change is measured from


@dataclass(slots=True)
class Point:
    period: str
    positive: int | None
    base: int | None
    percent: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    reason: str | None = None
    mean: float | None = None
    change: PointChange | None = None
    # Kept for changes and secondary suppression, never published when suppressed.
    _raw: tuple[float, float, float] = (0, 0, 0)


@dataclass(slots=True)
class Series:
    metric: str
    label: str
    group: str
    breakdown: dict[str, str] | None
    points: list[Point] = field(default_factory=list)


@dataclass(slots=True)
class TrustReport:
    group: str
    period: str
    months: list[str]
    by: str | None
    min_cell: int
    public: bool
    series: list[Series]


def public_min_cell(min_cell: int) -> int:
    """Public pages hide more: twice the managers' threshold, and never under 20."""
    return max(2 * min_cell, 20)


def _bucket(months: Sequence[str], kind: str) -> list[tuple[str, list[str]]]:
    """(label, months in it) for each reported point."""
    if kind == "month":
        return [(m, [m]) for m in months]
    if kind == "quarter":
        order: dict[str, list[str]] = {}
        for m in months:
            order.setdefault(quarter_of(m), []).append(m)
        return list(order.items())
    window = 3 if kind == "rolling3" else 12
    return [
        (months[i], list(months[i - window + 1 : i + 1])) for i in range(window - 1, len(months))
    ]


async def _answer_counts(
    survey: str, metrics: Sequence[Metric], months: Sequence[str], column: str | None
) -> list[dict[str, Any]]:
    """Each metric's positive answers and base, summed in the database: one row per question,
    month (and breakdown value), whatever the number of responses behind them. Reads the
    roll-up rows of the one margin asked for (surveys.tables.AnswerCount)."""
    dim = f", {column}" if column else ""
    params: list[Any] = []
    positive, excluded = [], []
    for metric in metrics:
        marks = ", ".join("{}" for _ in metric.positive)
        positive.append(f"WHEN question = {{}} AND value IN ({marks}) THEN n")
        params += [metric.question, *sorted(metric.positive)]
    for metric in metrics:
        marks = ", ".join("{}" for _ in metric.excluded)
        excluded.append(f"WHEN question = {{}} AND value IN ({marks}) THEN 0")
        params += [metric.question, *sorted(metric.excluded)]
    questions = ", ".join("{}" for _ in metrics)
    return list(
        await AnswerCount.raw(
            f"SELECT question, period{dim}, "  # noqa: S608 - fixed names, values as parameters
            f"SUM(CASE {' '.join(positive)} ELSE 0 END) AS positive, "
            f"SUM(CASE {' '.join(excluded)} ELSE n END) AS base "
            f"FROM {AnswerCount._meta.tablename} "
            "WHERE survey = {} AND dim = {} "
            f"AND question IN ({questions}) AND period >= {{}} AND period <= {{}} "
            f"GROUP BY question, period{dim}",
            *params,
            survey,
            column or "",
            *(metric.question for metric in metrics),
            months[0],
            months[-1],
        )
    )


async def _trust_sums(
    survey: str, months: Sequence[str], column: str | None
) -> list[dict[str, Any]]:
    dim = f", {column}" if column else ""
    return list(
        await TrustScore.raw(
            f"SELECT period{dim}, SUM(n) AS n, SUM(total) AS total, "  # noqa: S608 - fixed names
            f"SUM(total_sq) AS total_sq FROM {TrustScore._meta.tablename} "
            "WHERE survey = {} AND dim = {} AND period >= {} AND period <= {} "
            f"GROUP BY period{dim}",
            survey,
            column or "",
            months[0],
            months[-1],
        )
    )


def _suppress_period(bases: list[int], min_cell: int, breakdown: bool) -> list[Cell]:
    """Which breakdown cells of one period may be shown. With a breakdown the overall base is
    shown too, so a single hidden cell would be the total minus the rest: hide a second."""
    if not breakdown:
        return [Cell(b, False, None) if b >= min_cell else Cell(None, True, "small") for b in bases]
    if sum(bases) < min_cell:
        return [Cell(None, True, "small") for _ in bases]
    return suppress_small_cells(bases, min_cell, total_shown=True)


async def trust_report(
    group: str,
    *,
    start: str | None = None,
    end: str | None = None,
    period: str = "month",
    by: str | None = None,
    public: bool = False,
) -> TrustReport:
    if group not in GROUP_SURVEYS:
        raise ReportError("group")
    if period not in ("month", "quarter", "rolling3", "rolling12"):
        raise ReportError("period")
    if by is not None and by not in BREAKDOWNS:
        raise ReportError("by")
    months = month_range(start, end)
    settings = get_settings()
    min_cell = public_min_cell(settings.min_cell) if public else settings.min_cell
    survey = GROUP_SURVEYS[group]
    column = BREAKDOWNS[by] if by else None
    metrics = metrics_for(group)
    rows = await _answer_counts(survey, metrics, months, column)
    # (question, breakdown value) -> month -> (positive, base)
    counts: dict[tuple[str, str | None], dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        key = (str(row["question"]), str(row[column]) if column else None)
        counts[key][str(row["period"])] = (int(row["positive"]), int(row["base"]))
    trust_rows = await _trust_sums(survey, months, column)
    sums: dict[str | None, dict[str, tuple[float, float, float]]] = defaultdict(dict)
    for row in trust_rows:
        key2 = str(row[column]) if column else None
        old = sums[key2].get(str(row["period"]), (0.0, 0.0, 0.0))
        sums[key2][str(row["period"])] = (
            old[0] + row["n"],
            old[1] + row["total"],
            old[2] + row["total_sq"],
        )
    values: list[str | None] = [None]  # no breakdown: one series per metric
    if column:
        seen = {k[1] for k in counts} | set(sums)
        values = [v for v in sorted(str(v) for v in seen if v not in (None, ""))]
    buckets = _bucket(months, period)
    series: list[Series] = []
    for metric in metrics:
        group_series = [
            _proportion_series(metric, value, counts[(metric.question, value)], buckets, by)
            for value in values
        ]
        _disclose(group_series, min_cell, column is not None, public)
        _add_changes(group_series, period, proportion=True)
        series.extend(group_series)
    trust = [_trust_series(group, value, sums.get(value, {}), buckets, by) for value in values]
    _disclose(trust, min_cell, column is not None, public)
    _add_changes(trust, period, proportion=False)
    series = trust + series
    return TrustReport(group, period, months, by, min_cell, public, series)


def _proportion_series(
    metric: Metric,
    value: str | None,
    by_month: dict[str, tuple[int, int]],
    buckets: list[tuple[str, list[str]]],
    by: str | None,
) -> Series:
    series = Series(metric.id, metric.label, metric.group, {by: value} if by and value else None)
    for label, months in buckets:
        positive = base = 0
        for month in months:
            got = by_month.get(month)
            if got:
                positive, base = positive + got[0], base + got[1]
        series.points.append(
            Point(label, positive, base, None, None, None, False, _raw=(positive, base, 0))
        )
    return series


def _trust_series(
    group: str,
    value: str | None,
    by_month: dict[str, tuple[float, float, float]],
    buckets: list[tuple[str, list[str]]],
    by: str | None,
) -> Series:
    series = Series(
        TRUST_INDEX,
        pgettext("metric", TRUST_INDEX_LABEL),
        group,
        {by: value} if by and value else None,
    )
    for label, months in buckets:
        n = total = total_sq = 0.0
        for month in months:
            got = by_month.get(month)
            if got:
                n, total, total_sq = n + got[0], total + got[1], total_sq + got[2]
        series.points.append(
            Point(label, None, int(n), None, None, None, False, _raw=(n, total, total_sq))
        )
    return series


def _disclose(group_series: list[Series], min_cell: int, breakdown: bool, public: bool) -> None:
    """Hide small cells (and their partners) period by period, then fill in what is shown."""
    if not group_series:
        return
    for index in range(len(group_series[0].points)):
        points = [series.points[index] for series in group_series]
        bases = [_base(series, series.points[index]) for series in group_series]
        cells = _suppress_period(bases, min_cell, breakdown)
        for point, cell in zip(points, cells, strict=True):
            if cell.suppressed:
                point.suppressed = True
                point.reason = None if public else cell.reason
                point.positive = point.base = None
                continue
            _fill(point, public)


def _base(series: Series, point: Point) -> int:
    """Respondents behind a point: the base of a proportion, the n of a mean."""
    return int(point._raw[0] if series.metric == TRUST_INDEX else point._raw[1])


def _fill(point: Point, public: bool) -> None:
    if point.positive is not None:  # a proportion
        positive, base = int(point._raw[0]), int(point._raw[1])
        interval = wilson(positive, base)
        point.percent = round(100 * positive / base, 1)
        point.ci_low = round(100 * interval.low, 1)
        point.ci_high = round(100 * interval.high, 1)
        point.positive = round_public(positive) if public else positive
        point.base = round_public(base) if public else base
        return
    n, total, total_sq = point._raw
    count = int(n)
    if count >= 2:
        mean, interval = mean_interval(count, total, total_sq)
        point.ci_low = round(max(0.0, interval.low), 1)
        point.ci_high = round(min(100.0, interval.high), 1)
    else:
        mean = total / count if count else 0.0
    point.mean = round(mean, 1)
    point.percent = None
    point.base = round_public(count) if public else count


def _add_changes(group_series: list[Series], period: str, *, proportion: bool) -> None:
    step = comparison_step(period)
    for series in group_series:
        for index in range(step, len(series.points)):
            before, after = series.points[index - step], series.points[index]
            if before.suppressed or after.suppressed:
                continue
            if proportion:
                result = newcombe_change(
                    int(before._raw[0]), int(before._raw[1]), int(after._raw[0]), int(after._raw[1])
                )
                after.change = PointChange(
                    round(100 * result.diff, 1),
                    round(100 * result.low, 1),
                    round(100 * result.high, 1),
                    result.significant,
                )
            else:
                after.change = _mean_change(before._raw, after._raw)
            if after.change is not None:
                after.change.since = before.period


def _mean_change(
    before: tuple[float, float, float], after: tuple[float, float, float]
) -> PointChange | None:
    """Difference of two means with Welch's t interval (unequal variances)."""
    (n1, s1, q1), (n2, s2, q2) = before, after
    if n1 < 2 or n2 < 2:
        return None
    m1, m2 = s1 / n1, s2 / n2
    v1 = max(0.0, (q1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (q2 - n2 * m2 * m2) / (n2 - 1))
    se2 = v1 / n1 + v2 / n2
    diff = m2 - m1
    if se2 == 0:
        return PointChange(round(diff, 1), round(diff, 1), round(diff, 1), diff != 0)
    df = (
        se2 * se2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        if (v1 or v2)
        else n1 + n2 - 2
    )
    half = t_quantile(0.975, df) * math.sqrt(se2)
    low, high = diff - half, diff + half
    return PointChange(round(diff, 1), round(low, 1), round(high, 1), low > 0 or high < 0)
