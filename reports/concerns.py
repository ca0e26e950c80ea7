"""Public-concern report: reports per category, the residents' "% seeing each problem",
how fast concerns were answered, and the sentiment of what was written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chorus.settings import get_settings
from feedback.tables import NEVER_ANSWERED, ArchivedReplyDelay, Receipt
from reports.disclosure import round_public
from reports.periods import month_range
from reports.trust import (
    BREAKDOWNS,
    Point,
    ReportError,
    Series,
    _bucket,
    _disclose,
    public_min_cell,
)
from surveys.registry import get_survey
from surveys.rollups import RESPONDENTS
from surveys.tables import AnswerCount, PhraseCount, TextCount

CONCERN_SURVEY = "concern"
SEEN_SURVEY = "community-voice"
SEEN_QUESTION = "concerns_seen"


@dataclass(slots=True)
class CountPoint:
    period: str
    count: int | None
    suppressed: bool
    reason: str | None = None


@dataclass(slots=True)
class CountSeries:
    category: str
    label: str
    breakdown: dict[str, str] | None
    points: list[CountPoint] = field(default_factory=list)


@dataclass(slots=True)
class SentimentPoint:
    period: str
    texts: int | None
    scored_share: float | None
    negative_percent: float | None
    mean_polarity: float | None
    suppressed: bool


@dataclass(slots=True)
class ResponseTimes:
    concerns: int | None
    answered_percent: float | None
    median_days: float | None
    suppressed: bool


@dataclass(slots=True)
class ConcernReport:
    period: str
    months: list[str]
    by: str | None
    min_cell: int
    public: bool
    counts: list[CountSeries]
    seen: list[Series]
    sentiment: list[SentimentPoint]
    response_times: ResponseTimes
    rising_phrases: list[tuple[str, int]]


def _category_labels() -> dict[str, str]:
    from locales.i18n import pgettext

    survey = get_survey(CONCERN_SURVEY)
    if survey is None:
        return {}
    question = survey.questions["category"]
    return {o.value: pgettext(o.context, o.label) for o in question.options}


async def _counts(months: Sequence[str], column: str | None) -> list[dict[str, Any]]:
    dim = f", {column}" if column else ""
    return list(
        await AnswerCount.raw(
            f"SELECT value, period{dim}, SUM(n) AS n "  # noqa: S608 - fixed names
            f"FROM {AnswerCount._meta.tablename} "
            "WHERE survey = {} AND dim = {} AND question = 'category' "
            "AND period >= {} AND period <= {} "
            f"GROUP BY value, period{dim}",
            CONCERN_SURVEY,
            column or "",
            months[0],
            months[-1],
        )
    )


def _suppress_counts(series: list[CountSeries], min_cell: int, public: bool) -> None:
    """Each period's categories form a row whose total is shown: protect it as a row."""
    from reports.disclosure import suppress_small_cells

    if not series:
        return
    for index in range(len(series[0].points)):
        points = [s.points[index] for s in series]
        raw = [p.count or 0 for p in points]
        cells: list[int | None]
        if sum(raw) < min_cell:
            cells = [None] * len(points)
        else:
            cells = [
                c.value if not c.suppressed else None
                for c in suppress_small_cells(raw, min_cell, total_shown=True)
            ]
        for point, value, count in zip(points, cells, raw, strict=True):
            if value is None:
                point.count = None
                point.suppressed = True
                point.reason = None if public else ("small" if count < min_cell else "secondary")
            elif public:
                point.count = round_public(count)


async def concern_report(
    *,
    start: str | None = None,
    end: str | None = None,
    period: str = "month",
    by: str | None = None,
    public: bool = False,
) -> ConcernReport:
    if period not in ("month", "quarter", "rolling3", "rolling12"):
        raise ReportError("period")
    if by is not None and by not in ("area", "language", "channel"):
        raise ReportError("by")
    months = month_range(start, end)
    settings = get_settings()
    min_cell = public_min_cell(settings.min_cell) if public else settings.min_cell
    column = BREAKDOWNS[by] if by else None
    buckets = _bucket(months, period)
    labels = _category_labels()
    rows = await _counts(months, column)
    table: dict[tuple[str, str | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = (str(row["value"]), str(row[column]) if column else None)
        table[key][str(row["period"])] += int(row["n"])
    breakdown_values: list[str | None] = [None]
    if column:
        breakdown_values = [v for v in sorted({k[1] or "" for k in table}) if v]
    counts: list[CountSeries] = []
    for value in breakdown_values:
        group = []
        for category, label in labels.items():
            series = CountSeries(category, label, {by: value} if by and value else None)
            months_of = table.get((category, value), {})
            for name, members in buckets:
                series.points.append(
                    CountPoint(name, sum(months_of.get(m, 0) for m in members), False)
                )
            group.append(series)
        _suppress_counts(group, min_cell, public)
        counts.extend(group)
    return ConcernReport(
        period=period,
        months=months,
        by=by,
        min_cell=min_cell,
        public=public,
        counts=counts,
        seen=await _seen(months, buckets, min_cell, public),
        sentiment=await _sentiment(months, buckets, min_cell, public),
        response_times=await _response_times(months, min_cell, public),
        rising_phrases=[] if public else await _rising_phrases(months, min_cell),
    )


async def _seen(
    months: Sequence[str], buckets: list[tuple[str, list[str]]], min_cell: int, public: bool
) -> list[Series]:
    """% of residents answering the question who saw each problem."""
    rows = await AnswerCount.raw(
        f"SELECT value, period, SUM(n) AS n FROM {AnswerCount._meta.tablename} "  # noqa: S608
        "WHERE survey = {} AND dim = '' AND question = {} AND period >= {} AND period <= {} "
        "GROUP BY value, period",
        SEEN_SURVEY,
        SEEN_QUESTION,
        months[0],
        months[-1],
    )
    by_value: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_value[str(row["value"])][str(row["period"])] = int(row["n"])
    survey = get_survey(SEEN_SURVEY)
    if survey is None or SEEN_QUESTION not in survey.questions:
        return []
    from locales.i18n import pgettext

    bases = by_value.get(RESPONDENTS, {})
    result = []
    for option in survey.questions[SEEN_QUESTION].options:
        if option.value in ("none", "prefer_not", "dont_know"):
            continue
        series = Series(option.value, pgettext(option.context, option.label), "resident", None)
        for name, members in buckets:
            positive = sum(by_value.get(option.value, {}).get(m, 0) for m in members)
            base = sum(bases.get(m, 0) for m in members)
            series.points.append(
                Point(name, positive, base, None, None, None, False, _raw=(positive, base, 0))
            )
        result.append(series)
    for series in result:
        # Every category shares the same base, so each is checked on its own.
        _disclose([series], min_cell, False, public)
    return result


async def _sentiment(
    months: Sequence[str], buckets: list[tuple[str, list[str]]], min_cell: int, public: bool
) -> list[SentimentPoint]:
    rows = await TextCount.raw(
        "SELECT period, SUM(n) AS n, SUM(scored) AS scored, SUM(negative) AS negative, "  # noqa: S608 - fixed names
        f"SUM(polarity_sum) AS polarity FROM {TextCount._meta.tablename} "
        "WHERE dim = '' AND period >= {} AND period <= {} GROUP BY period",
        months[0],
        months[-1],
    )
    by_month = {str(r["period"]): r for r in rows}
    points = []
    for name, members in buckets:
        n = sum(int(by_month[m]["n"]) for m in members if m in by_month)
        scored = sum(int(by_month[m]["scored"]) for m in members if m in by_month)
        negative = sum(int(by_month[m]["negative"]) for m in members if m in by_month)
        polarity = sum(float(by_month[m]["polarity"] or 0) for m in members if m in by_month)
        if n < min_cell or scored < min_cell:
            points.append(SentimentPoint(name, None, None, None, None, True))
            continue
        points.append(
            SentimentPoint(
                name,
                round_public(n) if public else n,
                round(100 * scored / n, 1),
                round(100 * negative / scored, 1),
                round(polarity / scored, 3),
                False,
            )
        )
    return points


async def _response_times(months: Sequence[str], min_cell: int, public: bool) -> ResponseTimes:
    """Share of concern reports answered by staff, and the median days to the first reply.

    The database counts concerns by days-to-first-reply (a few hundred rows however many
    concerns there are), from one covering index on the receipts (`receipt.reply_days` is
    set with staff's first reply), plus the archive of receipts the retention purge deleted;
    the median is read off that histogram here."""
    start, end = _month_bounds(months)
    rows = await Receipt.raw(
        f"SELECT reply_days AS delay, COUNT(*) AS n FROM {Receipt._meta.tablename} "  # noqa: S608 - fixed names
        "WHERE kind = {} AND day >= {} AND day < {} AND status <> 'withdrawn' "
        "GROUP BY reply_days",
        CONCERN_SURVEY,
        start,
        end,
    )
    histogram = {row["delay"]: int(row["n"]) for row in rows}
    # Concerns whose receipts the retention purge has deleted, counted as they were.
    archived = await ArchivedReplyDelay.select(
        ArchivedReplyDelay.delay, ArchivedReplyDelay.n
    ).where((ArchivedReplyDelay.period >= months[0]) & (ArchivedReplyDelay.period <= months[-1]))
    for row in archived:
        delay = None if row["delay"] == NEVER_ANSWERED else int(row["delay"])
        histogram[delay] = histogram.get(delay, 0) + int(row["n"])
    concerns = sum(histogram.values())
    if concerns < min_cell:
        return ResponseTimes(None, None, None, True)
    answered = sorted((int(d), n) for d, n in histogram.items() if d is not None)
    replied = sum(n for _, n in answered)
    return ResponseTimes(
        concerns=round_public(concerns) if public else concerns,
        answered_percent=round(100 * replied / concerns, 1),
        median_days=_median(answered, replied) if replied >= min_cell else None,
        suppressed=False,
    )


def _month_bounds(months: Sequence[str]) -> tuple[date, date]:
    """The first day of the first month and the first day after the last month."""
    first = date.fromisoformat(f"{months[0]}-01")
    year, month = (int(part) for part in months[-1].split("-"))
    after = date(year + month // 12, month % 12 + 1, 1)
    return first, after


def _median(histogram: Sequence[tuple[int, int]], total: int) -> float:
    """The median of values given as sorted (value, count) pairs, as statistics.median would."""
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen = 0
    lower = upper = None
    for value, count in histogram:
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return (lower + upper) / 2


async def _rising_phrases(months: Sequence[str], min_cell: int) -> list[tuple[str, int]]:
    """Key phrases used more in the last month than the month before. A phrase is shown only
    when at least MIN_CELL different texts used it: rare wording can identify its writer."""
    last, previous = months[-1], months[-2] if len(months) > 1 else months[-1]
    rows = await PhraseCount.raw(
        f"SELECT period, phrase, n FROM {PhraseCount._meta.tablename} "  # noqa: S608 - fixed names
        "WHERE period IN ({}, {}) AND n > 0",
        last,
        previous,
    )
    # The roll-up counts texts per phrase (surveys.rollups.phrase_set): read a few hundred rows.
    now = {str(r["phrase"]): int(r["n"]) for r in rows if r["period"] == last}
    before = {str(r["phrase"]): int(r["n"]) for r in rows if r["period"] == previous != last}
    rising = [
        (phrase, count - before.get(phrase, 0))
        for phrase, count in now.items()
        if count >= min_cell and count > before.get(phrase, 0)
    ]
    return sorted(rising, key=lambda item: (-item[1], item[0]))[:10]
