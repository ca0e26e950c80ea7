"""Fill `receipt.first_reply` from the staff messages already there, and index what the public
"how fast were concerns answered" figure reads (reports/concerns.py `_response_times`), so it
no longer joins every message of every concern (docs/benchmarks.md)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from feedback.tables import Receipt

ID = "2026-11-28T22:54:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill receipt.first_reply; index for response times"

FORWARDS = (
    "UPDATE receipt SET first_reply = (SELECT MIN(m.day) FROM message m "
    "WHERE m.receipt = receipt.id AND m.author = 'staff') "
    "WHERE first_reply IS NULL",
    # Covering: kind and day select the concerns, status drops the withdrawn, first_reply is
    # the figure; nothing else of the row is read.
    "CREATE INDEX IF NOT EXISTS receipt_response_times ON receipt "
    "(kind, day, status, first_reply)",
)
BACKWARDS = ("DROP INDEX IF EXISTS receipt_response_times",)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def run() -> None:
        for statement in FORWARDS:
            await Receipt.raw(statement)

    async def undo() -> None:
        for statement in BACKWARDS:
            await Receipt.raw(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
