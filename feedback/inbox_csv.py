"""The inbox as CSV: one row per free-text answer or message, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from feedback.inbox import ExportRow

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
