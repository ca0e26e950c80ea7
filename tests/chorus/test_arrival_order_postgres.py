"""On PostgreSQL a table is a heap in arrival order, and every row's xmin grows with arrival:
`forget_arrival_order` (chorus/arrival_order.py) rewrites a day's respondent rows so that
neither says anything any more, changing nothing else, and `chorus purge` runs it for the days
since the previous purge. On SQLite (tables WITHOUT ROWID, test_arrival_order.py) it does
nothing."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from piccolo.table import Table

from chorus import arrival_order, retention
from chorus.arrival_order import forget_arrival_order
from chorus.coarse_time import coarse_today
from chorus.tables import AuditEntry
from feedback.inbox_actions import add_tag, reply, set_status
from feedback.receipts import add_follow_up, code_hash, find_receipt, withdraw
from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
from surveys.bulk import write_transaction
from surveys.registry import get_survey
from surveys.storage import store_submission
from surveys.tables import Answer, AnswerCount, PhraseCount, Response, TextCount, TrustScore
from tests.conftest import ENGINE

POSTGRES = ENGINE == "postgres"
on_postgres = pytest.mark.skipif(
    not POSTGRES, reason="heap order and xmin are PostgreSQL's; SQLite: test_arrival_order.py"
)
on_sqlite = pytest.mark.skipif(POSTGRES, reason="the SQLite no-op")

DAY = date(2026, 11, 20)  # the day rewritten
BEFORE = DAY - timedelta(days=10)  # before `since`: must stay as it is

RESPONDENT_TABLES: tuple[type[Table], ...] = (
    Receipt,
    Response,
    Answer,
    Message,
    StatusChange,
    FeedbackTag,
)
ROLLUPS: tuple[type[Table], ...] = (AnswerCount, TrustScore, TextCount, PhraseCount)

ANSWERS: dict[str, dict[str, Any]] = {
    "worker-voice": {
        "confidence": "tend_agree",
        "respect": "strongly_agree",
        "area": "harbour",
        "work_setting": "street",
        "safer_reporting": "More patrols near the arches.",
    },
    "concern": {"category": "litter_needles", "area": "riverside", "what_happened": "Needles."},
    "experience": {
        "contact_kind": "reported_crime",
        "consent": "reply_allowed",
        "treated_respect": "tend_agree",
        "what_happened": "The officer listened and took me seriously.",
    },
}


async def _submit(kind: str, day: date) -> dict[str, Any]:
    """A submission through the real write path: its code, receipt and response ids."""
    survey = get_survey(kind)
    assert survey is not None
    stored = await store_submission(
        survey,
        ANSWERS[kind],
        locale="en",
        channel="poster",
        token=secrets.token_urlsafe(16),
        today=day,
    )
    receipt = await Receipt.select(Receipt.id).where(Receipt.code_hash == code_hash(stored.code))
    response = await Response.select(Response.id).where(Response.receipt == receipt[0]["id"])
    return {"code": stored.code, "receipt": receipt[0]["id"], "response": response[0]["id"]}


def _dated(table: type[Table], day: date) -> str:
    """SQL condition for `table`'s rows dated `day` (answers and tags: by their parent)."""
    if table is Answer:
        return f"response IN (SELECT id FROM response WHERE day = '{day}')"
    if table is FeedbackTag:
        return f"receipt IN (SELECT id FROM receipt WHERE day = '{day}')"
    return f"day = '{day}'"


def _of_day(table: type[Table], day: date) -> str:
    """SQL condition for the rows that `day`'s rewrite takes, written out independently of
    chorus.arrival_order: its receipts with everything under them, its responses (with or
    without a receipt) with their answers, its messages and status changes."""
    receipts = f"(SELECT id FROM receipt WHERE day = '{day}')"
    if table is Receipt:
        return f"day = '{day}'"
    if table is Answer:
        return f"response IN (SELECT id FROM response WHERE day = '{day}' OR receipt IN {receipts})"
    if table is FeedbackTag:
        return f"receipt IN {receipts}"
    return f"day = '{day}' OR receipt IN {receipts}"


async def _placed(table: type[Table], condition: str) -> list[dict[str, Any]]:
    """The rows of `table` that meet `condition`, in heap order, with their place and
    inserting transaction."""
    name = table._meta.tablename
    return list(
        await table.raw(
            # Not "AS ctid": ORDER BY would then sort the text.
            f"SELECT id, ctid::text AS place, xmin::text AS xmin FROM {name} "
            f"WHERE {condition} ORDER BY ctid"
        )
    )


async def _ids_by_key(table: type[Table], condition: str) -> list[Any]:
    name = table._meta.tablename
    rows = await table.raw(f"SELECT id FROM {name} WHERE {condition} ORDER BY id")
    return [row["id"] for row in rows]


async def _rewrite_size(days: list[date]) -> int:
    """How many rows the rewrite of these days takes (a follow-up on an older receipt is
    taken twice: with its receipt's day and with its own)."""
    size = 0
    for day in days:
        for table in RESPONDENT_TABLES:
            size += len(await _placed(table, _of_day(table, day)))
    return size


async def _everything(tables: tuple[type[Table], ...]) -> dict[str, list[dict[str, Any]]]:
    """Every row and column of these tables, in a fixed order."""
    return {
        table._meta.tablename: sorted(await table.select(), key=lambda row: str(row["id"]))
        for table in tables
    }


async def _counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in RESPONDENT_TABLES}


async def _scene() -> dict[str, Any]:
    """Responses of DAY in a known order with everything that hangs off them, and a few of an
    earlier day, one of which gets a follow-up and a status change dated DAY."""
    earlier = [await _submit(kind, BEFORE) for kind in ("concern", "worker-voice", "experience")]
    arrivals = [
        await _submit(kind, DAY)
        for kind in ("worker-voice", "concern", "experience", "worker-voice") * 3
    ]
    first, second, third = arrivals[0], arrivals[1], arrivals[2]
    receipt = await find_receipt(second["code"])
    assert receipt is not None
    await add_follow_up(receipt, "It happened again.", DAY)
    old = await find_receipt(earlier[0]["code"])
    assert old is not None
    await add_follow_up(old, "Still going on.", DAY)  # today's message on an older receipt
    await set_status([earlier[0]["response"], first["response"]], "read", DAY)
    await add_tag(second["response"], "needles")
    await reply(third["response"], "Thank you, we are looking into it.", DAY)
    # What the retention purge does to an old receipt: the response stays, detached.
    detached = arrivals[-1]
    await Response.update({Response.receipt: None}).where(Response.id == detached["response"])
    await Receipt.delete().where(Receipt.id == detached["receipt"])
    return {"arrivals": arrivals, "earlier": earlier, "withdrawn": third}


@on_postgres
async def test_the_rewrite_leaves_no_arrival_order_and_changes_nothing_else(client: Any) -> None:
    # Empty files, not only empty tables: space freed by earlier tests could take new rows out
    # of insertion order (and the rewritten ones out of key order) where the free space map
    # puts them, which would hide nothing but make these checks depend on earlier tests.
    names = ", ".join(table._meta.tablename for table in RESPONDENT_TABLES)
    await Response.raw(f"TRUNCATE {names}")
    scene = await _scene()
    arrived = [a["response"] for a in scene["arrivals"]]

    # The leak, first: heap order and xmin give the order of arrival, one transaction each.
    placed = await _placed(Response, _of_day(Response, DAY))
    assert [row["id"] for row in placed] == arrived
    assert len({row["xmin"] for row in placed}) == len(arrived)
    assert arrived != await _ids_by_key(Response, _of_day(Response, DAY))  # else proves nothing

    day_rows = {t._meta.tablename: await _placed(t, _of_day(t, DAY)) for t in RESPONDENT_TABLES}
    assert all(day_rows.values()), {name: len(rows) for name, rows in day_rows.items()}
    earlier = {t._meta.tablename: await _placed(t, _dated(t, BEFORE)) for t in RESPONDENT_TABLES}
    everything = await _everything(RESPONDENT_TABLES)
    rollups = await _everything(ROLLUPS)
    old_xmins = {row["xmin"] for rows in day_rows.values() for row in rows}

    started = await Response.raw("SELECT now() AS at")
    rewritten = await forget_arrival_order(DAY)

    assert rewritten == sum(len(rows) for rows in day_rows.values())
    # The old row versions, still in arrival order, are vacuumed away at once.
    vacuumed = await Response.raw(
        "SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY({})",
        [table._meta.tablename for table in RESPONDENT_TABLES],
    )
    assert len(vacuumed) == len(RESPONDENT_TABLES)
    assert all(row["last_vacuum"] and row["last_vacuum"] >= started[0]["at"] for row in vacuumed)
    xmins: set[str] = set()
    for table in RESPONDENT_TABLES:
        name, condition = table._meta.tablename, _of_day(table, DAY)
        now = await _placed(table, condition)
        assert [row["id"] for row in now] == await _ids_by_key(table, condition), name
        assert sorted(str(r["id"]) for r in now) == sorted(str(r["id"]) for r in day_rows[name])
        xmins |= {row["xmin"] for row in now}
        # Rows dated before `since` are neither moved nor rewritten.
        assert await _placed(table, _dated(table, BEFORE)) == earlier[name], name
    assert len(xmins) == 1 and not xmins & old_xmins  # one new transaction for the whole day
    assert await _everything(RESPONDENT_TABLES) == everything
    assert await _everything(ROLLUPS) == rollups

    # Running it again is harmless, and the receipts work as before: a withdrawal deletes the
    # response, its answers (by cascade) and the messages, and takes them out of the counts.
    assert await forget_arrival_order(DAY) == rewritten
    withdrawn = scene["withdrawn"]
    assert await Answer.count().where(Answer.response == withdrawn["response"]) > 0
    assert await Message.count().where(Message.receipt == withdrawn["receipt"]) > 0
    gone = await client.delete(f"/api/v1/receipts/{withdrawn['code']}")
    assert gone.status_code == 204
    assert await Response.count().where(Response.id == withdrawn["response"]) == 0
    assert await Answer.count().where(Answer.response == withdrawn["response"]) == 0
    assert await Message.count().where(Message.receipt == withdrawn["receipt"]) == 0
    status = await Receipt.select(Receipt.status).where(Receipt.id == withdrawn["receipt"])
    assert status == [{"status": "withdrawn"}]
    assert await _everything(ROLLUPS) != rollups


async def _until_waiting_for_a_lock() -> None:
    """Until some other session of this database waits for a lock (a row's or a table's)."""
    for _ in range(200):
        waiting = await Response.raw(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if waiting[0]["n"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("nobody waited for the rewrite")


async def _withdraw_during(rewrite: Any, code: str) -> None:
    """Withdraw through `code` while `rewrite(tx, DAY)` is done but not yet committed."""
    receipt = await find_receipt(code)
    assert receipt is not None
    rewritten, may_commit = asyncio.Event(), asyncio.Event()

    async def rewriting() -> None:
        # A task of its own: Piccolo keeps the open transaction in a context variable, and
        # the withdrawal must not join it.
        async with write_transaction() as tx:
            await rewrite(tx, DAY)
            rewritten.set()
            await may_commit.wait()

    rewriter = asyncio.create_task(rewriting())
    await asyncio.wait_for(rewritten.wait(), timeout=30)
    withdrawal = asyncio.create_task(withdraw(receipt))
    await _until_waiting_for_a_lock()
    assert not withdrawal.done()
    may_commit.set()
    await rewriter
    await asyncio.wait_for(withdrawal, timeout=30)


@on_postgres
async def test_a_withdrawal_that_waited_for_the_rewrite_deletes_the_new_rows(db: None) -> None:
    submitted = [await _submit("worker-voice", DAY) for _ in range(3)]
    target = submitted[1]
    await _withdraw_during(arrival_order._rewrite_day, target["code"])
    assert await Response.count().where(Response.id == target["response"]) == 0
    assert await Answer.count().where(Answer.response == target["response"]) == 0
    status = await Receipt.select(Receipt.status).where(Receipt.id == target["receipt"])
    assert status == [{"status": "withdrawn"}]
    assert await Response.count() == 2


@on_postgres
async def test_without_the_table_lock_that_withdrawal_would_silently_do_nothing(
    db: None,
) -> None:
    """Why `_rewrite_day` locks the tables (and that the test above can fail): the same rows
    rewritten without the lock. The withdrawal's DELETE, waiting for the old response row,
    finds it gone and deletes nothing; its next statement, begun after the commit, marks the
    receipt withdrawn. The respondent is told it is all deleted, and it is not."""
    submitted = [await _submit("worker-voice", DAY) for _ in range(3)]
    target = submitted[1]

    async def rewrite_without_lock(tx: Any, day: date) -> int:
        return await arrival_order._rewrite_rows(tx, day, arrival_order._parts())

    await _withdraw_during(rewrite_without_lock, target["code"])
    assert await Response.count().where(Response.id == target["response"]) == 1
    assert await Answer.count().where(Answer.response == target["response"]) > 0
    status = await Receipt.select(Receipt.status).where(Receipt.id == target["receipt"])
    assert status == [{"status": "withdrawn"}]


@on_postgres
async def test_the_rewrite_refuses_to_run_beside_a_trigger(db: None) -> None:
    await _submit("worker-voice", DAY)
    before = await _everything(RESPONDENT_TABLES)
    await Answer.raw(
        "CREATE FUNCTION chorus_test_noop() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN NEW; END $$"
    )
    await Answer.raw(
        "CREATE TRIGGER chorus_test_noop AFTER INSERT ON answer "
        "FOR EACH ROW EXECUTE FUNCTION chorus_test_noop()"
    )
    try:
        with pytest.raises(arrival_order.ArrivalOrderError, match="trigger chorus_test_noop"):
            await forget_arrival_order(None)
    finally:
        await Answer.raw("DROP TRIGGER chorus_test_noop ON answer")
        await Answer.raw("DROP FUNCTION chorus_test_noop()")
    assert await _everything(RESPONDENT_TABLES) == before


@on_sqlite
async def test_on_sqlite_nothing_is_rewritten(db: None) -> None:
    await _scene()
    counts = await _counts()
    everything = await _everything(RESPONDENT_TABLES)
    rollups = await _everything(ROLLUPS)
    assert await forget_arrival_order(None) == 0
    assert await forget_arrival_order(DAY) == 0
    assert await _counts() == counts
    assert await _everything(RESPONDENT_TABLES) == everything
    assert await _everything(ROLLUPS) == rollups


def test_the_days_rewritten_start_a_week_before_the_previous_purge() -> None:
    assert retention.reorder_since(None) is None
    assert retention.reorder_since(date(2026, 11, 20)) == date(2026, 11, 13)
    # A week's rows all carry its Monday: a purge on Sunday the 29th reaches Monday the 23rd.
    assert retention.reorder_since(date(2026, 11, 29)) <= date(2026, 11, 23)


async def test_the_purge_passes_the_days_since_a_week_before_the_previous_one(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[date | None] = []

    async def forget(since: date | None) -> int:
        asked.append(since)
        return 7

    monkeypatch.setattr(retention, "forget_arrival_order", forget)
    first = await retention.purge(DAY)
    assert asked == [None]  # no purge before: every day
    assert first.reordered == 7 and first.summary().endswith(" reordered=7")

    await AuditEntry.delete(force=True)
    for action, at in (
        ("purge", datetime(2026, 11, 9, 2, 0, tzinfo=UTC)),
        # 00:30 at UTC+2 is still the 20th in UTC, the calendar respondents' days are in.
        ("purge", datetime(2026, 11, 21, 0, 30, tzinfo=timezone(timedelta(hours=2)))),
        ("login", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),  # not a purge
    ):
        await AuditEntry.insert(AuditEntry(actor="system", action=action, at=at))
    assert await retention.previous_purge_day() == date(2026, 11, 20)
    await retention.purge(DAY)
    assert asked == [None, date(2026, 11, 13)]


async def test_the_purge_rewrites_every_day_once_then_the_recent_ones(db: None) -> None:
    """The real thing, end to end: on PostgreSQL the first purge rewrites every respondent row,
    the next only those of the days from a week before it; on SQLite neither rewrites any."""
    today = coarse_today()
    for kind, day in (("concern", today - timedelta(days=40)), ("experience", today)):
        await _submit(kind, day)
    recent = await _submit("worker-voice", today - timedelta(days=2))
    receipt = await find_receipt(recent["code"])
    assert receipt is not None
    await add_follow_up(receipt, "One more thing.", today)
    counts = await _counts()
    if not POSTGRES:
        first, second = await retention.purge(), await retention.purge()
        assert (first.reordered, second.reordered) == (0, 0)
        assert await _counts() == counts
        return
    days = sorted({r["day"] for r in await Response.select(Response.day)} | {today})

    expected_first = await _rewrite_size(days)
    first = await retention.purge()
    since = today - timedelta(days=retention.REORDER_OVERLAP_DAYS)
    expected_second = await _rewrite_size([day for day in days if day >= since])
    second = await retention.purge()

    assert first.reordered == expected_first > sum(counts.values())
    assert second.reordered == expected_second
    assert 0 < second.reordered < first.reordered
    assert await _counts() == counts
