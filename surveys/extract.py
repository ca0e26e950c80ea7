"""Babel extractor for questionnaire definitions: their text joins the pages' catalogs.

Registered as the `chorus_survey` extractor (pyproject entry point `babel.extractors`), used
by babel.cfg for surveys/definitions/*.toml and feedback/definitions/*.toml. Each string gets
the context of its survey and question ("worker-voice:confidence"), so the same English words
can be translated differently where the question needs it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from surveys.definition import parse_definition


def extract_survey(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    path = Path(getattr(fileobj, "name", ""))
    source = fileobj.read().decode("utf-8")
    survey = parse_definition(path)
    lines = source.splitlines()
    for context, message, where in survey.strings():
        if context == "scale":
            continue  # scale labels are extracted once, from surveys/scales.py
        first_line = next(
            (number for number, line in enumerate(lines, 1) if message[:60] in line), 1
        )
        yield first_line, "pgettext", (context, message), [f"{survey.slug}: {where}"]
