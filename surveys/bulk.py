"""Write transactions: many rows at once, and on SQLite the whole transaction in one call on the
thread that owns the connection.

Piccolo builds a Table object and converts every value for each row it inserts, and on SQLite
it opens a new connection for every query; with hundreds of answers a batch that costs more
than the write itself. Here rows are plain tuples handed to the driver's executemany.

PostgreSQL: a Piccolo transaction's pooled connection (asyncpg), statement by statement.

SQLite has one write lock per database file, shared by every process serving it. So that it is
held only while SQLite works, each process has one writer thread owning one `sqlite3`
connection, and `run_transaction` runs a whole transaction (BEGIN IMMEDIATE, every statement,
COMMIT) as ONE job on that thread, never across turns of the (busy) event loop. Before BEGIN
IMMEDIATE the thread takes an exclusive `flock()` on `<database>.writelock`: the other processes'
writers then queue in the kernel and wake the moment it is released, instead of sleeping in
SQLite's busy handler (which backs off up to 100 ms at a time). The lock file holds no data and
the kernel drops a dead process's lock. Writers that do not take it (Piccolo, the CLI) still
queue on SQLite's own lock with the busy timeout, so they stay correct, only slower.

A transaction's work is written once, as a coroutine function taking a `Transaction`; on the
writer thread it gets a `Transaction` whose methods run synchronously (awaiting them never
suspends), so the coroutine runs to completion in a single step there. Awaiting anything else
inside it is an error that rolls the transaction back.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

import piccolo.engine.sqlite  # noqa: F401 - registers the sqlite3 adapters (uuid, date)
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from chorus.database import SQLITE_BUSY_TIMEOUT, engine
from chorus.settings import get_settings

T = TypeVar("T")

#: A statement and the parameter rows to run it with (executemany).
Statement = tuple[str, Sequence[Sequence[Any]]]

#: Rows written by one process's writer between two WAL checkpoints it runs itself.
CHECKPOINT_AFTER_CHANGES = 10_000

#: Seconds without a write in this process after which the writer empties the WAL file
#: (`_forget_wal`). The WAL holds the commits since it was last emptied in the order they
#: were made: on a quiet service, where a batch is one submission, that is the order in
#: which the last respondents answered, which the WITHOUT ROWID tables otherwise keep from
#: anyone holding the files.
FORGET_WAL_AFTER_IDLE = 60.0

#: How long emptying the WAL waits for readers to finish (it holds the write lock meanwhile);
#: when they are not done by then, it is tried again after the next quiet spell.
FORGET_WAL_BUSY_MS = 200

#: The writer connection's page cache, in KiB.
WRITER_CACHE_KIB = 65_536

#: Seconds an open `write_transaction` (the statement-by-statement form) may leave the writer
#: thread without a statement before it is rolled back: the thread serves nobody else meanwhile.
SESSION_IDLE_TIMEOUT = 60.0


def sqlite_value(item: Any) -> Any:
    """A Python value as Piccolo stores it in SQLite: uuids and dates as text. (Importing
    piccolo.engine.sqlite registers the same conversions as sqlite3 adapters, process-wide, so
    the sqlite3 driver applies them by itself to rows handed to executemany.)"""
    if isinstance(item, uuid.UUID):
        return str(item)
    if isinstance(item, date):
        return item.isoformat()
    return item


def _insert_sql(table: type[Table], columns: Sequence[str], tail: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks}){tail}'  # noqa: S608


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
        return [tuple(row) for row in await self.connection.fetch(sql, self._params(params))]

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
        sql = self._sql(_insert_sql(table, columns, tail))
        if self.postgres:
            await self.connection.executemany(sql, rows)  # asyncpg takes the values as they are
        else:
            await self.connection.executemany(sql, [self._params(row) for row in rows])

    async def run_statements(self, statements: Sequence[Statement]) -> None:
        """Run statements recorded by `plan_statements` (for this engine)."""
        for sql, rows in statements:
            await self.connection.executemany(sql, rows)


class _ThreadTransaction(Transaction):
    """The same interface on the writer thread's own sqlite3 connection: every method runs at
    once, so awaiting one never suspends."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__(connection, postgres=False)

    async def execute(self, sql: str, *params: Any) -> None:
        self.connection.execute(sql, self._params(params))

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.connection.execute(sql, self._params(params))]

    async def insert_many(
        self,
        table: type[Table],
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        tail: str = "",
    ) -> None:
        if rows:  # uuids and dates are adapted by the driver (see `sqlite_value`)
            self.connection.executemany(_insert_sql(table, columns, tail), rows)

    async def run_statements(self, statements: Sequence[Statement]) -> None:
        for sql, rows in statements:
            self.connection.executemany(sql, rows)


class _CannotPlan(Exception):
    """The work needs answers from the database: it cannot be recorded beforehand."""


class _Recorder(Transaction):
    """Writes nothing: records the statements some work would run, with every parameter
    already converted for the driver, so that this part of the work is done before the write
    lock is taken. Work that reads (`fetch`) cannot be recorded."""

    def __init__(self, postgres: bool) -> None:
        super().__init__(None, postgres=postgres)
        self.statements: list[Statement] = []

    async def execute(self, sql: str, *params: Any) -> None:
        self.statements.append((self._sql(sql), [self._params(params)]))

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        raise _CannotPlan

    async def insert_many(
        self,
        table: type[Table],
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        tail: str = "",
    ) -> None:
        if rows:
            # The driver takes the values as they are (SQLite: see `sqlite_value`).
            self.statements.append((self._sql(_insert_sql(table, columns, tail)), list(rows)))


def plan_statements(
    work: Callable[[Transaction], Coroutine[Any, Any, Any]], *, postgres: bool = False
) -> list[Statement] | None:
    """The statements `work` would run, ready for `Transaction.run_statements` on that engine;
    None when it reads from the database (or awaits anything else) and so must run for real."""
    recorder = _Recorder(postgres)
    try:
        run_to_completion(work(recorder))
    except (_CannotPlan, _Suspended):
        return None
    return recorder.statements


class _Suspended(RuntimeError):
    """A coroutine expected to run in one step awaited something else."""


def run_to_completion(step: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (one using only a `_ThreadTransaction`)."""
    try:
        step.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    step.close()
    raise _Suspended("a SQLite write transaction awaited something other than its Transaction")


def lock_path(database: str) -> str:
    """The file the processes writing `database` flock() before BEGIN IMMEDIATE."""
    return f"{database}.writelock"


class _SessionEnded(Exception):
    """The write transaction had already ended (rolled back) when a statement arrived."""


class _Session:
    """An open statement-by-statement transaction (`write_transaction`): the writer thread
    serves this queue, and nothing else, until COMMIT or ROLLBACK arrives."""

    def __init__(self) -> None:
        self.requests: queue.SimpleQueue[tuple[str, tuple[Any, ...], Any, Any] | None] = (
            queue.SimpleQueue()
        )
        self._guard = threading.Lock()
        self.error: BaseException | None = None  # set once the transaction has ended

    def put(self, request: tuple[str, tuple[Any, ...], Any, Any] | None) -> None:
        with self._guard:
            if self.error is not None:
                raise self.error
            self.requests.put(request)

    def end(self, error: BaseException) -> None:
        """Refuse further statements, and fail those already sent (on the thread)."""
        with self._guard:
            self.error = error
        while True:
            try:
                request = self.requests.get_nowait()
            except queue.Empty:
                return
            if request is not None:
                _deliver(request[2], request[3], None, error)


class SQLiteWriter:
    """One daemon thread and the sqlite3 connection it alone uses, for one database file in
    one process. Jobs run one at a time, in the order they were handed in."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pid = os.getpid()
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Any, Any] | None] = (
            queue.SimpleQueue()
        )
        self._guard = threading.Lock()  # `closed` and putting jobs, together
        self.closed = False
        self._connection: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._checkpointed = 0  # the connection's total_changes at its last checkpoint
        self.wal_dirty = False  # committed since the WAL was last emptied
        self._thread = threading.Thread(target=self._serve, name="chorus-sqlite-writer")
        # A daemon: a thread must never keep a stopped server alive. Every acknowledged
        # transaction has been committed already; one cut off mid-way rolls back.
        self._thread.daemon = True
        self._thread.start()

    # ---------------------------------------------------------------------- on the thread
    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self.path,
                timeout=SQLITE_BUSY_TIMEOUT,
                isolation_level=None,  # transactions are begun and ended explicitly
                cached_statements=256,
            )
            # Per connection, as Piccolo does for its own: deleting a response deletes its
            # answers. synchronous stays FULL (the default): a commit is on disk before the
            # receipt goes out, even through a power cut.
            connection.execute("PRAGMA foreign_keys = ON")
            # No checkpoint inside COMMIT (SQLite's default, every 1000 WAL pages), where it
            # would hold the write lock: `_checkpoint` runs it after the lock is released.
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            # Room for a whole batch's changed pages (the default 2 MB spills them into the
            # WAL mid-transaction, to be written again at COMMIT).
            connection.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            self._checkpointed = 0
            self._lock_fd = os.open(
                lock_path(self.path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            self._connection = connection
        return self._connection

    def _begin(self) -> sqlite3.Connection:
        connection = self._open()
        assert self._lock_fd is not None
        # Held only from here to the end of the transaction, as SQLite's own write lock is: a
        # process stuck holding it would be stuck holding SQLite's lock as well.
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            if connection.in_transaction:  # a failed ROLLBACK left one open
                connection.execute("ROLLBACK")
            connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            raise
        return connection

    def _end(self, commit: bool) -> None:
        connection = self._connection
        assert connection is not None and self._lock_fd is not None
        try:
            if commit:
                try:
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
            elif connection.in_transaction:
                connection.execute("ROLLBACK")
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _transaction(self, work: Callable[[Transaction], Coroutine[Any, Any, T]]) -> T:
        connection = self._begin()
        try:
            result = run_to_completion(work(_ThreadTransaction(connection)))
        except BaseException as error:
            try:
                self._end(commit=False)
            except Exception:
                raise error from None
            raise
        self._end(commit=True)
        self._checkpoint()
        return result

    def _forget_wal(self) -> None:
        """Copy the WAL into the database file and truncate it to nothing (no lock file or
        write lock held by anyone else; readers get FORGET_WAL_BUSY_MS to finish)."""
        connection = self._connection
        if connection is None or self._lock_fd is None:
            self.wal_dirty = False
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            connection.execute(f"PRAGMA busy_timeout = {FORGET_WAL_BUSY_MS}")
            try:
                busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error:
                busy = 1
            finally:
                connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        if not busy:
            self.wal_dirty = False
            self._checkpointed = connection.total_changes

    def _checkpoint(self) -> None:
        """Copy the WAL back into the database file now and then, with no lock held: a
        PASSIVE checkpoint lets the other processes go on writing meanwhile. (Its outcome
        changes nothing committed: every commit is in the WAL, synced, already.)"""
        connection = self._connection
        assert connection is not None
        self.wal_dirty = True  # called after every commit
        if connection.total_changes - self._checkpointed < CHECKPOINT_AFTER_CHANGES:
            return
        self._checkpointed = connection.total_changes
        with contextlib.suppress(sqlite3.Error):  # another process is checkpointing
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _session(self, session: _Session) -> None:
        """Serve one open transaction's statements until it ends (or goes quiet too long)."""
        try:
            tx = _ThreadTransaction(self._begin())
        except Exception as error:
            session.end(error)
            return
        while True:
            try:
                request = session.requests.get(timeout=SESSION_IDLE_TIMEOUT)
            except queue.Empty:
                request = None
            if request is None:  # rolled back by the event loop's side, or abandoned
                session.end(_SessionEnded("the write transaction was rolled back"))
                self._end(commit=False)
                return
            kind, args, loop, future = request
            if kind == "commit":
                try:
                    self._end(commit=True)
                except Exception as error:
                    session.end(error)
                    _deliver(loop, future, None, error)
                    return
                session.end(_SessionEnded("the write transaction was committed"))
                _deliver(loop, future, None, None)
                self._checkpoint()
                return
            try:
                result = run_to_completion(getattr(tx, kind)(*args))
            except Exception as error:
                _deliver(loop, future, None, error)
            else:
                _deliver(loop, future, result, None)

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _serve(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=FORGET_WAL_AFTER_IDLE if self.wal_dirty else None)
            except queue.Empty:  # quiet since the last commit: empty the WAL
                with contextlib.suppress(sqlite3.Error, OSError):
                    self._forget_wal()
                continue
            if job is None:
                self._close_connection()
                return
            function, loop, future = job
            try:
                result = function()
            except BaseException as error:
                _deliver(loop, future, None, error)
            else:
                _deliver(loop, future, result, None)

    # ---------------------------------------------------------------------- from a loop
    def _put(self, function: Callable[[], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._guard:
            if self.closed:
                raise _WriterClosed
            self._jobs.put((function, loop, future))
        return future

    async def run(self, work: Callable[[Transaction], Coroutine[Any, Any, T]]) -> T:
        """Run `work` in one transaction on the thread; its result once committed."""
        result: T = await self._put(lambda: self._transaction(work))
        return result

    async def close(self) -> None:
        with self._guard:
            if self.closed:
                return
            self.closed = True
            self._jobs.put(None)
        await asyncio.to_thread(self._thread.join)

    def start_session(self, session: _Session) -> None:
        """Hand the thread an open transaction to serve (its statements follow)."""
        self._put(lambda: self._session(session)).cancel()  # its outcome travels in `session`


class _WriterClosed(Exception):
    """This writer was closed (application shutdown); a new one is opened."""


class _SessionTransaction(Transaction):
    """`Transaction` for an open `write_transaction` on SQLite: each statement is one request
    to the writer thread, which serves this transaction alone until it ends."""

    def __init__(self, session: _Session) -> None:
        super().__init__(None, postgres=False)
        self.session = session

    async def request(self, kind: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.session.put((kind, args, loop, future))
        return await future

    async def execute(self, sql: str, *params: Any) -> None:
        await self.request("execute", sql, *params)

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = await self.request("fetch", sql, *params)
        return rows

    async def insert_many(
        self,
        table: type[Table],
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        tail: str = "",
    ) -> None:
        await self.request("insert_many", table, columns, rows, tail)

    async def run_statements(self, statements: Sequence[Statement]) -> None:
        await self.request("run_statements", statements)


def _deliver(loop: Any, future: Any, result: Any, error: BaseException | None) -> None:
    if loop is None or future is None:
        return

    def settle() -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting
        loop.call_soon_threadsafe(settle)


_writers: dict[str, SQLiteWriter] = {}
_writers_guard = threading.Lock()


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


def _writer() -> SQLiteWriter:
    path = str(get_settings().sqlite_path)
    with _writers_guard:
        writer = _writers.get(path)
        if writer is None or writer.closed or writer.pid != os.getpid():
            writer = _writers[path] = SQLiteWriter(path)
        return writer


async def run_transaction(work: Callable[[Transaction], Coroutine[Any, Any, T]]) -> T:
    """Run `work(tx)` in one write transaction and return its result once committed; on any
    error nothing of it is stored and the error is raised here.

    On SQLite `work` runs on the writer thread in one go (see the module docstring): it must
    await nothing but `tx`'s methods. On SQLite the transaction takes the write lock at once
    (BEGIN IMMEDIATE): two processes that both read first and then write would otherwise
    deadlock, one failing."""
    db = engine()
    if isinstance(db, PostgresEngine):
        async with db.transaction() as transaction:
            return await work(Transaction(transaction.connection, postgres=True))
    while True:
        try:
            return await _writer().run(work)
        except _WriterClosed:
            continue


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Transaction]:
    """One write transaction, statement by statement from the event loop (for work that must
    await other things between its statements; `run_transaction` is faster). On SQLite it
    holds the process's writer thread, the lock file and SQLite's write lock until it ends."""
    db = engine()
    if isinstance(db, PostgresEngine):
        async with db.transaction() as transaction:
            yield Transaction(transaction.connection, postgres=True)
        return
    session = _Session()
    while True:
        try:
            _writer().start_session(session)
        except _WriterClosed:
            continue
        break
    tx = _SessionTransaction(session)
    try:
        yield tx
    except BaseException:
        # Rolled back on the thread whatever happens to this task now: the thread serves this
        # transaction until it is told to end it (or it stays quiet too long).
        with contextlib.suppress(BaseException):
            session.put(None)
        raise
    await tx.request("commit")


async def close_connections() -> None:
    """Close this process's SQLite writer (application shutdown); the next write opens a new
    one."""
    with _writers_guard:
        writers = [w for w in _writers.values() if w.pid == os.getpid()]
        _writers.clear()
    for writer in writers:
        await writer.close()
