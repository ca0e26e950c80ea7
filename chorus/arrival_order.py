"""PostgreSQL: rewrite respondents' rows so that the database no longer records the order in
which they arrived within a day.

The threat. Dates are stored coarsened and ids are random (DESIGN.md, principle 1), but a
PostgreSQL table is a heap: each new row is appended after the previous one, and carries the
id of the transaction that inserted it (`xmin`), which grows with every submission. So anyone
with the database (a DBA, a seized backup) can run

    SELECT id FROM response WHERE day = '2026-11-28' ORDER BY ctid     -- or xmin::text::bigint

and get the day's responses in the order they came. Laid beside the access log's timed
"POST /en/surveys/worker-voice" lines, or a reverse proxy's log with addresses, that gives each
response its exact time and address. (SQLite keeps these tables WITHOUT ROWID, in the order of
their random keys: surveys migration 2026-11-28T23:26:01. There this module does nothing.)

The method. `forget_arrival_order` takes one coarse day at a time (the stored `day`: the day, or
the Monday of the ISO week with CHORUS_DATE_COARSENESS=week), and in one transaction per day
copies the day's rows into temporary tables, deletes them and inserts them again, parents before
children, each table in the order of its random uuid `id`. Afterwards the day's rows sit in the
heap in key order and all carry the same `xmin`: neither says anything about arrival. (Where a
table has free space left by earlier deletions, PostgreSQL's free space map may spread the
inserts over several places: then they lie in runs of key order, placed by where the space
was, which has nothing to do with arrival either.) The rows
of a day are: its receipts with everything hanging off them (responses, their answers,
messages, status changes, tags), its responses (also those detached from their receipt by the
retention purge) with their answers, and its messages and status changes even when their
receipt is older (a follow-up sent today about an old report). Ids and every column are kept:
only the physical rows are new. The roll-up tables (surveys.rollups) are not touched: the app
keeps them, no trigger does, and `_check_schema` refuses to run if a trigger or rule appears.

What it does not cover:

- The old row versions stay in the table files as dead tuples until VACUUM removes them,
  which the run does at its end (`_vacuum`); until then they are readable with pageinspect
  or from a file-level copy, and even afterwards their bytes stay on disk until the space is
  reused.
- WAL (and any WAL archive or streaming replica) and backups taken before the run keep the old
  order. With track_commit_timestamp on, PostgreSQL would even keep each transaction's commit
  time: leave it off (the default).
- The roll-up tables' serial ids: a new roll-up row (the first answer of its kind for a month
  and breakdown) is numbered in arrival order. It counts many respondents, but a rare cell's
  first row still tells roughly when its first respondent came.
- Today: rows that arrive after a run stay in arrival order until the next run (daily, from
  `chorus purge`) mixes them with the rest of their day.

Why it is safe while the service runs. Each day's transaction starts by locking the six tables
in SHARE ROW EXCLUSIVE mode: reads go on (and see the rows either before or after, which hold
the same values under the same ids), writes (ROW EXCLUSIVE) wait until it commits (about a
tenth of a second per day with 100,000 responses stored), and two runs take turns. A waiting
write then runs against the new rows: see the comment in `_rewrite_day`. The lock is given up
after LOCK_TIMEOUT and tried again later rather than waited for, so that it can never deadlock
with a write that takes the same tables in another order (a withdrawal takes response, then
message, then receipt).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from time import monotonic
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from surveys.bulk import Transaction

#: How long a day's transaction waits for its table locks before it lets go of them and
#: tries again. Shorter than PostgreSQL's deadlock_timeout (1 s by default), so that when a
#: write and this transaction wait for each other, this one gives way before PostgreSQL
#: would resolve it by cancelling one of them, possibly the respondent's.
LOCK_TIMEOUT = "200ms"

#: How long one day may keep failing to get its locks (autovacuum holds a conflicting lock
#: for as long as it works on a table) before the run gives up with an error.
LOCK_PATIENCE_SECONDS = 900.0

#: SQLSTATE of lock_not_available, raised when LOCK_TIMEOUT runs out.
LOCK_NOT_AVAILABLE = "55P03"


class ArrivalOrderError(RuntimeError):
    """The rewrite would lose, duplicate or change something; nothing of the day was changed."""


@dataclass(frozen=True, slots=True)
class _Part:
    """One table's share of a day: which rows, copied into which temporary table."""

    table: str
    copy: str
    # SQL condition on `table` choosing the day's rows; `?` is the day. It may name the copies
    # of the tables before it in `_parts()`.
    rows: str
    dated: bool  # has a `day` column of its own


def _parts() -> tuple[_Part, ...]:
    """The six tables, parents before children (the order of the inserts; deletes go the
    other way)."""
    from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
    from surveys.tables import Answer, Response

    receipt, response, answer, message, status_change, feedback_tag = (
        table._meta.tablename
        for table in (Receipt, Response, Answer, Message, StatusChange, FeedbackTag)
    )
    receipts = f"(SELECT id FROM forget_{receipt})"  # noqa: S608
    responses = f"(SELECT id FROM forget_{response})"  # noqa: S608
    # "receipt IN": whatever hangs off the day's receipts, whatever its own day (a later
    # follow-up, a response dated otherwise): deleting the receipt would delete it.
    return (
        _Part(receipt, f"forget_{receipt}", "day = ?", dated=True),
        _Part(response, f"forget_{response}", f"day = ? OR receipt IN {receipts}", dated=True),
        _Part(answer, f"forget_{answer}", f"response IN {responses}", dated=False),
        _Part(message, f"forget_{message}", f"day = ? OR receipt IN {receipts}", dated=True),
        _Part(
            status_change,
            f"forget_{status_change}",
            f"day = ? OR receipt IN {receipts}",
            dated=True,
        ),
        _Part(feedback_tag, f"forget_{feedback_tag}", f"receipt IN {receipts}", dated=False),
    )


def _edges() -> frozenset[tuple[str, str, str]]:
    """Every foreign key that points at one of the six tables, as (child, column, parent).
    The copies follow exactly these: a key not listed here would lose rows (by cascade) or
    values (by SET NULL) that the rewrite does not put back."""
    from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
    from surveys.tables import Answer, Response

    receipt = Receipt._meta.tablename
    return frozenset(
        {
            (Response._meta.tablename, "receipt", receipt),
            (Answer._meta.tablename, "response", Response._meta.tablename),
            (Message._meta.tablename, "receipt", receipt),
            (StatusChange._meta.tablename, "receipt", receipt),
            (FeedbackTag._meta.tablename, "receipt", receipt),
        }
    )


async def forget_arrival_order(since: date | None) -> int:
    """Rewrite every respondent row whose coarse day is `since` or later (every day when
    `since` is None), one day per transaction, so that neither heap position nor xmin keeps
    the order of arrival. Returns how many rows were rewritten; 0 on SQLite, where the tables
    keep no such order."""
    from surveys.bulk import is_postgres

    if not is_postgres():
        return 0
    rewritten = 0
    for day in await _days(since):
        rewritten += await _rewrite_day_patiently(day)
    if rewritten:
        await _vacuum()
    return rewritten


async def _vacuum() -> None:
    """Remove the old row versions, which still lie in the table files in arrival order, now
    rather than whenever autovacuum (if it is on) gets round to it. Plain VACUUM blocks
    neither reads nor writes, and skips pages that nothing changed since the last one."""
    from surveys.tables import Response

    for part in _parts():
        # Outside any transaction (VACUUM refuses to run inside one): Piccolo's raw query
        # runs on its own connection here.
        await Response.raw(f'VACUUM "{part.table}"')


async def _days(since: date | None) -> list[date]:
    from surveys.tables import Response

    dated = [part.table for part in _parts() if part.dated]
    where = "" if since is None else " WHERE day >= {}"
    sql = " UNION ".join(f"SELECT day FROM {table}{where}" for table in dated)  # noqa: S608
    args = [] if since is None else [since] * len(dated)
    rows = await Response.raw(f"{sql} ORDER BY day", *args)
    return [row["day"] for row in rows]


async def _rewrite_day_patiently(day: date) -> int:
    from surveys.bulk import write_transaction

    deadline = monotonic() + LOCK_PATIENCE_SECONDS
    pause = 0.05
    while True:
        try:
            async with write_transaction() as tx:
                return await _rewrite_day(tx, day)
        except Exception as error:
            if getattr(error, "sqlstate", None) != LOCK_NOT_AVAILABLE or monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)


async def _rewrite_day(tx: Transaction, day: date) -> int:
    """One day, in the caller's transaction (PostgreSQL). Returns the rows rewritten."""
    parts = _parts()
    await tx.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    # The lock is what makes this safe to run beside the service. Under READ COMMITTED a
    # statement that finds a row locked by another transaction waits for it, and if that
    # transaction deleted the row, skips it: the same row inserted again is not in the
    # waiting statement's snapshot. Without the lock, a withdrawal whose DELETE of the
    # response reached the old row before the commit would delete nothing, and its next
    # statement (a new snapshot) would still mark the receipt withdrawn: the respondent is told
    # it is gone while the response stays (tests/chorus/test_arrival_order_postgres.py shows
    # it). A reply's UPDATE of the receipt would likewise be lost. With the lock, such writes
    # wait for the table before they start, and a statement takes its snapshot once it holds
    # its locks, so they run against the new rows. SHARE ROW EXCLUSIVE blocks writes, not
    # reads, and conflicts with itself, so two runs (two hosts' `chorus purge`) take turns.
    tables = ", ".join(f'"{part.table}"' for part in parts)
    await tx.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    await _check_schema(tx, [part.table for part in parts])
    return await _rewrite_rows(tx, day, parts)


async def _rewrite_rows(tx: Transaction, day: date, parts: tuple[_Part, ...]) -> int:
    """Copy, delete and insert again the day's rows; raise, so that the caller's transaction
    rolls back, unless exactly the same rows are back."""
    before: dict[str, int] = {}
    for part in parts:
        # SELECT * both ways: a column added later is carried without a change here.
        await tx.execute(
            f'CREATE TEMP TABLE "{part.copy}" ON COMMIT DROP AS '  # noqa: S608
            f'SELECT * FROM "{part.table}" WITH NO DATA'
        )
        before[part.table] = await _count(
            tx,
            f'INSERT INTO "{part.copy}" SELECT * FROM "{part.table}" WHERE {part.rows} '  # noqa: S608
            "RETURNING 1",
            *_day_args(part, day),
        )
    await _check_closed(tx, parts)

    # Children first: each delete then removes exactly its copy, and no cascade fires.
    for part in reversed(parts):
        deleted = await _count(
            tx,
            f'DELETE FROM "{part.table}" WHERE id IN (SELECT id FROM "{part.copy}") RETURNING 1',  # noqa: S608
        )
        if deleted != before[part.table]:
            raise ArrivalOrderError(
                f"{day}: {part.table}: deleted {deleted} rows of {before[part.table]} copied"
            )
    rewritten = 0
    for part in parts:
        # In key order, so heap order follows the random ids; every row gets this xmin.
        inserted = await _count(
            tx,
            f'INSERT INTO "{part.table}" SELECT * FROM "{part.copy}" ORDER BY id RETURNING 1',  # noqa: S608
        )
        after = await _count(
            tx,
            f'SELECT 1 FROM "{part.table}" WHERE {part.rows}',  # noqa: S608
            *_day_args(part, day),
        )
        if not inserted == after == before[part.table]:
            raise ArrivalOrderError(
                f"{day}: {part.table}: {before[part.table]} rows before, "
                f"{inserted} put back, {after} after"
            )
        rewritten += inserted
    return rewritten


def _day_args(part: _Part, day: date) -> list[date]:
    return [day] * part.rows.count("?")


async def _count(tx: Transaction, rows_sql: str, *params: Any) -> int:
    found = await tx.fetch(f"WITH done AS ({rows_sql}) SELECT count(*) FROM done", *params)  # noqa: S608
    return int(found[0][0])


async def _check_schema(tx: Transaction, tables: list[str]) -> None:
    """Refuse to run when deleting and inserting rows would do more than that: a trigger or
    rule (which could change the roll-ups or anything else), or a foreign key that the
    copies do not follow."""
    extra = await tx.fetch(
        "SELECT c.relname || ': trigger ' || t.tgname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.oid IN (SELECT to_regclass(n) FROM unnest(?::text[]) n) "
        "UNION ALL SELECT tablename || ': rule ' || rulename FROM pg_rules "
        "WHERE tablename = ANY(?::text[])",
        tables,
        tables,
    )
    if extra:
        raise ArrivalOrderError(f"cannot rewrite rows safely: {sorted(r[0] for r in extra)}")
    keys = await tx.fetch(
        "SELECT child.relname, a.attname, parent.relname, cardinality(k.conkey) "
        "FROM pg_constraint k "
        "JOIN pg_class child ON child.oid = k.conrelid "
        "JOIN pg_class parent ON parent.oid = k.confrelid "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
        "WHERE k.contype = 'f' AND k.confrelid IN (SELECT to_regclass(n) FROM unnest(?::text[]) n)",
        tables,
    )
    found = {(str(r[0]), str(r[1]), str(r[2])) for r in keys if r[3] == 1}
    if found != _edges() or any(r[3] != 1 for r in keys):
        raise ArrivalOrderError(
            f"cannot rewrite rows safely: the foreign keys to {', '.join(tables)} are "
            f"{sorted(found)}, not {sorted(_edges())}"
        )


async def _check_closed(tx: Transaction, parts: tuple[_Part, ...]) -> None:
    """No row outside the copies refers to a copied row: deleting the copied rows then
    cascades to nothing that would not be put back."""
    copies = {part.table: part.copy for part in parts}
    for child, column, parent in sorted(_edges()):
        stray = await _count(
            tx,
            f'SELECT 1 FROM "{child}" WHERE "{column}" IN (SELECT id FROM "{copies[parent]}") '  # noqa: S608
            f'AND id NOT IN (SELECT id FROM "{copies[child]}")',
        )
        if stray:
            raise ArrivalOrderError(
                f"{stray} rows of {child} refer to copied {parent} rows but were not copied"
            )
