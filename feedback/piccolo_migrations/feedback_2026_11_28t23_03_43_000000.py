"""Fill `receipt.reply_days` from the staff messages already there, and index what the public
"how fast were concerns answered" figure reads (reports/concerns.py `_response_times`), so it
no longer joins every message of every concern (docs/benchmarks.md)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from feedback.tables import Receipt

ID = "2026-11-28T23:03:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill receipt.reply_days; index for response times"

FIRST_REPLY = (
    "(SELECT MIN(m.day) FROM message m WHERE m.receipt = receipt.id AND m.author = 'staff')"
)


def backfill(postgres: bool) -> str:
    """Days to the first staff message, for receipts that have one (never below 0)."""
    if postgres:
        days = f"GREATEST(0, {FIRST_REPLY} - day)"
    else:
        days = f"MAX(0, CAST(julianday({FIRST_REPLY}) - julianday(day) AS INTEGER))"
    return (
        f"UPDATE receipt SET reply_days = {days} WHERE reply_days IS NULL AND EXISTS "
        "(SELECT 1 FROM message m WHERE m.receipt = receipt.id AND m.author = 'staff')"
    )


# Covering: kind and day select the concerns, status drops the withdrawn, reply_days is the
# figure; nothing else of the row is read.
INDEX = "CREATE INDEX IF NOT EXISTS receipt_response_times ON receipt (kind, day, status, reply_days)"
DROP_INDEX = "DROP INDEX IF EXISTS receipt_response_times"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def run() -> None:
        await Receipt.raw(backfill(isinstance(Receipt._meta.db, PostgresEngine)))
        await Receipt.raw(INDEX)

    async def undo() -> None:
        await Receipt.raw(DROP_INDEX)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
