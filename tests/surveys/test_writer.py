"""The submission write path (surveys/storage.py, surveys/bulk.py): a batch is stored whole or
not at all, every waiting respondent hears how it went, a token stores once, and on SQLite the
processes take turns through the lock file. No test here depends on timing."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import random
import secrets
import sqlite3
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import surveys.bulk as bulk
import surveys.storage as storage
from chorus.settings import get_settings
from feedback.receipts import code_for_token, code_hash, token_hash
from feedback.tables import Receipt
from surveys.bulk import Transaction, lock_path, run_transaction, write_transaction
from surveys.registry import get_survey
from surveys.rollups import Increments
from surveys.storage import Stored, store_submission
from surveys.tables import Answer, AnswerCount, Response
from tests.proof.answers import answer_rows, sample_answers

SQLITE = not get_settings().is_postgres


async def _tables() -> dict[str, int]:
    return {
        "receipts": await Receipt.count(),
        "responses": await Response.count(),
        "answers": await Answer.count(),
        "answer_counts": await AnswerCount.count(),
    }


def _submission(rng: random.Random) -> tuple[Any, dict[str, Any], str]:
    survey = get_survey("worker-voice")
    assert survey is not None
    return survey, sample_answers(survey, rng), secrets.token_urlsafe(16)


async def _store_many(count: int, seed: int) -> list[Stored | BaseException]:
    rng = random.Random(seed)
    submissions = [_submission(rng) for _ in range(count)]
    return await asyncio.gather(
        *(
            store_submission(survey, answers, locale="en", channel=None, token=token)
            for survey, answers, token in submissions
        ),
        return_exceptions=True,
    )


async def test_a_batch_that_fails_fails_every_waiter_and_stores_nothing(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Increments, tx: Transaction) -> None:
        # The last statement of the transaction, after every row was inserted, fails.
        await tx.execute("INSERT INTO no_such_table (n) VALUES (?)", 1)

    monkeypatch.setattr(Increments, "apply", broken)
    # Queued together, so (at least) the first transaction holds several of them.
    results = await _store_many(12, seed=1)
    assert all(
        isinstance(result, Exception) and not isinstance(result, Stored) for result in results
    ), results
    assert await _tables() == {"receipts": 0, "responses": 0, "answers": 0, "answer_counts": 0}


async def test_one_bad_submission_costs_the_others_nothing(db: None) -> None:
    rng = random.Random(2)
    submissions = [_submission(rng) for _ in range(6)]
    # A receipt already holding the code that submission 3's token gives, under another
    # token: its insert breaks the unique index inside the transaction.
    await Receipt.insert(
        Receipt(
            code_hash=code_hash(code_for_token(submissions[3][2])),
            token_hash=token_hash("another token"),
            kind="survey",
            status="received",
            reply_allowed=False,
            locale="en",
            day=date(2026, 11, 28),
        )
    )
    results = await asyncio.gather(
        *(
            store_submission(survey, answers, locale="en", channel=None, token=token)
            for survey, answers, token in submissions
        ),
        return_exceptions=True,
    )
    assert isinstance(results[3], Exception) and not isinstance(results[3], Stored)
    assert all(isinstance(r, Stored) and r.created for i, r in enumerate(results) if i != 3)
    assert await Receipt.count() == 6
    assert await Response.count() == 5
    good = submissions[:3] + submissions[4:]
    assert await Answer.count() == sum(answer_rows(s, a) for s, a, _ in good)


async def test_a_token_stores_once_even_when_sent_twice_in_one_batch(db: None) -> None:
    survey, answers, token = _submission(random.Random(3))
    first, second = await asyncio.gather(
        store_submission(survey, answers, locale="en", channel=None, token=token),
        store_submission(survey, answers, locale="en", channel=None, token=token),
    )
    again = await store_submission(survey, answers, locale="en", channel=None, token=token)
    assert first.code == second.code == again.code
    assert [first.created, second.created, again.created].count(True) == 1
    assert await Response.count() == 1
    assert await Answer.count() == answer_rows(survey, answers)


async def test_a_transaction_that_raises_is_rolled_back(db: None) -> None:
    async def work(tx: Transaction) -> None:
        await tx.execute(
            "INSERT INTO receipt (id, code_hash, token_hash, kind, status, reply_allowed, "
            "locale, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            uuid.UUID("00000000-0000-4000-8000-000000000001"),
            code_hash("ROLLED-BACK"),
            "t",
            "concern",
            "received",
            False,
            "en",
            date(2026, 11, 28),
        )
        raise LookupError("after the insert")

    with pytest.raises(LookupError):
        await run_transaction(work)
    assert await Receipt.count() == 0

    # The writer is usable afterwards.
    async def count(tx: Transaction) -> int:
        return int((await tx.fetch("SELECT COUNT(*) FROM receipt"))[0][0])

    assert await run_transaction(count) == 0


async def test_the_statement_by_statement_transaction_commits_and_rolls_back(db: None) -> None:
    survey, answers, token = _submission(random.Random(4))
    stored = await store_submission(survey, answers, locale="en", channel=None, token=token)
    with pytest.raises(LookupError):
        async with write_transaction() as tx:
            await tx.execute("DELETE FROM answer")
            assert (await tx.fetch("SELECT COUNT(*) FROM answer"))[0][0] == 0
            raise LookupError
    assert await Answer.count() == answer_rows(survey, answers)
    async with write_transaction() as tx:
        await tx.execute(
            "UPDATE receipt SET status = ? WHERE code_hash = ?", "answered", code_hash(stored.code)
        )
        # A batch queued meanwhile waits for this transaction, then goes through.
        other = asyncio.ensure_future(_store_many(3, seed=5))
        await asyncio.sleep(0)
    assert all(isinstance(r, Stored) for r in await other)
    assert await Receipt.count().where(Receipt.status == "answered") == 1
    assert await Receipt.count() == 4


@pytest.mark.skipif(not SQLITE, reason="the lock file is SQLite's")
async def test_sqlite_writers_hold_the_lock_file_for_the_whole_transaction(db: None) -> None:
    path = lock_path(str(get_settings().sqlite_path))
    assert path == f"{get_settings().sqlite_path}.writelock"
    seen: list[bool] = []

    async def work(tx: Transaction) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            seen.append(True)  # held by the writer, as it should be
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            seen.append(False)
        finally:
            os.close(fd)

    await run_transaction(work)
    assert seen == [True]


@pytest.mark.skipif(not SQLITE, reason="the lock file is SQLite's")
async def test_sqlite_writers_wait_for_the_lock_file_then_store(db: None) -> None:
    await _store_many(1, seed=6)  # the writer (and the lock file) exist
    fd = os.open(lock_path(str(get_settings().sqlite_path)), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as another process would
        pending = asyncio.ensure_future(_store_many(4, seed=7))
        await asyncio.sleep(0.05)
        assert not pending.done()  # waiting, neither failed nor stored
        assert await Receipt.count() == 1
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert all(isinstance(r, Stored) for r in await pending)
    assert await Receipt.count() == 5


async def test_a_transaction_awaiting_anything_else_is_refused_on_sqlite(db: None) -> None:
    async def work(tx: Transaction) -> int:
        await tx.execute("DELETE FROM answer")
        await asyncio.sleep(0)
        return 1

    if SQLITE:
        with pytest.raises(RuntimeError, match="awaited something other"):
            await run_transaction(work)
    else:
        assert await run_transaction(work) == 1


def _child(seed: int, count: int) -> int:
    """In another process: store `count` submissions at once, return how many were created."""

    async def main() -> int:
        results = await _store_many(count, seed)
        await storage.stop_writer()
        return sum(1 for r in results if isinstance(r, Stored) and r.created)

    return asyncio.run(main())


async def test_two_processes_writing_at_once_lose_nothing(db: None) -> None:
    count = 60
    context = multiprocessing.get_context("spawn")  # the children read the suite's environment
    with context.Pool(2) as pool:
        created = await asyncio.to_thread(pool.starmap, _child, [(11, count), (12, count)])
    assert created == [count, count]
    assert await Receipt.count() == await Response.count() == 2 * count
    rows = 0
    for seed in (11, 12):
        rng = random.Random(seed)
        for _ in range(count):
            survey, answers, _ = _submission(rng)
            rows += answer_rows(survey, answers)
    assert await Answer.count() == rows


def _wal_size() -> int:
    wal = Path(f"{get_settings().sqlite_path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def _until_wal_empty() -> None:
    """Until the writer has emptied the WAL (an event, polled: no timing is asserted)."""
    for _ in range(600):
        if _wal_size() == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the WAL was never emptied ({_wal_size()} bytes)")


@pytest.mark.skipif(not SQLITE, reason="the WAL file is SQLite's")
async def test_a_quiet_writer_empties_the_wal_once_no_reader_needs_it(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WAL keeps commits in the order they were made: on a quiet service, the order in
    which the last respondents answered. After a quiet spell the writer empties it."""
    monkeypatch.setattr(bulk, "FORGET_WAL_AFTER_IDLE", 0.1)
    before = await Response.count()
    await _store_many(1, seed=31)
    assert _wal_size() > 0  # the new rows are in the WAL, in commit order
    await _until_wal_empty()
    assert await Response.count() == before + 1  # in the database file now

    # A reader in the middle of a read keeps the WAL as it is, and writes go on meanwhile.
    reader = sqlite3.connect(get_settings().sqlite_path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT COUNT(*) FROM response").fetchone() == (before + 1,)
        stored = await _store_many(2, seed=32)
        assert all(isinstance(result, Stored) for result in stored)
        await asyncio.sleep(0.5)  # several quiet spells: each attempt finds the reader
        assert _wal_size() > 0
        assert reader.execute("SELECT COUNT(*) FROM response").fetchone() == (before + 1,)
        reader.execute("COMMIT")
    finally:
        reader.close()
    await _until_wal_empty()
    assert await Response.count() == before + 3
    check = sqlite3.connect(get_settings().sqlite_path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        check.close()
