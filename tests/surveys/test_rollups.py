"""The roll-ups' shape: every response counts once overall and once per single breakdown, and
the migration that introduced that shape keeps every count of the old one."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from surveys.registry import get_survey
from surveys.rollups import DIMENSIONS, rebuild
from surveys.storage import store_submission
from surveys.tables import AnswerCount, PhraseCount, TextCount, TrustScore

MIGRATION = importlib.import_module("surveys.piccolo_migrations.surveys_2026_11_28t22_43_07_000000")


async def _submit(answers: dict[str, Any], day: date, token: str, **kwargs: Any) -> None:
    survey = get_survey("worker-voice")
    assert survey is not None
    await store_submission(
        survey,
        answers,
        locale=kwargs.get("locale", "en"),
        channel=kwargs.get("channel"),
        token=token,
        today=day,
    )


async def _rows() -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for table in (AnswerCount, TrustScore, TextCount, PhraseCount):
        for row in await table.select().where(table.n != 0):
            row.pop("id")
            rows[row["key"]] = {
                k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()
            }
    return rows


async def test_a_response_counts_once_overall_and_once_per_breakdown(db: None) -> None:
    answers = {"confidence": "tend_agree", "area": "harbour", "work_setting": "street"}
    await _submit(answers, date(2025, 5, 9), "one", locale="ro", channel="outreach-van")
    rows = await AnswerCount.select().where(
        (AnswerCount.question == "confidence") & (AnswerCount.value == "tend_agree")
    )
    filled = {row["dim"]: {name: row[name] for name in DIMENSIONS if row[name]} for row in rows}
    assert filled == {
        "": {},
        "area": {"area": "harbour"},
        "work_setting": {"work_setting": "street"},
        "locale": {"locale": "ro"},
        "channel": {"channel": "outreach-van"},
    }
    assert {row["n"] for row in rows} == {1}
    assert {row["period"] for row in rows} == {"2025-05"}
    trust = await TrustScore.select(TrustScore.dim, TrustScore.n, TrustScore.total)
    assert sorted(row["dim"] for row in trust) == sorted(("", *DIMENSIONS))
    assert {(row["n"], row["total"]) for row in trust} == {(1, 67.0)}


async def test_the_breakdown_rows_add_up_to_the_overall_row(db: None) -> None:
    """Each breakdown's rows sum to the overall row, less the responses that left it blank
    (which get no row there: no report lists a blank area or channel)."""
    for n in range(30):
        answers = {
            "confidence": ["strongly_agree", "tend_disagree"][n % 2],
            "area": ["harbour", "old_town", "eastgate"][n % 3],
        }
        if n % 5:
            answers["safer_reporting"] = "They listened and took me seriously."
        await _submit(answers, date(2025, 2, 1 + n % 20), f"t{n}", channel=[None, "poster"][n % 2])
    # Everyone gave an area and a language; half came through a channel; nobody a work setting.
    share = {"area": 1.0, "locale": 1.0, "channel": 0.5, "work_setting": 0.0}
    for table in (AnswerCount, TrustScore, TextCount):
        overall = sum(row["n"] for row in await table.select(table.n).where(table.dim == ""))
        assert overall > 0
        for name in DIMENSIONS:
            margin = await table.select(table.n).where(table.dim == name)
            assert sum(row["n"] for row in margin) == overall * share[name], (table, name)
            blank = await table.count().where((table.dim == name) & (getattr(table, name) == ""))
            assert blank == 0


# The roll-ups as they were before the migration: one row per full cross of the breakdowns.
_CROSS = (
    "r.period, COALESCE(r.area, ''), COALESCE(r.work_setting, ''), r.locale, "
    "COALESCE(r.channel, '')"
)
_CROSS_KEY = (
    "{prefix} || '|' || r.period || '|' || COALESCE(r.area, '') || '|' || "
    "COALESCE(r.work_setting, '') || '|' || r.locale || '|' || COALESCE(r.channel, '')"
)
_COLUMNS = "dim, period, area, work_setting, locale, channel"


async def _write_full_cross_rollups() -> None:
    for table in (AnswerCount, TrustScore, TextCount):
        await table.delete(force=True)
    key = _CROSS_KEY.format(prefix="a.survey || '|' || a.question || '|' || a.value")
    await AnswerCount.raw(
        f"INSERT INTO answer_count (key, survey, question, value, {_COLUMNS}, n) "
        f"SELECT {key}, a.survey, a.question, a.value, '', {_CROSS}, COUNT(*) "
        "FROM answer a JOIN response r ON r.id = a.response WHERE a.value IS NOT NULL "
        f"GROUP BY a.survey, a.question, a.value, {_CROSS}"
    )
    key = _CROSS_KEY.format(prefix="a.survey || '|' || a.question")
    await AnswerCount.raw(
        f"INSERT INTO text_count (key, survey, question, {_COLUMNS}, n, scored, negative, "
        f"positive, polarity_sum) SELECT {key}, a.survey, a.question, '', {_CROSS}, COUNT(*), "
        "SUM(CASE WHEN a.scored THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN a.scored AND a.sentiment = 'negative' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN a.scored AND a.sentiment = 'positive' THEN 1 ELSE 0 END), "
        "COALESCE(SUM(CASE WHEN a.scored THEN a.polarity ELSE 0 END), 0) "
        "FROM answer a JOIN response r ON r.id = a.response WHERE a.text IS NOT NULL "
        f"GROUP BY a.survey, a.question, {_CROSS}"
    )
    # Each respondent's trust score, as the old live writer summed it (one item answered here).
    key = _CROSS_KEY.format(prefix="r.survey")
    await AnswerCount.raw(
        f"INSERT INTO trust_score (key, survey, {_COLUMNS}, n, total, total_sq) "
        f"SELECT {key}, r.survey, '', {_CROSS}, COUNT(*), SUM(s.score), SUM(s.score * s.score) "
        "FROM (SELECT response, CASE value WHEN 'strongly_agree' THEN 100.0 "
        "WHEN 'tend_agree' THEN 67.0 WHEN 'tend_disagree' THEN 33.0 ELSE 0.0 END AS score "
        "FROM answer WHERE question = 'confidence' AND value <> 'dont_know') s "
        f"JOIN response r ON r.id = s.response GROUP BY r.survey, {_CROSS}"
    )


async def test_the_migration_turns_full_cross_rollups_into_margins(db: None) -> None:
    values = ["strongly_agree", "tend_agree", "tend_disagree", "strongly_disagree", "dont_know"]
    for n in range(60):
        answers: dict[str, Any] = {
            "confidence": values[n % 5],
            "area": ["harbour", "old_town", "eastgate"][n % 3],
            "work_setting": ["street", "indoor_alone"][n % 2],
        }
        if n % 4 == 0:
            answers["safer_reporting"] = "The officer was rude and did nothing."
        await _submit(
            answers,
            date(2025, 1 + n % 3, 3),
            f"m{n}",
            locale=["en", "ro", "pl"][n % 3],
            channel=[None, "poster", "outreach-van"][n % 3],
        )
    await rebuild()
    expected = await _rows()
    await _write_full_cross_rollups()
    assert await _rows() != expected
    for table in MIGRATION.TABLES:
        for statement in MIGRATION.convert(table):
            await AnswerCount.raw(statement)
    assert await _rows() == expected
    assert len(expected) > 100
