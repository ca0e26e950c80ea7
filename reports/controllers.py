"""Public results page and the charting library, served from our own origin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from litestar import Controller, get
from litestar.response import File, Template

from chorus.pages import LocaleParam, require_locale
from reports.charts import line_chart, stacked_bars
from reports.concerns import concern_report
from reports.metrics import GROUPS, TRUST_INDEX, group_label
from reports.narrative import convenience_note, latest_changes, period_label
from reports.trust import trust_report

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

#: Plotly inserts one <style> element for its own rules (plotly.js issue #2355), so pages with
#: charts allow inline styles; scripts stay 'self' only, and every label is escaped.
CHART_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADLINE_METRICS = (TRUST_INDEX, "confidence")


async def public_results(locale: str) -> dict[str, Any]:
    groups = []
    for group in GROUPS:
        report = await trust_report(group, period="quarter", public=True)
        headline = [s for s in report.series if s.metric in HEADLINE_METRICS]
        groups.append(
            {
                "group": group,
                "label": group_label(group),
                "series": headline,
                "changes": latest_changes(headline),
                "periods": [p.period for p in headline[0].points] if headline else [],
                "chart": line_chart(
                    [s for s in headline if s.metric != TRUST_INDEX], group_label(group)
                ),
            }
        )
    concerns = await concern_report(period="quarter", public=True)
    try:
        from feedback.updates import published_updates
    except ImportError:  # the console's updates are optional in a minimal deployment
        updates: list[Any] = []
    else:
        updates = list(await published_updates(locale))
    return {
        "groups": groups,
        "concerns": concerns,
        "concern_chart": stacked_bars(
            [(s.label, [(p.period, p.count) for p in s.points]) for s in concerns.counts],
            "",
        ),
        "updates": updates,
        "note": convenience_note(),
        "period_label": period_label,
    }


class ResultsController(Controller):
    include_in_schema = False

    @get("/{locale:str}/results")
    async def results(self, locale: LocaleParam) -> Template:
        code = require_locale(locale)
        return Template(
            "results.html",
            context=await public_results(code),
            headers={"Content-Security-Policy": CHART_CSP},
        )

    @get("/static/vendor/plotly.min.js", sync_to_thread=False)
    def plotly_js(self) -> File:
        return File(PLOTLY_JS, content_disposition_type="inline", media_type="text/javascript")
