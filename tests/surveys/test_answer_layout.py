"""Where answers are stored (surveys migration 2026-11-29T01:30): on SQLite beside their
response, keyed on (response, id), so a submission writes one or two pages of answers rather
than a dozen random ones; and no index on `response.survey` alone on either engine."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from surveys.tables import Answer, Response
from tests.conftest import ENGINE

MIGRATION = importlib.import_module("surveys.piccolo_migrations.surveys_2026_11_29t01_30_00_000000")

# `answer` as surveys migration 2026-11-28T23:26:01 left it: WITHOUT ROWID, keyed on id.
BEFORE = """
CREATE TABLE "response" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, "survey" VARCHAR(40)
  NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE TABLE "answer" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, "response" UUID REFERENCES
  "response" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null, "question" VARCHAR(40)
  NOT NULL DEFAULT '', "value" VARCHAR(40) DEFAULT null, "text" TEXT DEFAULT null) WITHOUT ROWID;
CREATE INDEX answer_response ON "answer" ("response");
CREATE INDEX answer_question ON "answer" ("question");
"""

ROWS = [
    # (answer id, response id, question, value, text): ids in no particular order
    ("e5", "r2", "confidence", "tend_agree", None),
    ("a1", "r1", "confidence", "strongly_agree", None),
    ("c3", "r2", "why_not", "fear_arrest", None),
    ("b2", "r1", "comment", None, "They listened, <b>finally</b>."),
    ("d4", "r3", "confidence", "dont_know", None),
]


def _pk(db: sqlite3.Connection, table: str) -> list[str]:
    """The table's primary-key columns, in key order."""
    columns = db.execute(f"PRAGMA table_info({table})").fetchall()
    return [c[1] for c in sorted((c for c in columns if c[5]), key=lambda c: c[5])]


def test_the_rebuild_keys_answers_on_their_response_and_keeps_everything(
    tmp_path: Path,
) -> None:
    path = tmp_path / "before.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(BEFORE)
    db.executemany(
        "INSERT INTO response (id, survey) VALUES (?, 'worker-voice')", [("r1",), ("r2",), ("r3",)]
    )
    db.executemany(
        "INSERT INTO answer (id, response, question, value, text) VALUES (?, ?, ?, ?, ?)", ROWS
    )
    db.commit()
    assert _pk(db, "answer") == ["id"]
    db.close()

    assert MIGRATION.cluster_answers(str(path)) is True
    assert MIGRATION.cluster_answers(str(path)) is False  # a second run changes nothing

    db = sqlite3.connect(path)
    assert _pk(db, "answer") == ["response", "id"]
    create = db.execute("SELECT sql FROM sqlite_master WHERE name = 'answer'").fetchone()[0]
    assert create.rstrip().upper().endswith("WITHOUT ROWID")
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "answer_response" not in indexes  # the key's first column does its work
    assert "answer_question" in indexes  # any other index is kept
    # Every row, every column, as it was; a plain scan now comes back by response.
    scanned = db.execute("SELECT id, response, question, value, text FROM answer").fetchall()
    assert sorted(scanned) == sorted(ROWS)
    assert [r[1] for r in scanned] == ["r1", "r1", "r2", "r2", "r3"]
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM answer WHERE response = 'r2'").fetchall()
    assert "PRIMARY KEY (response=?)" in plan[0][3]
    # A withdrawn response still takes its answers with it.
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("DELETE FROM response WHERE id = 'r2'")
    assert db.execute("SELECT id FROM answer ORDER BY id").fetchall() == [("a1",), ("b2",), ("d4",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def test_an_answer_without_a_response_stops_the_rebuild_and_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orphan.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(BEFORE)
    db.execute("INSERT INTO answer (id, response, question) VALUES ('x1', NULL, 'confidence')")
    db.commit()
    db.close()
    with pytest.raises(sqlite3.IntegrityError):
        MIGRATION.cluster_answers(str(path))
    db = sqlite3.connect(path)
    assert _pk(db, "answer") == ["id"]
    assert db.execute("SELECT id, response FROM answer").fetchall() == [("x1", None)]
    db.close()


async def _indexes(table: str) -> set[str]:
    if ENGINE == "postgres":
        rows: list[dict[str, Any]] = await Response.raw(
            "SELECT indexname AS name FROM pg_indexes WHERE tablename = {}", table
        )
    else:
        rows = await Response.raw(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = {}", table
        )
    return {row["name"] for row in rows}


async def test_the_migrated_database_has_the_new_layout(db: None) -> None:
    response_indexes = await _indexes(Response._meta.tablename)
    assert "response_survey" not in response_indexes
    assert "response_survey_id" in response_indexes
    answer_indexes = await _indexes(Answer._meta.tablename)
    if ENGINE == "postgres":  # heap tables: the index on response stays
        assert "answer_response" in answer_indexes
    else:
        assert "answer_response" not in answer_indexes
        plan = await Answer.raw("EXPLAIN QUERY PLAN SELECT * FROM answer WHERE response = 'r'")
        assert "PRIMARY KEY (response=?)" in plan[0]["detail"]
