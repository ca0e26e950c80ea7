"""An experiment, not the application: `chorus.app:create_app` with the SQLite writer changed
as docs/benchmarks.md recommends, selected by BENCH_WRITER_PATCH. Used by
bench/writer_experiment.py through `uvicorn --factory writer_patch:create_app`.

  none          the application as it is
  flock         the two worker processes queue for the write lock on an flock()ed file
                (waiters wake as soon as it is released) instead of sleeping in SQLite's busy
                handler, which backs off up to 100 ms at a time
  normal        PRAGMA synchronous=NORMAL on the writer connection (WAL: no fsync per commit;
                survives a killed process, not a power cut)
  flock+normal  both
  thread        the whole batch transaction (BEGIN IMMEDIATE … COMMIT) runs in one call on a
                worker thread with its own sqlite3 connection, so the write lock is held only
                while SQLite works, not across turns of a busy event loop between statements
  thread+flock  both
  sorted        roll-up upserts written in key order (surveys/rollups.py `_upsert`), so two
                workers' transactions lock the same answer_count rows in the same order and
                cannot deadlock on PostgreSQL
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import surveys.bulk as bulk
import surveys.storage as storage
from chorus.app import create_app as _create_app
from chorus.settings import get_settings

MODE = os.environ.get("BENCH_WRITER_PATCH", "none")
_original_transaction = bulk.write_transaction
_original_connection = bulk._sqlite_connection
_fd: int | None = None


def _lock_fd() -> int:
    global _fd
    if _fd is None:
        path = f"{get_settings().sqlite_path}.writelock"
        _fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return _fd


@asynccontextmanager
async def _flocked_transaction() -> AsyncIterator[Any]:
    if get_settings().is_postgres:
        async with _original_transaction() as tx:
            yield tx
        return
    fd = _lock_fd()
    await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
    try:
        async with _original_transaction() as tx:
            yield tx
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


async def _normal_connection() -> Any:
    connection = await _original_connection()
    if not getattr(connection, "_bench_normal", False):
        await connection.execute("PRAGMA synchronous=NORMAL")
        connection._bench_normal = True  # type: ignore[attr-defined]
    return connection


if "flock" in MODE and not MODE.startswith("thread"):
    bulk.write_transaction = _flocked_transaction  # type: ignore[assignment]
    storage.write_transaction = _flocked_transaction  # type: ignore[attr-defined]
if "normal" in MODE:
    bulk._sqlite_connection = _normal_connection  # type: ignore[assignment]


_connection: Any = None
_thread_lock = None


class _SyncTransaction(bulk.Transaction):
    """bulk.Transaction's interface, run synchronously on a sqlite3 connection: awaiting its
    methods never suspends, so storage._write_in completes in a single step."""

    async def execute(self, sql: str, *params: Any) -> None:
        self.connection.execute(sql, self._params(params))

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.connection.execute(sql, self._params(params)).fetchall()]

    async def insert_many(self, table: Any, columns: Any, rows: Any, tail: str = "") -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks}){tail}'
        self.connection.executemany(sql, [self._params(row) for row in rows])


def _sync_write(batch: list[Any]) -> list[Any]:
    import sqlite3
    import threading

    global _connection, _thread_lock
    if _connection is None:
        _thread_lock = threading.Lock()
        _connection = sqlite3.connect(
            str(get_settings().sqlite_path),
            timeout=15.0,
            isolation_level=None,
            check_same_thread=False,
        )
        _connection.execute("PRAGMA foreign_keys = ON")
    assert _thread_lock is not None
    with _thread_lock:
        fd = _lock_fd() if "flock" in MODE else None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            _connection.execute("BEGIN IMMEDIATE")
            try:
                step = storage._write_in(_SyncTransaction(_connection, postgres=False), batch)
                try:
                    step.send(None)
                except StopIteration as done:
                    results = done.value
                else:
                    raise RuntimeError("the batch write suspended")
            except BaseException:
                _connection.execute("ROLLBACK")
                raise
            _connection.execute("COMMIT")
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    return results


async def _threaded_write(batch: list[Any]) -> list[Any]:
    if get_settings().is_postgres:
        return await _original_write(batch)
    return await asyncio.to_thread(_sync_write, batch)


_original_write = storage._write
if MODE.startswith("thread"):
    storage._write = _threaded_write  # type: ignore[assignment]
elif "flock" in MODE:
    pass


if "sorted" in MODE:
    import surveys.rollups as rollups

    _original_upsert = rollups._upsert

    async def _sorted_upsert(tx: Any, table: Any, head: Any, sums: Any, rows: Any) -> None:
        await _original_upsert(tx, table, head, sums, dict(sorted(rows.items())))

    rollups._upsert = _sorted_upsert  # type: ignore[assignment]


def create_app() -> Any:
    return _create_app()
