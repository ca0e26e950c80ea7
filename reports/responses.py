"""The raw-response export: one CSV row per stored response of one survey, streamed.

Every row is a person, so this is for analysts inside the force only (the console offers it to
admins, `chorus export responses` to whoever runs the server); nothing here is suppressed.

What a row holds, and what it never holds:
- the coarse dates exactly as stored (`period`, `day`: the day, or the Monday of its ISO week
  where configured), then locale, channel and the definition version answered;
- one column per non-text question of the current definition, in definition order, holding the
  stored answer code (`tend_agree`), never a translated label, so files from any language and
  any year line up;
- free text only when asked for (`include_text=True`): redacted before it was stored, it is
  still what most easily identifies a writer;
- never the response id (a random uuid, but a stable one: it would let two exports, or an
  export and the inbox, be joined row by row), the receipt, or anything finer than the day.

Rows come in id order, which is random (uuid4), so the file says nothing about who answered
first. Questionnaires only (`kind = "survey"`): concern and experience reports are read and
answered in the inbox, where each respondent's sharing choice is applied.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from chorus.database import SQLITE_BUSY_TIMEOUT
from reports.exports import safe_cell
from surveys.definition import Question, Survey
from surveys.registry import load_registry
from surveys.tables import Answer, Response

log = logging.getLogger("chorus.reports")

#: Responses per query. Memory is bounded by one page (about 300 bytes of CSV a response), and
#: each page is its own query: nothing (no cursor, no transaction) stays open while a slow
#: client downloads, and a page costs the same at the end of the table as at the start.
PAGE_SIZE = 2000

RESPONSE_COLUMNS = ("period", "day", "locale", "channel", "version")

#: Separators inside a packed page row. Answer codes are snake_case (surveys.definition._ID), so
#: neither can occur in one; free text, which could hold anything, is never packed.
_ITEM, _PAIR = "\x1e", "\x1f"


class UnknownSurvey(LookupError):
    """No questionnaire with this slug is defined here."""


def exportable_surveys() -> list[Survey]:
    """The questionnaires whose responses can be exported, by slug."""
    return sorted(
        (survey for survey in load_registry().values() if survey.kind == "survey"),
        key=lambda survey: survey.slug,
    )


def find_survey(slug: str) -> Survey:
    for survey in exportable_surveys():
        if survey.slug == slug:
            return survey
    raise UnknownSurvey(slug)


@dataclass(frozen=True, slots=True)
class _Column:
    question: Question
    option: str | None = None  # set for one 0/1 column of a multiple-choice question

    @property
    def name(self) -> str:
        return f"{self.question.id}__{self.option}" if self.option else self.question.id


def _columns(survey: Survey, include_text: bool) -> list[_Column]:
    """Question columns in definition order.

    Multiple choice becomes one 0/1 column per option (`why_not__fear_arrest`), not one cell of
    values joined by ";": R, Stata and SPSS read a 0/1 column as a number at once (a mean is
    the share choosing it; SPSS builds a multiple-dichotomy set from them), where a joined
    string has to be split and recoded by hand in each of them first. A respondent who chose
    none of the options (or never saw the question) gets empty cells, not 0s: missing, not
    "no". Column names keep to letters, digits and _ so that Stata and SPSS keep them.
    """
    columns: list[_Column] = []
    for page in survey.pages:
        for question in page.questions:
            if question.kind == "text" and not include_text:
                continue
            if question.kind == "multiple":
                columns.extend(_Column(question, option.value) for option in question.options)
            else:
                columns.append(_Column(question))
    names = [column.name for column in columns]
    if len(set(names)) != len(names):  # e.g. question `a__b` beside question `a` option `b`
        raise ValueError(f"{survey.slug}: two export columns would have the same name")
    return columns


def header(survey: Survey, include_text: bool = False) -> list[str]:
    return [*RESPONSE_COLUMNS, *(column.name for column in _columns(survey, include_text))]


def _page_sql(postgres: bool, first: bool) -> str:
    """A page of responses (keyset on id: no OFFSET, so every page costs the same), each with
    its coded answers packed into one string by the database: one query a page, and a row per
    response rather than per answer through the driver (docs/benchmarks.md, "CSV export").
    Ids and days come back as text, as written, so the driver converts nothing."""
    concat = "string_agg" if postgres else "group_concat"
    char = "chr" if postgres else "char"
    responses, answers = Response._meta.tablename, Answer._meta.tablename
    after = "" if first else "AND r.id > {} "
    return (
        "SELECT CAST(r.id AS TEXT) AS id, r.period AS period, CAST(r.day AS TEXT) AS day, "  # noqa: S608 - our names
        "r.locale AS locale, r.channel AS channel, r.version AS version, "
        f"(SELECT {concat}(a.question || {char}(31) || a.value, {char}(30)) FROM {answers} a "
        "WHERE a.response = r.id AND a.value IS NOT NULL) AS packed "
        f"FROM {responses} r WHERE r.survey = {{}} {after}ORDER BY r.id LIMIT {{}}"
    )


async def _page(slug: str, after: str | None, size: int) -> list[Any]:
    """(id, period, day, locale, channel, version, packed) for the next page of responses."""
    db = Response._meta.db
    postgres = isinstance(db, PostgresEngine)
    sql = _page_sql(postgres, first=after is None)
    params: tuple[Any, ...] = (slug, size) if after is None else (slug, after, size)
    if isinstance(db, SQLiteEngine):
        # Straight through sqlite3 on a worker thread: Piccolo's SQLite path (a new aiosqlite
        # connection and thread per query, a dict per row) took half again as long.
        return await asyncio.to_thread(_sqlite_page, db.path, sql.replace("{}", "?"), params)
    if after is not None:
        params = (slug, UUID(after), size)
    return [tuple(row.values()) for row in await Response.raw(sql, *params)]


def _sqlite_page(path: str, sql: str, params: tuple[Any, ...]) -> list[Any]:
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


async def _texts(ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """The free text of a page's responses: response id -> question -> text."""
    rows = await Answer.select(Answer.response, Answer.question, Answer.text).where(
        Answer.response.is_in([UUID(rid) for rid in ids]), Answer.text.is_not_null()
    )
    texts: dict[str, dict[str, str]] = {}
    for row in rows:
        texts.setdefault(str(row["response"]), {})[row["question"]] = row["text"]
    return texts


class _Rows:
    """Turns packed answers into a row's question cells. At 100,000 responses and some sixty
    columns this is most of the export's time, so each distinct packed item ("question, value")
    is read and made safe once, and a row is a copy of a blank row with a dozen cells set."""

    def __init__(self, columns: Sequence[_Column]) -> None:
        self.width = len(columns)
        self.position = {c.name: i for i, c in enumerate(columns)}
        # Each multiple-choice question's columns are adjacent: (first, after last).
        self.span: dict[str, tuple[int, int]] = {}
        for i, c in enumerate(columns):
            if c.option:
                first, _ = self.span.get(c.question.id, (i, i))
                self.span[c.question.id] = (first, i + 1)
        self.text = [(i, c.question.id) for i, c in enumerate(columns) if c.question.kind == "text"]
        self.retired = 0  # answers to options the current definition no longer offers
        # item -> (column to set or -1, its cell, (first, after) of a multiple question or None)
        self._items: dict[str, tuple[int, str, tuple[int, int] | None]] = {}
        # Codes, dates, locales and channels come from small vocabularies: each is made safe
        # once. (Free text is not cached: it would make memory grow with the rows.)
        self._safe: dict[str, str] = {}

    def code(self, value: str) -> str:
        safe = self._safe.get(value)
        if safe is None:
            safe = self._safe[value] = safe_cell(value)
        return safe

    def _item(self, item: str) -> tuple[int, str, tuple[int, int] | None]:
        question, _, value = item.partition(_PAIR)
        span = self.span.get(question)
        known: tuple[int, str, tuple[int, int] | None]
        if span is None:  # a single answer: its code in the question's column
            known = (self.position.get(question, -1), self.code(value), None)
        else:  # one option of a multiple question: 1 in its column (-1: no longer offered)
            known = (self.position.get(f"{question}__{value}", -1), "1", span)
        self._items[item] = known
        return known

    def cells(self, packed: str | None, texts: dict[str, str]) -> list[str]:
        row = [""] * self.width
        if packed:
            items = self._items
            for item in packed.split(_ITEM):
                column, cell, span = items.get(item) or self._item(item)
                if span is not None:
                    first, after = span
                    # The question was answered: its other options read 0, not empty. A cell
                    # is only ever set after its span is filled, so "" means "not yet".
                    if row[first] == "":
                        row[first:after] = ["0"] * (after - first)
                    if column < 0:
                        self.retired += 1
                        continue
                if column >= 0:
                    row[column] = cell
        for column, question in self.text:
            row[column] = safe_cell(texts.get(question))
        return row


async def response_csv(
    slug: str, *, include_text: bool = False, page_size: int = PAGE_SIZE
) -> AsyncIterator[str]:
    """CSV text of every stored response of survey `slug`: the header first (also when there
    are no responses), then one chunk of rows per page. Raises UnknownSurvey.

    The stdlib csv module does the quoting (RFC 4180: quotes doubled, fields with commas,
    quotes or line breaks quoted, CRLF line ends), and every cell is made safe for
    spreadsheets (reports.exports.safe_cell), so none is ever run as a formula.
    """
    async for chunk, _ in response_pages(slug, include_text, page_size):
        yield chunk


async def response_pages(
    slug: str, include_text: bool = False, page_size: int = PAGE_SIZE
) -> AsyncIterator[tuple[str, int]]:
    """What response_csv yields, with the number of responses in each chunk: (header, 0),
    then (a page of rows, their count). For progress bars and benchmarks."""
    survey = find_survey(slug)
    columns = _columns(survey, include_text)
    convert = _Rows(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(survey, include_text))
    yield _drain(buffer), 0
    # The next page is asked for before this one is written out: the database (on SQLite, a
    # thread of its own) works while Python formats rows. At most two pages are held.
    pending: asyncio.Task[list[Any]] | None = asyncio.ensure_future(_page(slug, None, page_size))
    try:
        while pending is not None:
            rows = await pending
            pending = None
            if len(rows) == page_size:
                pending = asyncio.ensure_future(_page(slug, rows[-1][0], page_size))
            texts = await _texts([row[0] for row in rows]) if include_text and rows else {}
            code = convert.code
            for rid, period, day, locale, channel, version, packed in rows:
                writer.writerow(
                    [
                        code(period),
                        code(day),
                        code(locale),
                        "" if channel is None else code(channel),
                        code(version),
                        *convert.cells(packed, texts.get(rid, {})),
                    ]
                )
            if rows:
                yield _drain(buffer), len(rows)
    finally:
        if pending is not None:  # the reader stopped early (a download cancelled)
            pending.cancel()
    if convert.retired:
        # Those answers have no column: say so (counts only, nothing a respondent said).
        log.warning("export of %s: %d answers to options no longer offered", slug, convert.retired)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


async def _write(
    slug: str, sink: BinaryIO, include_text: bool, progress: Callable[[int], None]
) -> None:
    db = Response._meta.db
    pool = db if isinstance(db, PostgresEngine) and db.pool is None else None
    if pool is not None:  # one connection for every page, as the web service's pool gives it
        await pool.start_connection_pool(min_size=1, max_size=2)
    try:
        async for chunk, rows in response_pages(slug, include_text):
            sink.write(chunk.encode("utf-8"))
            if rows:
                progress(rows)
    finally:
        if pool is not None:
            await pool.close_connection_pool()  # type: ignore[no-untyped-call]


def write_responses(slug: str, *, output: str | None, include_text: bool) -> None:
    """`chorus export responses`: to a file (written whole, or not at all) or to stdout, with a
    progress bar when stderr is a terminal. Raises UnknownSurvey."""
    from reports.command import _Progress

    find_survey(slug)

    async def count() -> int:
        return int(await Response.count().where(Response.survey == slug))

    pages = -(-asyncio.run(count()) // PAGE_SIZE) if sys.stderr.isatty() else 0
    bar = _Progress(max(1, pages))
    written = 0

    def progress(rows: int) -> None:
        nonlocal written
        written += rows
        if bar.done < bar.total:  # responses stored meanwhile may add a page
            bar.step(f"{written:,}")

    if output is None:
        sys.stdout.flush()
        asyncio.run(_write(slug, sys.stdout.buffer, include_text, progress))
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as sink:
            asyncio.run(_write(slug, sink, include_text, progress))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
