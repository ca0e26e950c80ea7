"""The public-concern report: counts per category, and how fast concerns were answered."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from feedback.inbox_actions import reply
from feedback.tables import Message
from reports.concerns import _median, concern_report
from surveys.registry import get_survey
from surveys.storage import store_submission
from surveys.tables import Response


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=200))
def test_the_median_of_a_histogram_is_the_median_of_the_values(values: list[int]) -> None:
    histogram = sorted({v: values.count(v) for v in values}.items())
    assert _median(histogram, len(values)) == statistics.median(values)


async def test_response_times_count_concerns_answered_and_median_days(db: None) -> None:
    survey = get_survey("concern")
    assert survey is not None
    day = date(2025, 5, 6)
    for n in range(14):
        await store_submission(
            survey,
            {"category": "noise_traffic", "area": "harbour"},
            locale="en",
            channel=None,
            token=f"concern-{n}",
            today=day,
        )
    # Replies through the console's own action, which also records the first reply's day.
    rows = await Response.select(Response.id).order_by(Response.id)
    delays = [0, 1, 1, 2, 3, 3, 4, 5, 8, 9, 13]  # 11 of 14 answered
    for row, delay in zip(rows, delays, strict=False):
        await reply(row["id"], "Thanks", day + timedelta(delay))
        # A later second reply must not change "days to the first reply".
        await reply(row["id"], "More", day + timedelta(30))
    staff = await Message.count().where(Message.author == "staff")
    assert staff == 22
    report = await concern_report(start="2025-05", end="2025-05")
    times = report.response_times
    assert times.concerns == 14
    assert times.answered_percent == round(100 * 11 / 14, 1)
    assert times.median_days == 3.0
    # One category of eight has reports: showing it would reveal the seven hidden zeros by
    # subtraction from the total, so disclosure control hides it too.
    counts = next(s for s in report.counts if s.category == "noise_traffic")
    assert counts.points[0].suppressed and counts.points[0].reason == "secondary"


async def test_rising_phrases_count_texts_per_month_and_hide_rare_ones(db: None) -> None:
    from feedback.phrases import key_phrases
    from feedback.receipts import code_for_token, find_receipt, normalize_code, withdraw

    survey = get_survey("worker-voice")
    assert survey is not None
    text = "The police station staff ignored my report about the stolen phone."
    phrase = key_phrases(text, "en")[0]
    rare = "Someone at the harbour gate shouted at me."

    async def submit(answer: str, day: date, token: str) -> None:
        await store_submission(
            survey,
            {"safer_reporting": answer},
            locale="en",
            channel=None,
            token=token,
            today=day,
        )

    for n in range(3):
        await submit(text, date(2025, 6, 2), f"june-{n}")
    for n in range(12):
        # Said twice in one text, it still counts once: texts, not mentions.
        await submit(f"{text} {text}" if n == 0 else text, date(2025, 7, 3), f"july-{n}")
    for n in range(4):
        await submit(rare, date(2025, 7, 4), f"rare-{n}")
    report = await concern_report(start="2025-06", end="2025-07")
    assert dict(report.rising_phrases)[phrase] == 12 - 3
    shown = {p for p, _ in report.rising_phrases}
    assert not shown & set(key_phrases(rare, "en")), "fewer than MIN_CELL texts: hidden"
    # Withdrawing one of July's texts takes it out of the count.
    receipt = await find_receipt(normalize_code(code_for_token("july-5")) or "")
    assert receipt is not None
    await withdraw(receipt)
    report = await concern_report(start="2025-06", end="2025-07")
    assert dict(report.rising_phrases)[phrase] == 11 - 3
    public = await concern_report(start="2025-06", end="2025-07", public=True)
    assert public.rising_phrases == []
