"""Fill the key-phrase roll-up from the phrases already stored with the free text, so "key
phrases rising this period" reads a few hundred rows instead of every text of two months
(docs/benchmarks.md). The SQL is written out here for this one conversion."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from surveys.tables import PhraseCount

ID = "2026-11-28T23:08:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill the phrase_count roll-up"

MAX_PHRASE = 100  # surveys.tables.MAX_PHRASE when this was written


def fill(postgres: bool) -> str:
    if postgres:
        phrases = "CROSS JOIN LATERAL json_array_elements_text(a.phrases::json) AS j(value)"
    else:
        phrases = "JOIN json_each(a.phrases) j"
    return (
        "INSERT INTO phrase_count (key, period, phrase, n) "
        "SELECT p.period || '|' || p.phrase, p.period, p.phrase, COUNT(*) FROM "
        "(SELECT DISTINCT a.id AS text_id, r.period AS period, j.value AS phrase "
        f"FROM answer a JOIN response r ON r.id = a.response {phrases} "
        "WHERE a.text IS NOT NULL AND a.phrases IS NOT NULL) p "
        f"WHERE LENGTH(p.phrase) BETWEEN 1 AND {MAX_PHRASE} "
        "GROUP BY p.period, p.phrase"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run() -> None:
        await PhraseCount.raw("DELETE FROM phrase_count")
        await PhraseCount.raw(fill(isinstance(PhraseCount._meta.db, PostgresEngine)))

    manager.add_raw(run)
    return manager
