"""The public-concern report: counts per category, and how fast concerns were answered."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from feedback.tables import Message, Receipt
from reports.concerns import _median, concern_report
from surveys.registry import get_survey
from surveys.storage import store_submission


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
    receipts = await Receipt.select(Receipt.id).order_by(Receipt.id)
    delays = [0, 1, 1, 2, 3, 3, 4, 5, 8, 9, 13]  # 11 of 14 answered
    for receipt, delay in zip(receipts, delays, strict=False):
        await Message.insert(
            Message(
                receipt=receipt["id"], author="staff", body="Thanks", day=day + timedelta(delay)
            ),
            # A later second reply must not change "days to the first reply".
            Message(receipt=receipt["id"], author="staff", body="More", day=day + timedelta(30)),
        )
    report = await concern_report(start="2025-05", end="2025-05")
    times = report.response_times
    assert times.concerns == 14
    assert times.answered_percent == round(100 * 11 / 14, 1)
    assert times.median_days == 3.0
    # One category of eight has reports: showing it would reveal the seven hidden zeros by
    # subtraction from the total, so disclosure control hides it too.
    counts = next(s for s in report.counts if s.category == "noise_traffic")
    assert counts.points[0].suppressed and counts.points[0].reason == "secondary"
