"""Database engines: SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from chorus.settings import Settings, get_settings

if TYPE_CHECKING:
    from litestar import Litestar

#: Seconds a writer waits for SQLite's lock before giving up; several workers share one file.
SQLITE_BUSY_TIMEOUT = 15.0


class DatabaseUnavailable(Exception):
    """The database did not answer."""


def build_engine(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    _prepare_sqlite_file(str(path))
    return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT)


def _prepare_sqlite_file(path: str) -> None:
    # WAL is a property of the file: set once, it lets readers go on while one process writes,
    # and synchronous=FULL keeps every acknowledged commit through a power cut.
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


@contextmanager
def sqlite_table_rebuild(path: str) -> Iterator[sqlite3.Connection]:
    """A transaction for rebuilding SQLite tables by SQLite's twelve-step procedure
    (https://sqlite.org/lang_altertable.html): foreign keys off, which works only outside a
    transaction and on one connection, so it is a plain sqlite3 connection of its own; the
    whole rebuild in one transaction, checked with foreign_key_check before it commits, and
    rolled back on any error."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            problems = connection.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.close()


def engine() -> Engine:  # type: ignore[type-arg]
    """The configured engine (read on every call, so a test can point it elsewhere)."""
    from chorus import piccolo_conf

    return piccolo_conf.DB


async def ping() -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query now."""
    try:
        rows = await engine().run_ddl("SELECT 1 AS ok")
    except Exception as error:  # any driver error means "not answering"
        raise DatabaseUnavailable(str(error)) from error
    if not rows:
        raise DatabaseUnavailable("no answer")


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Open the PostgreSQL pool for the life of the app, and refuse to start (loudly) when
    the database does not answer: a service that cannot store answers must not take them."""
    db = engine()
    pool_size = get_settings().db_pool_size
    pool = db if isinstance(db, PostgresEngine) and pool_size > 0 else None
    if pool is not None:
        await pool.start_connection_pool(min_size=1, max_size=pool_size)
    from surveys.storage import stop_writer

    try:
        await ping()
        yield
    finally:
        await stop_writer()
        if pool is not None:
            await pool.close_connection_pool()
        _arm_exit_watchdog()


def _arm_exit_watchdog() -> None:
    """Under `chorus serve`, exit at most a few seconds after shutdown even if a cancelled
    request left an aiosqlite thread (non-daemon) waiting: every commit is already durable."""
    if os.environ.get("CHORUS_SERVING") == "1":
        timer = threading.Timer(5.0, os._exit, args=(0,))
        timer.daemon = True
        timer.start()
