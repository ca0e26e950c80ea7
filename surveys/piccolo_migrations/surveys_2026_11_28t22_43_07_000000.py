"""Turn the roll-ups from one row per full cross of every breakdown into marginal rows (overall,
and per single breakdown: surveys.tables.AnswerCount), keeping every count: the rows are summed
from the existing roll-ups, not rebuilt from the raw answers, which a retention purge may already
have deleted. The SQL is written out here, not imported, because it converts this one old shape.

docs/benchmarks.md: at a million responses the trust report read 1.75 million roll-up rows;
it now reads a few thousand."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from surveys.tables import AnswerCount

ID = "2026-11-28T22:43:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "marginal roll-ups: convert the rows, index by margin"

DIMENSIONS = ("area", "work_setting", "locale", "channel")
OLD = "#cross"  # marks the rows being converted; no real margin is called that

# table -> (identifying columns before the dims, added-up columns)
TABLES = {
    "answer_count": (("survey", "question", "value"), ("n",)),
    "trust_score": (("survey",), ("n", "total", "total_sq")),
    "text_count": (("survey", "question"), ("n", "scored", "negative", "positive", "polarity_sum")),
}


def convert(table: str) -> list[str]:
    """The statements that convert one roll-up table, in order."""
    head, sums = TABLES[table]
    prefix = " || '|' || ".join(head)
    statements = [f"UPDATE {table} SET dim = '{OLD}'"]
    for dim in ("", *DIMENSIONS):
        value = dim or "''"
        key = f"{prefix} || '|{dim}|' || period || '|' || {value}"
        columns = ", ".join(name if name == dim else "''" for name in DIMENSIONS)
        group = ", ".join((*head, "period", *((dim,) if dim else ())))
        # A breakdown left blank gets no row (surveys.rollups.Cell.margins).
        given = f" AND {dim} <> ''" if dim else ""
        statements.append(
            f"INSERT INTO {table} (key, {', '.join(head)}, dim, period, "  # noqa: S608 - no input
            f"{', '.join(DIMENSIONS)}, {', '.join(sums)}) "
            f"SELECT {key}, {', '.join(head)}, '{dim}', period, {columns}, "
            f"{', '.join(f'SUM({name})' for name in sums)} "
            f"FROM {table} WHERE dim = '{OLD}'{given} GROUP BY {group}"
        )
    statements.append(f"DELETE FROM {table} WHERE dim = '{OLD}'")  # noqa: S608 - no input
    return statements


INDEXES = (
    "DROP INDEX IF EXISTS answer_count_report",
    # The report's rows in GROUP BY order. Not `n`: every submission changes `n` in a few
    # dozen rows, and an index holding it would be rewritten each time (reading `n` from the
    # table costs the report nothing measurable: 36 ms by area either way at 1M).
    "CREATE INDEX IF NOT EXISTS answer_count_margin ON answer_count "
    "(survey, dim, question, period, value, area, work_setting, locale, channel)",
    "CREATE INDEX IF NOT EXISTS trust_score_margin ON trust_score (survey, dim, period)",
    "CREATE INDEX IF NOT EXISTS text_count_margin ON text_count (dim, period)",
)
UNDO_INDEXES = (
    "DROP INDEX IF EXISTS answer_count_margin",
    "DROP INDEX IF EXISTS trust_score_margin",
    "DROP INDEX IF EXISTS text_count_margin",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run() -> None:
        for table in TABLES:
            for statement in convert(table):
                await AnswerCount.raw(statement)
        for statement in INDEXES:
            await AnswerCount.raw(statement)

    async def undo() -> None:
        # The full cross cannot be recovered from its margins: going back keeps the marginal
        # rows, which the older code would misread, so it starts from empty roll-ups instead
        # (`rebuild()` refills them where the raw answers are still there).
        for statement in UNDO_INDEXES:
            await AnswerCount.raw(statement)
        for table in TABLES:
            await AnswerCount.raw(f"DELETE FROM {table}")  # noqa: S608 - no input

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
