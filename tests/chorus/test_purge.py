"""`chorus purge`: free text, messages, receipts (and raw responses when configured) go when
they have been kept long enough; every count a report is built from stays the same."""

from __future__ import annotations

import dataclasses
import os
import secrets
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from chorus import retention
from chorus.settings import get_settings
from chorus.tables import AuditEntry, ManagerSession
from feedback.receipts import code_hash
from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
from surveys.registry import get_survey
from surveys.storage import store_submission
from surveys.tables import Answer, AnswerCount, Response, TextCount, TrustScore
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]

TODAY = date(2026, 11, 28)
OLD = TODAY - timedelta(days=400)
RECENT = TODAY - timedelta(days=30)


async def _store(kind: str, answers: dict[str, Any], day: date) -> tuple[str, Any]:
    survey = get_survey(kind)
    assert survey is not None
    stored = await store_submission(
        survey, answers, locale="en", channel="poster", token=secrets.token_urlsafe(16), today=day
    )
    receipt = await Receipt.select(Receipt.id).where(Receipt.code_hash == code_hash(stored.code))
    return stored.code, receipt[0]["id"]


async def _counts() -> dict[str, Any]:
    """Everything reports count: answers with a value, and the roll-up tables."""
    values = await Answer.select(Answer.survey, Answer.question, Answer.value).where(
        Answer.value.is_not_null()
    )
    texts = await Answer.select(Answer.sentiment, Answer.scored, Answer.polarity).where(
        Answer.text.is_not_null()
    )
    rollups = {}
    for table in (AnswerCount, TrustScore, TextCount):
        rollups[table._meta.tablename] = sorted(
            (tuple(sorted(row.items())) for row in await table.select()), key=repr
        )
    return {
        "values": sorted((r["survey"], r["question"], r["value"]) for r in values),
        "scored_texts": sorted(repr(sorted(r.items())) for r in texts),
        "responses": await Response.count(),
        "rollups": rollups,
    }


async def _scene() -> dict[str, Any]:
    old_code, old_receipt = await _store(
        "concern",
        {"category": "litter_needles", "area": "riverside", "what_happened": "Old needles story."},
        OLD,
    )
    new_code, new_receipt = await _store(
        "concern",
        {"category": "noise_traffic", "area": "harbour", "what_happened": "New noise story."},
        RECENT,
    )
    await _store("worker-voice", {"safer_reporting": "Old survey idea."}, OLD)
    for receipt, day in ((old_receipt, OLD), (new_receipt, RECENT)):
        await Message.insert(Message(receipt=receipt, author="staff", body="A reply.", day=day))
        await FeedbackTag.insert(FeedbackTag(receipt=receipt, name="needles"))
        await StatusChange.insert(StatusChange(receipt=receipt, status="answered", day=day))
    return {"old_code": old_code, "new_code": new_code}


async def test_purge_removes_old_text_and_receipts_and_keeps_every_count(
    console: Any, bob: Any
) -> None:
    scene = await _scene()
    before = await _counts()
    result = await retention.purge(TODAY)
    assert (result.texts, result.messages, result.receipts, result.responses) == (2, 1, 2, 0)
    assert await _counts() == before
    texts = {
        row["text"] for row in await Answer.select(Answer.text).where(Answer.text.is_not_null())
    }
    assert texts == {"", "New noise story."}
    phrases = await Answer.select(Answer.phrases).where(Answer.text == "")
    assert all(row["phrases"] is None for row in phrases)
    assert [m["day"] for m in await Message.select(Message.day)] == [RECENT]
    assert await Receipt.count() == 1
    assert await FeedbackTag.count() == 1 and await StatusChange.count() == 1
    assert await Response.count().where(Response.receipt.is_null()) == 2
    old = await console.get(f"/api/v1/receipts/{scene['old_code']}")
    assert old.status_code == 404
    new = await console.get(f"/api/v1/receipts/{scene['new_code']}")
    assert new.status_code == 200 and new.json()["messages"][0]["body"] == "A reply."
    audit = await AuditEntry.select(AuditEntry.actor, AuditEntry.detail).where(
        AuditEntry.action == "purge"
    )
    # `reordered` (PostgreSQL only) is tested in test_arrival_order_postgres.py.
    assert audit == [
        {
            "actor": "system",
            "detail": "texts=2 messages=1 receipts=2 responses=0 sessions=0 "
            f"reordered={result.reordered}",
        }
    ]
    again = await retention.purge(TODAY)
    assert again.summary() == (
        f"texts=0 messages=0 receipts=0 responses=0 sessions=0 reordered={again.reordered}"
    )
    assert await _counts() == before
    await sign_in(console, bob)
    inbox = await console.get("/manage/inbox")
    assert "Old needles story" not in inbox.text and "Old survey idea" not in inbox.text
    assert "New noise story." in inbox.text


async def test_raw_responses_go_only_when_configured_and_rollups_stay(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scene()
    before = await _counts()
    configured = dataclasses.replace(get_settings(), response_retention_days=365)
    monkeypatch.setattr(retention, "get_settings", lambda: configured)
    result = await retention.purge(TODAY)
    assert result.responses == 2
    assert await Response.count() == 1
    assert (
        await Answer.count().where(
            Answer.response.is_in(
                Response.select(Response.id).where(Response.day < TODAY - timedelta(days=365))
            )
        )
        == 0
    )
    after = await _counts()
    assert after["rollups"] == before["rollups"]


async def test_purge_ends_expired_sessions(bob: Any) -> None:
    from chorus.accounts import now
    from tests.manage_fixtures import session_for

    await session_for(bob)
    await session_for(bob)
    await ManagerSession.update({ManagerSession.last_seen: now() - timedelta(hours=1)}).where(
        ManagerSession.id.is_in(ManagerSession.select(ManagerSession.id).limit(1))
    )
    result = await retention.purge(TODAY)
    assert result.sessions == 1
    assert await ManagerSession.count() == 1


def test_chorus_purge_runs_from_the_command_line(migrated: None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chorus.cli", "purge"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("texts="), result.stdout


async def test_purged_concern_receipts_keep_the_response_times(db: None) -> None:
    """How fast concerns were answered is counted from their receipts; the purge deletes old
    receipts, and keeps their reply delays (counts only), so the figure does not move."""
    from chorus.coarse_time import period_of
    from feedback.inbox_actions import reply
    from feedback.receipts import find_receipt, withdraw
    from feedback.tables import NEVER_ANSWERED, ArchivedReplyDelay
    from reports.concerns import concern_report

    answers = {"category": "litter_needles", "area": "riverside"}

    async def concerns(day: date, replied_after: list[int | None]) -> list[str]:
        codes = []
        for delay in replied_after:
            code, receipt = await _store("concern", answers, day)
            if delay is not None:
                [response] = await Response.select(Response.id).where(Response.receipt == receipt)
                await reply(response["id"], "Thank you, we are on it.", day + timedelta(days=delay))
            codes.append(code)
        return codes

    old = await concerns(OLD, [1, 2, 2, 3, 5, 8, 8, 9, 12, 20, None, None, None, 4])
    await concerns(RECENT, [0, 1, 1, 2, 3, 3, 4, 6, 7, 9, None, None])
    gone = await find_receipt(old[-1])  # withdrawn: never counted, before or after
    assert gone is not None
    await withdraw(gone)

    async def times() -> Any:
        report = await concern_report(start=period_of(OLD), end=period_of(TODAY))
        return report.response_times

    before = await times()
    assert before.concerns == 25 and not before.suppressed
    assert before.answered_percent == round(100 * 20 / 25, 1)

    result = await retention.purge(TODAY)
    assert result.receipts == 14  # the withdrawn one's emptied receipt goes too
    assert await Receipt.count().where(Receipt.kind == "concern") == 12
    assert await times() == before
    archived = await ArchivedReplyDelay.select(ArchivedReplyDelay.delay, ArchivedReplyDelay.n)
    assert sum(row["n"] for row in archived) == 13
    assert {row["delay"]: row["n"] for row in archived}[NEVER_ANSWERED] == 3

    again = await retention.purge(TODAY)  # nothing more to delete: nothing counted twice
    assert again.receipts == 0
    assert await times() == before
    assert sum(row["n"] for row in await ArchivedReplyDelay.select(ArchivedReplyDelay.n)) == 13
