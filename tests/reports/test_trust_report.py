"""Reports from stored answers: the numbers a manager sees, on either engine, after withdrawals,
with small groups hidden."""

from __future__ import annotations

import json
import os
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chorus.settings import get_settings
from feedback.receipts import code_for_token, find_receipt, withdraw
from reports.concerns import concern_report
from reports.exports import trust_csv, trust_document
from reports.trust import trust_report
from surveys.registry import get_survey
from surveys.rollups import rebuild
from surveys.storage import store_submission
from surveys.tables import AnswerCount, PhraseCount, TextCount, TrustScore

SNAPSHOT = Path(__file__).parent.parent / "data" / "trust_report_snapshot.json"
AGREE = ["strongly_agree", "tend_agree", "tend_disagree", "strongly_disagree", "dont_know"]


async def _submit(slug: str, answers: dict[str, Any], day: date, token: str) -> str:
    survey = get_survey(slug)
    assert survey is not None
    stored = await store_submission(
        survey, answers, locale="en", channel=None, token=token, today=day
    )
    return stored.code


async def _fixed_data(count: int = 240, seed: int = 3) -> None:
    """Deterministic answers over six months of 2025, with a rise in confidence."""
    rng = random.Random(seed)
    for n in range(count):
        month = 1 + n % 6
        agree_weight = 0.3 + 0.08 * month
        value = rng.choices(AGREE, [agree_weight / 2, agree_weight / 2, 0.3, 0.2, 0.05])[0]
        answers: dict[str, Any] = {
            "confidence": value,
            "respect": rng.choice(AGREE),
            "area": rng.choice(["old_town", "harbour", "eastgate"]),
        }
        if n % 3 == 0:
            answers["safer_reporting"] = "They listened to me and took me seriously."
        await _submit("worker-voice", answers, date(2025, month, 1 + n % 27), f"fixed-{n}")


async def test_the_trust_report_counts_the_stored_answers(db: None) -> None:
    await _submit("worker-voice", {"confidence": "strongly_agree"}, date(2025, 3, 4), "a")
    for n in range(11):
        value = "tend_agree" if n < 6 else "strongly_disagree"
        await _submit("worker-voice", {"confidence": value}, date(2025, 3, 5), f"b{n}")
    await _submit("worker-voice", {"confidence": "dont_know"}, date(2025, 3, 6), "c")
    report = await trust_report("worker", start="2025-01", end="2025-03")
    confidence = next(s for s in report.series if s.metric == "confidence")
    march = confidence.points[-1]
    # 7 of 12 agree; "don't know" is left out of the base.
    assert (march.positive, march.base, march.percent) == (7, 12, 58.3)
    assert march.ci_low is not None and march.ci_high is not None
    assert march.ci_low < 58.3 < march.ci_high
    january = confidence.points[0]
    assert january.suppressed and january.base is None and january.percent is None


async def test_groups_under_min_cell_are_hidden(db: None) -> None:
    for n in range(get_settings().min_cell - 1):
        await _submit("worker-voice", {"confidence": "tend_agree"}, date(2025, 5, 2), f"s{n}")
    report = await trust_report("worker", start="2025-05", end="2025-05")
    point = next(s for s in report.series if s.metric == "confidence").points[0]
    assert point.suppressed
    assert point.reason == "small"
    assert (point.positive, point.base, point.percent, point.ci_low) == (None, None, None, None)


async def test_a_breakdown_hides_a_second_cell_so_none_can_be_subtracted(db: None) -> None:
    for n in range(30):
        await _submit(
            "worker-voice",
            {"confidence": "tend_agree", "area": "old_town"},
            date(2025, 6, 3),
            f"o{n}",
        )
    for n in range(12):
        await _submit(
            "worker-voice",
            {"confidence": "tend_agree", "area": "harbour"},
            date(2025, 6, 3),
            f"h{n}",
        )
    for n in range(3):
        await _submit(
            "worker-voice",
            {"confidence": "tend_agree", "area": "eastgate"},
            date(2025, 6, 3),
            f"e{n}",
        )
    report = await trust_report("worker", start="2025-06", end="2025-06", by="area")
    cells = {
        s.breakdown["area"]: s.points[0]
        for s in report.series
        if s.metric == "confidence" and s.breakdown
    }
    assert cells["eastgate"].suppressed and cells["eastgate"].reason == "small"
    assert cells["harbour"].suppressed and cells["harbour"].reason == "secondary"
    assert not cells["old_town"].suppressed and cells["old_town"].base == 30


async def test_a_withdrawn_response_disappears_from_reports(db: None) -> None:
    codes = [
        await _submit("worker-voice", {"confidence": "tend_agree"}, date(2025, 4, 2), f"w{n}")
        for n in range(12)
    ]
    before = await trust_report("worker", start="2025-04", end="2025-04")
    assert next(s for s in before.series if s.metric == "confidence").points[0].base == 12
    receipt = await find_receipt(codes[0])
    assert receipt is not None
    await withdraw(receipt)
    after = await trust_report("worker", start="2025-04", end="2025-04")
    assert next(s for s in after.series if s.metric == "confidence").points[0].base == 11
    index = next(s for s in after.series if s.metric == "trust_index").points[0]
    assert index.base == 11


async def _rollup_rows() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for table in (AnswerCount, TrustScore, TextCount, PhraseCount):
        for row in await table.select().where(table.n != 0):
            row.pop("id")
            rows[row["key"]] = {
                k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()
            }
    return rows


async def test_roll_ups_kept_in_step_equal_a_rebuild_from_raw_answers(db: None) -> None:
    await _fixed_data(90)
    from feedback.receipts import normalize_code

    receipt = await find_receipt(normalize_code(code_for_token("fixed-4")) or "")
    assert receipt is not None
    await withdraw(receipt)
    incremental = await _rollup_rows()
    await rebuild()
    rebuilt = await _rollup_rows()
    assert incremental == rebuilt
    assert len(rebuilt) > 50


async def test_the_report_is_the_same_on_every_engine(db: None) -> None:
    """Both engines' runs compare against one committed document."""
    await _fixed_data()
    reports = [
        await trust_report("worker", start="2025-01", end="2025-06", period=p)
        for p in ("month", "quarter")
    ]
    document = trust_document(reports)
    document.pop("note")
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1)
    if os.environ.get("CHORUS_WRITE_SNAPSHOT") == "1":  # after a deliberate change only
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "run once with CHORUS_WRITE_SNAPSHOT=1 and commit the file"
    assert text == SNAPSHOT.read_text()


async def test_labels_with_markup_are_escaped_in_every_output(client: Any) -> None:
    from reports.charts import line_chart

    report = await trust_report("worker", start="2025-01", end="2025-02")
    series = report.series[0]
    series.label = "<script>alert(1)</script>"
    figure = line_chart([series], "<img src=x onerror=alert(1)>")
    dumped = json.dumps(figure)
    assert "<script>" not in dumped and "<img" not in dumped
    assert "&lt;script&gt;" in dumped
    rows = "".join(trust_csv([report]))
    assert rows.startswith("group,metric")


async def test_the_public_results_page_shows_rounded_figures_and_hides_small_ones(
    client: Any,
) -> None:
    await _fixed_data()
    page = await client.get("/en/results")
    assert page.status_code == 200
    assert "What people told us" in page.text
    assert "convenience sample" in page.text
    assert 'src="/static/vendor/plotly.min.js"' in page.text
    assert "Hidden" in page.text  # most quarters here are under the public threshold
    assert "style-src 'self' 'unsafe-inline'" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    script = await client.get("/static/vendor/plotly.min.js")
    assert script.status_code == 200 and len(script.content) > 1_000_000


@pytest.mark.parametrize("period", ["month", "quarter", "rolling3", "rolling12"])
async def test_every_period_kind_builds(db: None, period: str) -> None:
    await _fixed_data(60)
    report = await trust_report("worker", start="2025-01", end="2025-06", period=period)
    assert report.series
    concerns = await concern_report(start="2025-01", end="2025-06", period=period)
    assert len(concerns.counts) == 8
