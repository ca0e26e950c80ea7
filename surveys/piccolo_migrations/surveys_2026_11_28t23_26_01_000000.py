"""SQLite only: rebuild the tables a respondent's submission writes as WITHOUT ROWID tables.

An ordinary SQLite table numbers its rows as they arrive (the hidden `rowid`), so anyone with
the database file could put responses, answers, receipts and messages in arrival order within
a day (`SELECT rowid, * FROM response`), undoing the coarse dates: at an outreach van, the order
of the day's answers can say who gave them. A WITHOUT ROWID table keeps its rows in primary-key
order, and the keys are random (uuid4), so nothing records the order. (PostgreSQL keeps rows in
heap order instead: `chorus purge` rewrites them out of it, chorus/arrival_order.py.)

The rebuild is SQLite's own twelve-step procedure (chorus.database.sqlite_table_rebuild):
foreign keys off, which only works outside a transaction and on one connection, so it runs on a
plain sqlite3 connection of its own, in one transaction, checked with foreign_key_check.
"""

from __future__ import annotations

import asyncio

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.sqlite import SQLiteEngine

from chorus.database import sqlite_table_rebuild
from surveys.tables import Response

ID = "2026-11-28T23:26:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "SQLite: respondents' tables WITHOUT ROWID (no arrival order)"

#: Parents before children, so that each copy's foreign keys point at rows already copied.
TABLES = ("receipt", "response", "answer", "message", "status_change", "feedback_tag")


def without_rowid(path: str, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Rebuild `tables` (those that exist and still have a rowid) as WITHOUT ROWID tables with
    the same columns, rows and indexes. Returns the tables rebuilt."""
    rebuilt: list[str] = []
    with sqlite_table_rebuild(path) as connection:
        for table in tables:
            found = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
            if found is None or found[0].rstrip().upper().endswith("WITHOUT ROWID"):
                continue
            create = found[0]
            prefix = f'CREATE TABLE "{table}"'
            if not create.startswith(prefix):
                raise RuntimeError(f"unexpected definition of {table}: {create[:60]}")
            indexes = [
                row[0]
                for row in connection.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL",
                    (table,),
                )
            ]
            new = f"{table}__without_rowid"
            connection.execute(f'CREATE TABLE "{new}"{create[len(prefix) :]} WITHOUT ROWID')
            connection.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')  # noqa: S608
            connection.execute(f'DROP TABLE "{table}"')
            connection.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
            for index in indexes:
                connection.execute(index)
            rebuilt.append(table)
    return rebuilt


async def forwards() -> MigrationManager:
    # No transaction around it: foreign keys can only be switched off outside one.
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION, wrap_in_transaction=False
    )

    async def run() -> None:
        db = Response._meta.db
        if isinstance(db, SQLiteEngine):
            await asyncio.to_thread(without_rowid, str(db.path))

    manager.add_raw(run)
    return manager
