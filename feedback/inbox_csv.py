"""The inbox as CSV: one row per free-text answer or message, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from feedback.inbox import (
    ITEM_COLUMNS,
    InboxFilter,
    messages_of,
    present,
    texts_of,
    topics_of,
    where,
)
from surveys.tables import Response

EXPORT_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class ExportRow:
    response_id: UUID
    kind: str
    survey: str
    topic: str | None
    area: str | None
    locale: str
    status: str | None
    day: date
    question: str
    sentiment: str | None
    text: str


async def export_rows(wanted: InboxFilter) -> list[ExportRow]:
    """Every free-text answer and message of the filtered items (no paging), one row each."""
    rows = (
        await Response.select(*ITEM_COLUMNS)
        .where(*where(wanted))
        .order_by(Response.day, ascending=False)
        .order_by(Response.id)
        .limit(EXPORT_LIMIT)
    )
    response_ids = [row["id"] for row in rows]
    texts = await texts_of(response_ids)
    topics = await topics_of(response_ids)
    messages = await messages_of(present(row["receipt_id"] for row in rows))
    out = []
    for row in rows:
        entries = [(t["question"], t["sentiment"], t["text"]) for t in texts.get(row["id"], [])]
        entries += [
            (f"message:{m['author']}", None, m["body"]) for m in messages.get(row["receipt_id"], [])
        ]
        for question, sentiment, text in entries or [("", None, "")]:
            out.append(
                ExportRow(
                    response_id=row["id"],
                    kind=row["kind"],
                    survey=row["survey"],
                    topic=topics.get(row["id"]),
                    area=row["area"],
                    locale=row["locale"],
                    status=row["status"],
                    day=row["day"],
                    question=question,
                    sentiment=sentiment,
                    text=text,
                )
            )
    return out


COLUMNS = (
    "response",
    "kind",
    "survey",
    "topic",
    "area",
    "language",
    "status",
    "day",
    "question",
    "sentiment",
    "text",
)
#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def inbox_csv(rows: Iterable[ExportRow]) -> str:
    """UTF-8 text with a byte-order mark, so spreadsheet programs read every script right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    row.response_id,
                    row.kind,
                    row.survey,
                    row.topic,
                    row.area,
                    row.locale,
                    row.status,
                    row.day.isoformat(),
                    row.question,
                    row.sentiment,
                    row.text,
                )
            ]
        )
    return buffer.getvalue()
