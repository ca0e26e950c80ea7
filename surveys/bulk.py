"""Writing many rows at once, through one connection held for the whole transaction.

Piccolo builds a Table object and converts every value for each row it inserts, and on SQLite
it opens a new connection for every query; with hundreds of answers a batch that costs more
than the write itself. Here rows are plain tuples handed to the driver's executemany, on SQLite
through one long-lived connection per event loop (opened once, kept for the process's life),
on PostgreSQL through a Piccolo transaction's pooled connection.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from chorus.database import SQLITE_BUSY_TIMEOUT, engine
from chorus.settings import get_settings


def sqlite_value(item: Any) -> Any:
    """A Python value as Piccolo stores it in SQLite: uuids and dates as text."""
    if isinstance(item, uuid.UUID):
        return str(item)
    if isinstance(item, date):
        return item.isoformat()
    return item


class Transaction:
    """SQL with `?` placeholders, run on this transaction's connection."""

    def __init__(self, connection: Any, postgres: bool) -> None:
        self.connection = connection
        self.postgres = postgres

    def _sql(self, sql: str) -> str:
        if not self.postgres:
            return sql
        parts = sql.split("?")
        return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))

    def _params(self, params: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(params) if self.postgres else tuple(sqlite_value(p) for p in params)

    async def execute(self, sql: str, *params: Any) -> None:
        if self.postgres:
            await self.connection.execute(self._sql(sql), *params)
        else:
            await self.connection.execute(sql, self._params(params))

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.postgres:
            return [tuple(row) for row in await self.connection.fetch(self._sql(sql), *params)]
        async with self.connection.execute(sql, self._params(params)) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def insert_many(
        self,
        table: type[Table],
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        tail: str = "",
    ) -> None:
        """Insert (or, with an ON CONFLICT tail, upsert) rows."""
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = self._sql(
            f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks}){tail}'  # noqa: S608
        )
        if self.postgres:
            await self.connection.executemany(sql, rows)  # asyncpg takes the values as they are
        else:
            await self.connection.executemany(sql, [self._params(row) for row in rows])


_sqlite: dict[asyncio.AbstractEventLoop, aiosqlite.Connection] = {}


async def _sqlite_connection() -> aiosqlite.Connection:
    loop = asyncio.get_running_loop()
    connection = _sqlite.get(loop)
    if connection is None:
        for stale in [other for other in _sqlite if other.is_closed()]:
            del _sqlite[stale]
        pending = aiosqlite.connect(
            str(get_settings().sqlite_path), timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None
        )
        # aiosqlite's worker thread is not a daemon: one left open (a test's event loop, a
        # killed worker) would keep the interpreter from exiting. Commits are atomic anyway.
        pending._thread.daemon = True
        connection = await pending
        # Per connection, as Piccolo does for its own: deleting a response deletes its answers.
        await connection.execute("PRAGMA foreign_keys = ON")
        _sqlite[loop] = connection
    return connection


async def close_connections() -> None:
    """Close this event loop's long-lived SQLite connection (application shutdown)."""
    connection = _sqlite.pop(asyncio.get_running_loop(), None)
    if connection is not None:
        await connection.close()


_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Transaction]:
    """One write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE): two
    processes that both read first and then write would otherwise deadlock, one failing."""
    db = engine()
    if isinstance(db, PostgresEngine):
        async with db.transaction() as transaction:
            yield Transaction(transaction.connection, postgres=True)
        return
    loop = asyncio.get_running_loop()
    lock = _locks.setdefault(loop, asyncio.Lock())
    async with lock:  # one transaction at a time on the shared connection
        connection = await _sqlite_connection()
        await connection.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(connection, postgres=False)
        except BaseException:
            await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")
