"""`chorus report`: the same documents as the API and the dashboard, written to a file."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from chorus.settings import get_settings
from locales.i18n import current_locale, from_url_code
from reports.concerns import concern_report
from reports.exports import concern_csv, concern_document, trust_csv, trust_document
from reports.metrics import GROUPS
from reports.periods import PeriodError
from reports.standalone import render_html
from reports.trust import ReportError, trust_report


class _Progress:
    """A one-line progress bar on a terminal; silent when output is piped."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.live = stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if self.live:
            filled = int(30 * self.done / self.total)
            bar = "#" * filled + "-" * (30 - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label:<20}")
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")


async def _build(
    kind: str, start: str | None, end: str | None, by: str | None, period: str, fmt: str
) -> str | Iterable[str]:
    progress = _Progress(len(GROUPS) + 1)
    if kind == "trust":
        reports = []
        for group in GROUPS:
            reports.append(await trust_report(group, start=start, end=end, period=period, by=by))
            progress.step(group)
        progress.step("done")
        if fmt == "json":
            return json.dumps(trust_document(reports), ensure_ascii=False, indent=2)
        if fmt == "csv":
            return list(trust_csv(reports))
        return render_html(trust=reports)
    report = await concern_report(start=start, end=end, period=period, by=by)
    for _ in range(len(GROUPS) + 1):
        progress.step("concerns")
    if fmt == "json":
        return json.dumps(concern_document(report), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return list(concern_csv(report))
    return render_html(concerns=report)


def write_report(
    *,
    kind: str,
    start: str | None,
    end: str | None,
    by: str | None,
    period: str,
    fmt: str,
    out: str | None,
    locale: str,
) -> None:
    code = from_url_code(locale, get_settings().locales)
    if code is None:
        raise ValueError(f"--locale {locale!r} is not an enabled locale")
    token = current_locale.set(code)
    try:
        result = asyncio.run(_build(kind, start, end, by, period, fmt))
    except PeriodError:
        raise ValueError("--from and --to must be months (YYYY-MM), from before to") from None
    except ReportError as error:
        raise ValueError(f"unknown report option: {error}") from None
    finally:
        current_locale.reset(token)
    chunks = [result] if isinstance(result, str) else result
    if out:
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(chunks)
    else:
        sys.stdout.writelines(chunks)
