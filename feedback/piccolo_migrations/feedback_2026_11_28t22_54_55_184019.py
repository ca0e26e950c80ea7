"""Receipts get the day of staff's first reply (feedback.tables.Receipt); the next migration fills it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-28T22:54:55:184019"
VERSION = "1.38.0"
DESCRIPTION = "receipt.first_reply"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="feedback", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Receipt",
        tablename="receipt",
        column_name="first_reply",
        db_column_name="first_reply",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
