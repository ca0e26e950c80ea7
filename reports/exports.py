"""Report documents: the JSON the API and CLI share, and CSV with one row per point."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from reports.concerns import ConcernReport
from reports.narrative import convenience_note
from reports.trust import Point, Series, TrustReport


def _point(point: Point) -> dict[str, Any]:
    data: dict[str, Any] = {
        "period": point.period,
        "positive": point.positive,
        "base": point.base,
        "percent": point.percent,
        "ci_low": point.ci_low,
        "ci_high": point.ci_high,
        "suppressed": point.suppressed,
    }
    if point.mean is not None or point.positive is None:
        data["mean"] = point.mean
    if point.reason:
        data["reason"] = point.reason
    if point.change is not None:
        data["change"] = {
            "diff": point.change.diff,
            "ci_low": point.change.ci_low,
            "ci_high": point.change.ci_high,
            "significant": point.change.significant,
            "since": point.change.since,
        }
    return data


def _series(series: Series) -> dict[str, Any]:
    return {
        "metric": series.metric,
        "label": series.label,
        "group": series.group,
        "breakdown": series.breakdown,
        "points": [_point(point) for point in series.points],
    }


def trust_document(reports: list[TrustReport]) -> dict[str, Any]:
    first = reports[0]
    return {
        "report": "trust",
        "period": first.period,
        "from": first.months[0],
        "to": first.months[-1],
        "by": first.by,
        "min_cell": first.min_cell,
        "note": convenience_note(),
        "series": [_series(series) for report in reports for series in report.series],
    }


CSV_COLUMNS = (
    "group",
    "metric",
    "breakdown",
    "period",
    "positive",
    "base",
    "percent",
    "mean",
    "ci_low",
    "ci_high",
    "suppressed",
    "change",
    "change_ci_low",
    "change_ci_high",
    "significant",
)


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)  # numbers are data, even negative ones
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV text a line at a time (streamed, so memory stays flat), the header always first,
    every cell through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([header], ([safe_cell(v) for v in row] for row in rows)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _breakdown_text(breakdown: dict[str, str] | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in breakdown.items()) if breakdown else ""


def trust_csv(reports: list[TrustReport]) -> Iterator[str]:
    def rows() -> Iterator[tuple[object, ...]]:
        for report in reports:
            for series in report.series:
                breakdown = _breakdown_text(series.breakdown)
                for point in series.points:
                    change = point.change
                    yield (
                        series.group,
                        series.metric,
                        breakdown,
                        point.period,
                        point.positive,
                        point.base,
                        point.percent,
                        point.mean,
                        point.ci_low,
                        point.ci_high,
                        point.suppressed,
                        change.diff if change else None,
                        change.ci_low if change else None,
                        change.ci_high if change else None,
                        change.significant if change else None,
                    )

    return _csv_lines(CSV_COLUMNS, rows())


def concern_document(report: ConcernReport) -> dict[str, Any]:
    return {
        "report": "concerns",
        "period": report.period,
        "from": report.months[0],
        "to": report.months[-1],
        "by": report.by,
        "min_cell": report.min_cell,
        "note": convenience_note(),
        "series": [
            {
                "category": series.category,
                "label": series.label,
                "breakdown": series.breakdown,
                "points": [
                    {"period": p.period, "count": p.count, "suppressed": p.suppressed}
                    | ({"reason": p.reason} if p.reason else {})
                    for p in series.points
                ],
            }
            for series in report.counts
        ],
        "seen": [_series(series) for series in report.seen],
        "sentiment": [
            {
                "period": p.period,
                "texts": p.texts,
                "scored_share": p.scored_share,
                "negative_percent": p.negative_percent,
                "mean_polarity": p.mean_polarity,
                "suppressed": p.suppressed,
            }
            for p in report.sentiment
        ],
        "response_times": {
            "concerns": report.response_times.concerns,
            "answered_percent": report.response_times.answered_percent,
            "median_days": report.response_times.median_days,
            "suppressed": report.response_times.suppressed,
        },
        "rising_phrases": [{"phrase": p, "increase": n} for p, n in report.rising_phrases],
    }


def concern_csv(report: ConcernReport) -> Iterator[str]:
    rows = (
        (series.category, _breakdown_text(series.breakdown), p.period, p.count, p.suppressed)
        for series in report.counts
        for p in series.points
    )
    return _csv_lines(("category", "breakdown", "period", "count", "suppressed"), rows)
