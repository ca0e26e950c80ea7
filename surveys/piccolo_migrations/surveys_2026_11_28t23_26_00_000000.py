"""An index for the raw-response export's pages (reports/responses.py): one survey's responses
in id order, read as a range instead of filtering the whole table by survey
(docs/benchmarks.md, "CSV export")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from surveys.tables import Response

ID = "2026-11-28T23:26:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index response (survey, id) for the export"

CREATE = "CREATE INDEX IF NOT EXISTS response_survey_id ON response (survey, id)"
DROP = "DROP INDEX IF EXISTS response_survey_id"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def create() -> None:
        await Response.raw(CREATE)

    async def drop() -> None:
        await Response.raw(DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
