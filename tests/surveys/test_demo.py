"""`chorus demo`: realistic synthetic data, shaped exactly like real submissions."""

from __future__ import annotations

import dataclasses
import datetime
import random
import uuid
from collections import defaultdict
from typing import Any

import pytest

from chorus.settings import get_settings
from feedback.tables import Message, Receipt
from surveys.demo import KIND_SHARES, DemoSummary, _Keys, run_demo
from surveys.forms import Answers, area_value, options_for
from surveys.registry import load_registry
from surveys.tables import Answer, AnswerCount, PhraseCount, Response, TextCount, TrustScore

AGREE = {"strongly_agree", "tend_agree"}
EXCLUDED = {"dont_know", "prefer_not"}
ROLLUPS = (AnswerCount, TrustScore, TextCount, PhraseCount)


async def empty_everything() -> None:
    # Roll-ups too: the shared fixture empties the raw tables only.
    for table in (Answer, Response, Message, Receipt, *ROLLUPS):
        await table.delete(force=True)


@pytest.fixture
async def demo_db(db: None) -> None:
    await empty_everything()


async def answers_by_response() -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in await Answer.select():
        grouped[row["response"]].append(row)
    return grouped


def as_answers(survey_slug: str, rows: list[dict[str, Any]]) -> Answers:
    """The answers a response was submitted with, rebuilt from its Answer rows."""
    survey = load_registry()[survey_slug]
    answers: Answers = {}
    for row in rows:
        question = survey.questions[row["question"]]
        if question.kind == "text":
            answers[question.id] = row["text"]
        elif question.kind == "multiple":
            chosen = answers.setdefault(question.id, [])
            assert isinstance(chosen, list)
            chosen.append(row["value"])
        else:
            assert question.id not in answers, f"{question.id} answered twice"
            answers[question.id] = row["value"]
    return answers


async def test_fills_every_kind_over_24_months(demo_db: None) -> None:
    summary = await run_demo(responses=2000, seed=7, if_empty=False)

    assert isinstance(summary, DemoSummary)
    assert await Response.count() == 2000
    assert summary.total == 2000
    assert set(summary.responses) == set(KIND_SHARES)
    assert summary.kinds == {
        "survey": summary.responses["worker-voice"] + summary.responses["community-voice"],
        "concern": summary.responses["concern"],
        "experience": summary.responses["experience"],
    }
    for slug, share in KIND_SHARES.items():
        assert abs(summary.responses[slug] - 2000 * share) <= 1
        assert await Response.count().where(Response.survey == slug) == summary.responses[slug]
    periods = {row["period"] for row in await Response.select(Response.period).distinct()}
    assert len(periods) == 24
    assert summary.first_period == min(periods)
    assert summary.last_period == max(periods)
    assert await Answer.count() == summary.answers
    assert await Receipt.count() == summary.receipts
    assert await Message.count() == summary.messages
    # Several areas, work settings, channels and languages, unevenly.
    for column, at_least in (
        (Response.area, 4),
        (Response.work_setting, 5),
        (Response.channel, 3),
        (Response.locale, 4),
    ):
        values = {row[column._meta.name] for row in await Response.select(column).distinct()}
        assert len(values - {None}) >= at_least, column._meta.name
    assert await Response.count().where(Response.channel.is_null()) > 0


async def test_rows_have_the_shape_of_real_submissions(demo_db: None) -> None:
    await run_demo(responses=2000, seed=7, if_empty=False)
    registry = load_registry()
    grouped = await answers_by_response()
    receipts = {row["id"]: row for row in await Receipt.select()}
    today = datetime.datetime.now(datetime.UTC).date()
    why_not = 0
    for response in await Response.select():
        survey = registry[response["survey"]]
        assert isinstance(response["id"], uuid.UUID)
        assert response["kind"] == survey.kind
        assert response["respondent_group"] == survey.group
        assert response["version"] == survey.version
        assert response["locale"] in get_settings().locales
        assert response["channel"] in (None, *get_settings().channels)
        day = response["day"]
        assert isinstance(day, datetime.date)
        assert day <= today
        assert response["period"] == f"{day.year:04d}-{day.month:02d}"
        rows = grouped[response["id"]]
        answers = as_answers(survey.slug, rows)
        # Copied breakdowns, exactly as surveys.storage copies them.
        assert response["area"] == answers.get("area")
        assert response["work_setting"] == answers.get("work_setting")
        # Only visible questions answered, given the answers before them, with valid values.
        seen: Answers = {}
        for page in survey.pages:
            for question in page.questions:
                if question.id not in answers:
                    assert not question.required or not question.visible(seen), question.id
                    continue
                assert question.visible(seen), f"{survey.slug}: {question.id} is hidden"
                seen[question.id] = answers[question.id]
        for row in rows:
            question = survey.questions[row["question"]]
            assert row["survey"] == survey.slug
            if question.kind == "text":
                assert row["value"] is None
                assert row["text"]
                assert row["sentiment"] in ("positive", "negative", "neutral")
                assert isinstance(row["scored"], bool)
                assert isinstance(row["polarity"], float)
                assert row["phrases"].startswith("[")
            else:
                assert row["text"] is None
                assert row["value"] in {option.value for option in options_for(question)}
        if "why_not" in answers:
            why_not += 1
            reported = answers.get("reported_to")
            assert isinstance(reported, list) and "nobody" in reported
        # Every report has a receipt, of its kind, on its day, with the reply rule respected.
        if survey.kind != "survey":
            receipt = receipts[response["receipt"]]
            assert receipt["kind"] == survey.kind
            assert receipt["day"] == day
            assert receipt["locale"] == response["locale"]
            allowed = survey.kind == "concern" or answers.get("consent") == "reply_allowed"
            assert receipt["reply_allowed"] is allowed
            assert receipt["status"] in ("received", "read", "answered", "acted_on")
            if receipt["status"] == "answered":
                assert allowed
    assert why_not > 0
    statuses = {row["status"] for row in receipts.values()}
    assert {"received", "read", "answered", "acted_on", "withdrawn"} <= statuses
    for message in await Message.select():
        receipt = receipts[message["receipt"]]
        assert message["author"] in ("staff", "respondent")
        assert receipt["day"] <= message["day"] <= today
        if message["author"] == "staff":
            assert receipt["reply_allowed"]
            assert receipt["status"] in ("answered", "acted_on")
    authors = {row["author"] for row in await Message.select(Message.author).distinct()}
    assert authors == {"staff", "respondent"}


async def test_dont_know_and_prefer_not_at_realistic_rates(demo_db: None) -> None:
    await run_demo(responses=2000, seed=7, if_empty=False)
    rows = await Answer.select(Answer.value).where(
        Answer.question.is_in(["confidence", "relied_on", "respect", "fair", "listen"])
    )
    excluded = sum(row["value"] in EXCLUDED for row in rows)
    assert 0.04 <= excluded / len(rows) <= 0.12


CORE_ITEMS = ["confidence", "relied_on", "respect", "fair", "understand", "matter", "listen"]


async def agree_share(
    survey: str, questions: list[str], periods: list[str], area: str | None = None
) -> float:
    where = (
        (Answer.survey == survey)
        & Answer.question.is_in(questions)
        & Answer.response.period.is_in(periods)
    )
    if area is not None:
        where &= Answer.response.area == area
    rows = await Answer.select(Answer.value).where(where)
    counted = [row["value"] for row in rows if row["value"] not in EXCLUDED]
    return sum(value in AGREE for value in counted) / len(counted)


async def periods() -> list[str]:
    return sorted(row["period"] for row in await Response.select(Response.period).distinct())


async def test_the_trends_are_in_the_data(demo_db: None) -> None:
    await run_demo(responses=2000, seed=7, if_empty=False)
    first, last = (await periods())[:6], (await periods())[-6:]
    # Workers' confidence rose after the change of approach a year ago...
    before = await agree_share("worker-voice", ["confidence"], first)
    after = await agree_share("worker-voice", ["confidence"], last)
    assert 0.2 < before < 0.4
    assert after - before > 0.08
    # ...and the other trust items with it (answers come from one latent trust).
    workers_before = await agree_share("worker-voice", CORE_ITEMS, first)
    assert await agree_share("worker-voice", CORE_ITEMS, last) - workers_before > 0.08
    # Residents' trust stayed about where it was (2000 responses leave some noise).
    residents_before = await agree_share("community-voice", CORE_ITEMS, first)
    residents_after = await agree_share("community-voice", CORE_ITEMS, last)
    assert abs(residents_after - residents_before) < 0.15


async def test_a_dip_in_one_area_and_seasonal_concerns(demo_db: None) -> None:
    await run_demo(responses=10_000, seed=7, if_empty=False)
    months = await periods()
    last = months[-6:]
    # The second configured area lost workers' trust in the last six months.
    areas = [area_value(name) for name in get_settings().areas]
    dip = await agree_share("worker-voice", CORE_ITEMS, last, areas[1])
    elsewhere = [await agree_share("worker-voice", CORE_ITEMS, last, a) for a in areas[2:]]
    assert dip < min(elsewhere) - 0.08
    # Concern reports: more in summer, and kerb-crawling rising.
    reports = await Answer.select(Answer.value, Answer.response.period).where(
        Answer.question == "category"
    )
    summer = sum(row["response.period"][5:] in ("06", "07", "08") for row in reports)
    winter = sum(row["response.period"][5:] in ("12", "01", "02") for row in reports)
    assert summer > 1.3 * winter
    first_year = [row["value"] for row in reports if row["response.period"] in months[:12]]
    second_year = [row["value"] for row in reports if row["response.period"] in months[12:]]
    assert second_year.count("kerb_crawling") / len(second_year) > (
        first_year.count("kerb_crawling") / len(first_year) + 0.05
    )


async def test_items_agree_within_a_respondent(demo_db: None) -> None:
    await run_demo(responses=2000, seed=7, if_empty=False)
    pairs = []
    for rows in (await answers_by_response()).values():
        values = {row["question"]: row["value"] for row in rows if row["survey"] == "worker-voice"}
        confidence, listen = values.get("confidence"), values.get("listen")
        if confidence and listen and not {confidence, listen} & EXCLUDED:
            pairs.append((confidence in AGREE, listen in AGREE))
    agreeing = sum(a == b for a, b in pairs) / len(pairs)
    assert agreeing > 0.7  # independent answers would agree about half the time


async def test_free_text_is_stored_redacted(demo_db: None) -> None:
    await run_demo(responses=2000, seed=7, if_empty=False)
    texts = [
        row["text"] for row in await Answer.select(Answer.text).where(Answer.text.is_not_null())
    ]
    assert len(texts) > 300
    assert not [text for text in texts if "@" in text]
    assert not [text for text in texts if "07700" in text]
    bodies = [row["body"] for row in await Message.select(Message.body)]
    assert not [body for body in bodies if "@" in body]
    # Some text is in other languages, and the share that could be scored is below 100%.
    scored = [
        row["scored"] for row in await Answer.select(Answer.scored).where(Answer.text.is_not_null())
    ]
    assert 0 < sum(scored) < len(scored)


async def test_same_seed_same_rows(demo_db: None) -> None:
    await run_demo(responses=500, seed=11, if_empty=False)
    first = await Response.select().order_by(Response.id)
    first_answers = await Answer.select(Answer.id, Answer.value, Answer.text).order_by(Answer.id)
    await empty_everything()
    await run_demo(responses=500, seed=11, if_empty=False)
    assert await Response.select().order_by(Response.id) == first
    assert await Answer.select(Answer.id, Answer.value, Answer.text).order_by(Answer.id) == (
        first_answers
    )
    await empty_everything()
    await run_demo(responses=500, seed=12, if_empty=False)
    other = await Response.select(Response.id)
    assert not {row["id"] for row in other} & {row["id"] for row in first}


async def test_if_empty_does_nothing_on_a_database_with_responses(demo_db: None) -> None:
    await run_demo(responses=300, seed=1, if_empty=True)
    counts = (await Response.count(), await Answer.count(), await Receipt.count())
    assert counts[0] == 300
    summary = await run_demo(responses=300, seed=2, if_empty=True)
    assert summary.skipped
    assert summary.total == 0
    assert (await Response.count(), await Answer.count(), await Receipt.count()) == counts


async def test_the_same_seed_twice_adds_nothing_the_second_time(demo_db: None) -> None:
    await run_demo(responses=300, seed=3, if_empty=False)
    summary = await run_demo(responses=300, seed=3, if_empty=False)
    assert summary.skipped
    assert await Response.count() == 300
    # Another seed adds to what is there.
    await run_demo(responses=300, seed=4, if_empty=False)
    assert await Response.count() == 600


async def test_zero_responses_adds_nothing(demo_db: None) -> None:
    summary = await run_demo(responses=0, seed=1, if_empty=False)
    assert summary.total == 0
    assert await Response.count() == 0
    assert await AnswerCount.count() == 0


async def snapshot() -> dict[str, dict[str, dict[str, Any]]]:
    return {
        table._meta.tablename: {
            row["key"]: {name: value for name, value in row.items() if name != "id"}
            for row in await table.select()
        }
        for table in ROLLUPS
    }


def assert_same_rollups(
    got: dict[str, dict[str, dict[str, Any]]], expected: dict[str, dict[str, dict[str, Any]]]
) -> None:
    for table, rows in expected.items():
        assert got[table].keys() == rows.keys(), table
        for key, row in rows.items():
            for name, value in row.items():
                # Sums of scores are Real: float4 on PostgreSQL, rounded on every addition.
                if isinstance(value, float):
                    assert got[table][key][name] == pytest.approx(value, rel=1e-5, abs=1e-3)
                else:
                    assert got[table][key][name] == value, (table, key, name)


async def test_rollups_match_a_rebuild_from_the_rows(demo_db: None) -> None:
    from surveys.rollups import rebuild

    summary = await run_demo(responses=2000, seed=7, if_empty=False)
    written = await snapshot()
    assert sum(len(rows) for rows in written.values()) == summary.rollup_rows
    await rebuild()
    assert_same_rollups(await snapshot(), written)
    # A second run adds to the roll-ups rather than replacing them.
    await run_demo(responses=500, seed=8, if_empty=False)
    added = await snapshot()
    await rebuild()
    assert_same_rollups(await snapshot(), added)


async def test_dates_follow_week_coarseness(demo_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    weekly = dataclasses.replace(get_settings(), date_coarseness="week")
    monkeypatch.setattr("chorus.coarse_time.get_settings", lambda: weekly)
    await run_demo(responses=400, seed=5, if_empty=False)
    days = [row["day"] for row in await Response.select(Response.day)]
    days += [row["day"] for row in await Receipt.select(Receipt.day)]
    days += [row["day"] for row in await Message.select(Message.day)]
    assert {day.weekday() for day in days} == {0}
    for row in await Response.select(Response.day, Response.period):
        assert row["period"] == row["day"].strftime("%Y-%m")


def test_keys_are_uuid4_and_increasing() -> None:
    keys = _Keys(random.Random(1), 5000)
    previous = ""
    for _ in range(5000):
        keys.next_response()
        for _ in range(20):
            key = keys.uuid()
            parsed = uuid.UUID(key)
            assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
            assert str(uuid.UUID(int=parsed.int, version=4)) == key
            assert key > previous
            previous = key
        assert len(keys.hex64()) == 64


async def test_reply_days_count_to_the_first_staff_message(demo_db: None) -> None:
    """The demo fills receipt.reply_days as the console's reply does, and the migration that
    introduced the column computes the same days from the messages."""
    import importlib

    migration = importlib.import_module(
        "feedback.piccolo_migrations.feedback_2026_11_28t23_03_43_000000"
    )
    await run_demo(responses=1500, seed=11, if_empty=False)
    written = {
        r["id"]: r["reply_days"] for r in await Receipt.select(Receipt.id, Receipt.reply_days)
    }
    assert any(day is not None for day in written.values())
    assert any(day is None for day in written.values())
    await Receipt.update({Receipt.reply_days: None}, force=True)
    from piccolo.engine.postgres import PostgresEngine

    await Receipt.raw(migration.backfill(isinstance(Receipt._meta.db, PostgresEngine)))
    filled = {
        r["id"]: r["reply_days"] for r in await Receipt.select(Receipt.id, Receipt.reply_days)
    }
    assert filled == written


async def test_the_migration_fills_the_phrase_roll_up_as_the_demo_writes_it(
    demo_db: None,
) -> None:
    import importlib

    from piccolo.engine.postgres import PostgresEngine

    migration = importlib.import_module(
        "surveys.piccolo_migrations.surveys_2026_11_28t23_08_53_000000"
    )
    await run_demo(responses=1500, seed=12, if_empty=False)
    written = (await snapshot())["phrase_count"]
    assert len(written) > 20
    await PhraseCount.delete(force=True)
    await PhraseCount.raw(migration.fill(isinstance(PhraseCount._meta.db, PostgresEngine)))
    assert (await snapshot())["phrase_count"] == written
