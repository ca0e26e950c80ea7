"""Test set-up: a real database (SQLite file, or a fresh PostgreSQL database), set in the
environment before anything from the app is imported.

CHORUS_TEST_DATABASE=sqlite (default) or postgres. With postgres, a PostgreSQL that cannot be
reached is an error that stops the run: the suite never skips the engine.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# No test may depend on timing: Hypothesis' per-example deadline fails on a busy CI machine.
hypothesis_settings.register_profile("chorus", deadline=None)
hypothesis_settings.load_profile("chorus")

_TMP = Path(tempfile.mkdtemp(prefix="chorus-tests-"))
ENGINE = os.environ.get("CHORUS_TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "CHORUS_TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = f"chorus_test_{os.getpid()}_{secrets.token_hex(3)}"

os.environ["CHORUS_ENV"] = "test"
os.environ["CHORUS_VAR_DIR"] = str(_TMP)
os.environ["CHORUS_SECRET_KEY"] = "test-secret-key-" + "x" * 32
os.environ.pop("REDIS_URL", None)
# The in-process test client runs the app's lifespan in another event loop than the tests'
# own queries, and a pooled asyncpg connection belongs to one loop; `chorus serve` tests run
# real processes with the pool.
os.environ["CHORUS_DB_POOL_SIZE"] = "0"
# Every shipped locale, as in production. (CHORUS_TEST_LOCALES narrows it while a catalog is
# being written; CI never sets it.)
os.environ.pop("CHORUS_LOCALES", None)
if os.environ.get("CHORUS_TEST_LOCALES"):
    os.environ["CHORUS_LOCALES"] = os.environ["CHORUS_TEST_LOCALES"]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


if ENGINE == "postgres":
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{PG_DATABASE}"'))
    except Exception as error:  # the run must fail, loudly, rather than skip PostgreSQL
        raise RuntimeError(
            f"PostgreSQL is required for CHORUS_TEST_DATABASE=postgres and could not be "
            f"reached at {PG_ADMIN_URL}: {error}"
        ) from error
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{PG_DATABASE}"
elif ENGINE == "sqlite":
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'chorus.sqlite3'}"
else:
    raise RuntimeError("CHORUS_TEST_DATABASE must be sqlite or postgres")


def pytest_report_header() -> str:
    return f"chorus test database: {ENGINE} ({os.environ['DATABASE_URL']})"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if ENGINE == "postgres":
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def migrated() -> AsyncIterator[None]:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from surveys.storage import stop_writer

    result = await run_forwards("all")
    assert result.success, result.message
    yield
    await stop_writer()  # tests that store directly share the session loop's writer


async def empty_tables() -> None:
    from chorus.tables import ApiToken, AuditEntry, Channel, ManagerSession, ManagerUser
    from feedback.tables import (
        ArchivedReplyDelay,
        FeedbackTag,
        Message,
        Receipt,
        StatusChange,
        Update,
    )
    from surveys.tables import Answer, AnswerCount, PhraseCount, Response, TextCount, TrustScore

    # Children before parents.
    for table in (
        AnswerCount,
        TrustScore,
        TextCount,
        PhraseCount,
        ArchivedReplyDelay,
        Answer,
        Response,
        FeedbackTag,
        StatusChange,
        Message,
        Receipt,
        Update,
        AuditEntry,
        ApiToken,
        Channel,
        ManagerSession,
        ManagerUser,
    ):
        await table.delete(force=True)


@pytest.fixture
async def db(migrated: None) -> AsyncIterator[None]:
    """A migrated database with every table empty, and fresh rate-limit counts."""
    from chorus.ratelimit import reset_limiter

    await empty_tables()
    reset_limiter()
    yield


@pytest.fixture(scope="session")
def app(migrated: None) -> Any:
    from chorus.app import create_app

    return create_app()


@pytest.fixture
async def client(app: Any, db: None) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


_STATE = re.compile(r'name="state" value="([^"]+)"')


def state_of(html: str) -> str:
    found = _STATE.search(html)
    assert found, "the page has no form state"
    return found.group(1)


async def row_counts() -> dict[str, int]:
    from feedback.tables import Message, Receipt
    from surveys.tables import Answer, Response

    return {
        "receipt": await Receipt.count(),
        "message": await Message.count(),
        "response": await Response.count(),
        "answer": await Answer.count(),
    }


@pytest.fixture
def tmp_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """An environment in which load_settings() can be called with changed variables."""
    monkeypatch.setenv("CHORUS_VAR_DIR", str(tmp_path))
    yield monkeypatch


def database_bytes() -> bytes:
    """Everything the database holds, as bytes to search: a pg_dump, or the SQLite files.

    The SQLite files are read by another process on purpose: opening and closing the database
    file in this process would drop the POSIX locks that this process's open SQLite
    connections hold on it (closing any descriptor of a file releases them all), and the
    next write could corrupt the database (sqlite.org/howtocorrupt.html, section 2.2).
    """
    import subprocess

    from chorus.settings import get_settings

    settings = get_settings()
    if settings.is_postgres:
        url = settings.database_url.replace("postgres://", "postgresql://", 1)
        return subprocess.run(["pg_dump", url], capture_output=True, check=True, timeout=120).stdout
    paths = [
        str(path)
        for suffix in ("", "-wal", "-shm", "-journal")
        if (path := Path(f"{settings.sqlite_path}{suffix}")).exists()
    ]
    return subprocess.run(["cat", *paths], capture_output=True, check=True, timeout=60).stdout
