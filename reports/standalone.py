"""The self-contained HTML report for the monthly multi-agency meeting: one file, Plotly
inlined, opens offline, prints cleanly."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from chorus.templating import build_environment
from reports.charts import line_chart, stacked_bars
from reports.concerns import ConcernReport
from reports.controllers import PLOTLY_JS
from reports.metrics import TRUST_INDEX, group_label
from reports.narrative import convenience_note, latest_changes, period_label
from reports.trust import TrustReport

_environment: Environment | None = None


def _env() -> Environment:
    global _environment
    if _environment is None:
        _environment = build_environment()
    return _environment


def _trust_context(reports: list[TrustReport]) -> list[dict[str, Any]]:
    sections = []
    for report in reports:
        overall = [s for s in report.series if s.breakdown is None] or report.series
        sections.append(
            {
                "label": group_label(report.group),
                "series": report.series,
                "changes": latest_changes(overall),
                "chart": line_chart(
                    [s for s in overall if s.metric != TRUST_INDEX][:6], group_label(report.group)
                ),
                "index_chart": line_chart(
                    [s for s in report.series if s.metric == TRUST_INDEX],
                    group_label(report.group),
                    value="mean",
                ),
            }
        )
    return sections


def render_html(
    *, trust: list[TrustReport] | None = None, concerns: ConcernReport | None = None
) -> str:
    context: dict[str, Any] = {
        "trust_sections": _trust_context(trust or []),
        "concerns": concerns,
        "concern_chart": stacked_bars(
            [(s.label, [(p.period, p.count) for p in s.points]) for s in concerns.counts], ""
        )
        if concerns
        else None,
        "note": convenience_note(),
        "period_label": period_label,
        "plotly_js": PLOTLY_JS.read_text(encoding="utf-8"),
    }
    return _env().get_template("report_standalone.html").render(**context)
