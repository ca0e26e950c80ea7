"""Nothing in the database records the order in which respondents arrived (DOMAIN.md §6: no
exact time; on SQLite a table's hidden rowid would, surveys migration 2026-11-28T23:26:01)."""

from __future__ import annotations

import importlib
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from surveys.registry import get_survey
from surveys.storage import store_submission
from surveys.tables import Answer, Response

MIGRATION = importlib.import_module("surveys.piccolo_migrations.surveys_2026_11_28t23_26_01_000000")

# The tables as Piccolo first created them (surveys_2026_11_28t21_42_43_218591), rowid and all.
OLD_SCHEMA = """
CREATE TABLE "receipt" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, "code_hash" VARCHAR(64)
  UNIQUE NOT NULL DEFAULT '', "day" DATE NOT NULL DEFAULT CURRENT_DATE);
CREATE TABLE "response" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, "survey" VARCHAR(40)
  NOT NULL DEFAULT '', "receipt" UUID REFERENCES "receipt" ("id") ON DELETE CASCADE
  ON UPDATE CASCADE DEFAULT null);
CREATE INDEX response_receipt ON "response" ("receipt");
CREATE TABLE "answer" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, "response" UUID REFERENCES
  "response" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null, "value" VARCHAR(40));
CREATE INDEX answer_response ON "answer" ("response");
"""


def test_the_rebuild_keeps_rows_indexes_and_cascades_and_drops_the_order(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    # Keys in no particular order, inserted in a known one: what the rowid used to betray.
    keys = ["c3", "a1", "e5", "b2", "d4"]
    for key in keys:
        db.execute(
            "INSERT INTO receipt (id, code_hash, day) VALUES (?, ?, '2025-05-06')", (key, key)
        )
        db.execute(
            "INSERT INTO response (id, survey, receipt) VALUES (?, 'worker-voice', ?)", (key, key)
        )
        db.execute(
            "INSERT INTO answer (id, response, value) VALUES (?, ?, 'tend_agree')", (key, key)
        )
    db.commit()
    assert [r[0] for r in db.execute("SELECT id FROM response ORDER BY rowid")] == keys
    db.close()

    assert MIGRATION.without_rowid(str(path)) == ["receipt", "response", "answer"]
    assert MIGRATION.without_rowid(str(path)) == []  # running it again changes nothing

    db = sqlite3.connect(path)
    for table in ("receipt", "response", "answer"):
        with pytest.raises(sqlite3.OperationalError, match="rowid"):
            db.execute(f"SELECT rowid FROM {table}")
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (5,)
    # A plain scan now comes back in key order, whatever the order of arrival.
    assert [r[0] for r in db.execute("SELECT id FROM response")] == sorted(keys)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"response_receipt", "answer_response"} <= indexes
    with pytest.raises(sqlite3.IntegrityError):  # UNIQUE kept
        db.execute("INSERT INTO receipt (id, code_hash) VALUES ('z9', 'a1')")
    db.rollback()  # PRAGMA foreign_keys does nothing inside the transaction that INSERT opened
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("DELETE FROM receipt WHERE id = 'a1'")  # a withdrawal cascades as before
    assert db.execute("SELECT COUNT(*) FROM answer").fetchone() == (4,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


async def test_stored_responses_carry_no_arrival_order(db: Any) -> None:
    from piccolo.engine.sqlite import SQLiteEngine

    engine = Response._meta.db
    if not isinstance(engine, SQLiteEngine):
        pytest.skip("PostgreSQL keeps heap order; the rowid is SQLite's (see the migration)")
    survey = get_survey("worker-voice")
    assert survey is not None
    for n in range(3):
        await store_submission(
            survey,
            {"confidence": "tend_agree"},
            locale="en",
            channel=None,
            token=f"order-{n}",
            today=date(2025, 5, 6),
        )
    connection = sqlite3.connect(str(engine.path))
    try:
        for table in MIGRATION.TABLES:
            create = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            assert create.rstrip().upper().endswith("WITHOUT ROWID"), table
        with pytest.raises(sqlite3.OperationalError):
            connection.execute("SELECT rowid FROM response")
    finally:
        connection.close()
    assert await Answer.count() == 3
