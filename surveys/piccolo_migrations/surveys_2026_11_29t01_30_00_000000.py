"""Cheaper writes: answers stored beside their response on SQLite, and one redundant index gone.

SQLite: `answer` becomes a WITHOUT ROWID table keyed on (response, id) instead of (id). Its
rows are then kept in response order, so a submission's dozen answers land on one or two
B-tree pages instead of a dozen random ones (its ids are random uuid4s), and the separate
index `answer_response` goes: the key's first column does its work (every "answers of this
response" lookup, and the cascade when a response is deleted). A batch of submissions then
writes about half as many pages into the WAL while it holds the database's one write lock
(docs/benchmarks.md §1), and the raw export reads a response's answers as one range.
Nothing about arrival order comes back: responses' ids are random too. An answer's id stays
unique in practice (122 random bits) though only (response, id) is declared so.

Both engines: the index on `response.survey` alone is dropped. The index on (survey, id) added
for the export (surveys_2026_11_28t23_26_00_000000) answers every query it served, and each
submission no longer has to update it.

The rebuild is SQLite's twelve-step procedure again (chorus.database.sqlite_table_rebuild: foreign
keys off, so it runs outside Piccolo's transaction on a connection of its own).
"""

from __future__ import annotations

import asyncio
import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.engine.sqlite import SQLiteEngine

from chorus.database import sqlite_table_rebuild
from surveys.tables import Response

ID = "2026-11-29T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "SQLite: answers keyed on (response, id); drop index response.survey"

OLD_KEY = '"id" UUID PRIMARY KEY NOT NULL'
NEW_KEY = 'PRIMARY KEY ("response", "id")'
#: Made redundant by the new key's first column.
DROPPED_INDEX = "answer_response"


def cluster_answers(path: str) -> bool:
    """Rebuild `answer` keyed on (response, id), with its rows, its other indexes and its
    foreign key. Returns False when there was nothing to do (already done, or no table)."""
    with sqlite_table_rebuild(path) as connection:
        done = _rebuild(connection)
    return done


def _rebuild(connection: sqlite3.Connection) -> bool:
    found = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'answer'"
    ).fetchone()
    if found is None or NEW_KEY in found[0]:
        return False
    create: str = found[0].rstrip()
    prefix, suffix = 'CREATE TABLE "answer"', ") WITHOUT ROWID"
    if not create.startswith(prefix) or not create.endswith(suffix) or OLD_KEY not in create:
        raise RuntimeError(f"unexpected definition of answer: {create[:80]}")
    body = create[len(prefix) : -len(suffix)].replace(OLD_KEY, '"id" UUID NOT NULL')
    indexes = [
        sql
        for name, sql in connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'answer' "
            "AND sql IS NOT NULL"
        )
        if name != DROPPED_INDEX
    ]
    connection.execute(f'CREATE TABLE "answer__by_response"{body}, {NEW_KEY}{suffix}')
    # A NULL response cannot be part of the key: the INSERT fails and everything rolls back
    # (none is ever written: every answer belongs to a response).
    connection.execute('INSERT INTO "answer__by_response" SELECT * FROM "answer"')
    connection.execute('DROP TABLE "answer"')
    connection.execute('ALTER TABLE "answer__by_response" RENAME TO "answer"')
    for sql in indexes:
        connection.execute(sql)
    return True


async def forwards() -> MigrationManager:
    # No transaction around it: foreign keys can only be switched off outside one.
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION, wrap_in_transaction=False
    )

    async def run() -> None:
        db = Response._meta.db
        if isinstance(db, SQLiteEngine):
            await asyncio.to_thread(cluster_answers, str(db.path))

    manager.add_raw(run)
    manager.alter_column(
        table_class_name="Response",
        tablename="response",
        column_name="survey",
        db_column_name="survey",
        params={"index": False},
        old_params={"index": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
