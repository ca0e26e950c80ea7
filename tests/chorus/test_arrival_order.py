"""Nothing in the database records the order in which respondents arrived (DOMAIN.md §6: no
exact time; on SQLite a table's hidden rowid would, surveys migration 2026-11-28T23:26:01)."""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_a_new_sqlite_database_keeps_no_arrival_order(tmp_path: Path) -> None:
    """The real migrations and demo on a fresh SQLite file, whichever engine this suite runs
    on (PostgreSQL keeps heap order: not fixed by that migration, see its docstring)."""
    env = {**os.environ, "CHORUS_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    for command in (["migrate"], ["demo", "--responses", "300", "--seed", "4"]):
        result = subprocess.run(
            [sys.executable, "-m", "chorus.cli", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    connection = sqlite3.connect(tmp_path / "chorus.sqlite3")
    try:
        for table in MIGRATION.TABLES:
            create = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            assert create.rstrip().upper().endswith("WITHOUT ROWID"), table
        for table in ("receipt", "response", "answer"):
            with pytest.raises(sqlite3.OperationalError, match="rowid"):
                connection.execute(f"SELECT rowid FROM {table}")
        assert connection.execute("SELECT COUNT(*) FROM response").fetchone() == (300,)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
