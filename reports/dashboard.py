"""The managers' dashboard and the reports API: the same numbers as the CLI and the exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from chorus.accounts import Role
from chorus.api_errors import ErrorBody, FieldErrors
from chorus.audit import record
from chorus.auth import current, requires
from chorus.console import page
from locales.i18n import _
from reports.charts import line_chart, stacked_bars
from reports.concerns import concern_report
from reports.controllers import CHART_CSP
from reports.exports import concern_csv, concern_document, trust_csv, trust_document
from reports.metrics import GROUPS, TRUST_INDEX, group_label
from reports.narrative import convenience_note, latest_changes, period_label
from reports.periods import PeriodError
from reports.responses import UnknownSurvey, exportable_surveys, find_survey, response_csv
from reports.standalone import render_html
from reports.trust import BREAKDOWNS, ReportError, TrustReport, trust_report

Group = Annotated[str, QueryParameter(name="group", description="worker or resident")]
From = Annotated[str | None, QueryParameter(name="from", description="first month, YYYY-MM")]
To = Annotated[str | None, QueryParameter(name="to", description="last month, YYYY-MM")]
Period = Annotated[
    str, QueryParameter(name="period", description="month, quarter, rolling3 or rolling12")
]
By = Annotated[
    str | None,
    QueryParameter(name="by", description="area, work_setting, language or channel"),
]
REPORT_ROLES: tuple[Role, ...] = ("manager", "analyst")
#: Raw per-response rows can single people out in a small group: admins only (and each
#: download is in the audit trail).
RAW_EXPORT_ROLES: tuple[Role, ...] = ("admin",)


@dataclass(frozen=True, slots=True)
class Filters:
    group: str
    start: str | None
    end: str | None
    period: str
    by: str | None


def _filters(
    group: str, start: str | None, end: str | None, period: str, by: str | None
) -> Filters:
    problems = {}
    if group not in GROUPS:
        problems["group"] = _("Choose sex workers or residents.")
    if period not in ("month", "quarter", "rolling3", "rolling12"):
        problems["period"] = _("Choose month, quarter, rolling 3 or rolling 12 months.")
    if by not in (None, "", *BREAKDOWNS):
        problems["by"] = _("Choose area, work setting, language or channel.")
    if problems:
        raise FieldErrors(_("Some report options need attention."), problems)
    return Filters(group, start or None, end or None, period, by or None)


async def _trust(filters: Filters, groups: tuple[str, ...]) -> list[TrustReport]:
    try:
        return [
            await trust_report(
                group, start=filters.start, end=filters.end, period=filters.period, by=filters.by
            )
            for group in groups
        ]
    except (PeriodError, ReportError):
        message = _("Months must be written YYYY-MM, the first before the last.")
        raise FieldErrors(message, {"from": message, "to": message}) from None


REPORT_RESPONSES = {
    401: ResponseSpec(ErrorBody, description="No API token or manager session"),
    403: ResponseSpec(ErrorBody, description="The token's scope or the role does not allow it"),
    422: ResponseSpec(ErrorBody, description="Report options that make no sense, translated"),
}


class ReportsApiController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]  # noqa: RUF012 - Litestar declares it as an instance attribute
    guards = [requires(*REPORT_ROLES, token_scope="reports")]  # noqa: RUF012, S106
    security = [{"bearer": []}]  # noqa: RUF012

    @get(
        "/trust",
        summary="Trust-and-confidence series with intervals and suppression",
        responses=REPORT_RESPONSES,
    )
    async def trust(
        self,
        group: Group = "worker",
        start: From = None,
        end: To = None,
        period: Period = "month",
        by: By = None,
    ) -> dict[str, Any]:
        filters = _filters(group, start, end, period, by)
        return trust_document(await _trust(filters, (filters.group,)))

    @get(
        "/concerns",
        summary="Public-concern counts, % seeing each problem, sentiment",
        responses=REPORT_RESPONSES,
    )
    async def concerns(
        self,
        start: From = None,
        end: To = None,
        period: Period = "month",
        by: By = None,
    ) -> dict[str, Any]:
        filters = _filters("resident", start, end, period, by)
        try:
            report = await concern_report(
                start=filters.start, end=filters.end, period=filters.period, by=filters.by
            )
        except (PeriodError, ReportError):
            message = _("Months must be written YYYY-MM, the first before the last.")
            raise FieldErrors(message, {"from": message, "to": message}) from None
        return concern_document(report)


class DashboardController(Controller):
    """The dashboard and its exports for managers and analysts; the raw-response export for
    admins. Litestar adds a handler's guards to its controller's (it cannot narrow them), so the
    class admits every role of either kind and each handler names its own: a handler added
    without one is open to those roles only, never to partners or to nobody signed in."""

    path = "/manage/reports"
    include_in_schema = False
    guards = [requires(*REPORT_ROLES, *RAW_EXPORT_ROLES)]  # noqa: RUF012

    @get("/", guards=[requires(*REPORT_ROLES)])
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        group: Group = "worker",
        start: From = None,
        end: To = None,
        period: Period = "month",
        by: By = None,
    ) -> Template:
        filters = _filters(group, start, end, period, by)
        [report] = await _trust(filters, (filters.group,))
        overall = [s for s in report.series if s.breakdown is None]
        charts = []
        metric_ids = list(dict.fromkeys(s.metric for s in report.series))
        for metric in metric_ids:
            lines = [s for s in report.series if s.metric == metric]
            charts.append(
                {
                    "id": f"chart-{metric}",
                    "label": lines[0].label,
                    "series": lines,
                    "figure": line_chart(
                        lines, lines[0].label, value="mean" if metric == TRUST_INDEX else "percent"
                    ),
                }
            )
        # Small multiples: one small panel per area (or setting, language, channel) for the
        # headline measures, on one scale, so places can be compared at a glance.
        multiples = []
        if filters.by:
            for metric in (TRUST_INDEX, "confidence"):
                panels = [s for s in report.series if s.metric == metric and s.breakdown]
                for index, series in enumerate(panels):
                    name = ", ".join(series.breakdown.values()) if series.breakdown else ""
                    figure = line_chart(
                        [series], name, value="mean" if metric == TRUST_INDEX else "percent"
                    )
                    figure["layout"].update(height=200, showlegend=False)
                    multiples.append(
                        {"id": f"small-{metric}-{index}", "metric": series.label, "figure": figure}
                    )
        response = page(
            request,
            "dashboard.html",
            multiples=multiples,
            filters=filters,
            report=report,
            group_label=group_label(filters.group),
            changes=latest_changes(overall or report.series),
            charts=charts,
            note=convenience_note(),
            period_label=period_label,
            breakdowns=list(BREAKDOWNS),
            query=request.url.query or "",
        )
        response.headers["Content-Security-Policy"] = CHART_CSP
        return response

    @get("/concerns", guards=[requires(*REPORT_ROLES)])
    async def concerns(
        self,
        request: Request[Any, Any, Any],
        start: From = None,
        end: To = None,
        period: Period = "month",
        by: By = None,
    ) -> Template:
        filters = _filters("resident", start, end, period, by)
        report = await concern_report(
            start=filters.start, end=filters.end, period=filters.period, by=filters.by
        )
        response = page(
            request,
            "dashboard_concerns.html",
            filters=filters,
            report=report,
            chart=stacked_bars(
                [
                    (s.label, [(p.period, p.count) for p in s.points])
                    for s in report.counts
                    if not s.breakdown
                ],
                "",
            ),
            seen_chart=line_chart(report.seen, _("Residents seeing each problem")),
            note=convenience_note(),
            period_label=period_label,
            query=request.url.query or "",
        )
        response.headers["Content-Security-Policy"] = CHART_CSP
        return response

    @get("/export", guards=[requires(*REPORT_ROLES)])
    async def export(
        self,
        request: Request[Any, Any, Any],
        kind: Annotated[str, QueryParameter(name="kind")] = "trust",
        fmt: Annotated[str, QueryParameter(name="format")] = "csv",
        group: Group = "worker",
        start: From = None,
        end: To = None,
        period: Period = "month",
        by: By = None,
    ) -> Response[Any]:
        filters = _filters(group, start, end, period, by)
        if kind not in ("trust", "concerns") or fmt not in ("csv", "json", "html"):
            message = _("Choose a report and a format.")
            raise FieldErrors(message, {"format": message})
        await record(current(request).name, "export", kind, f"{fmt} {period} {by or ''}".strip())
        name = f"chorus-{kind}-{filters.start or 'last24'}-{filters.end or 'now'}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if kind == "trust":
            reports = await _trust(filters, GROUPS)
            if fmt == "csv":
                return Stream(
                    trust_csv(reports), media_type="text/csv; charset=utf-8", headers=headers
                )
            if fmt == "json":
                return Response(trust_document(reports), headers=headers)
            return Response(render_html(trust=reports), media_type="text/html", headers=headers)
        report = await concern_report(
            start=filters.start, end=filters.end, period=filters.period, by=filters.by
        )
        if fmt == "csv":
            return Stream(
                concern_csv(report), media_type="text/csv; charset=utf-8", headers=headers
            )
        if fmt == "json":
            return Response(concern_document(report), headers=headers)
        return Response(render_html(concerns=report), media_type="text/html", headers=headers)

    @get("/export/responses", guards=[requires(*RAW_EXPORT_ROLES)])
    async def responses_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "export_responses.html", surveys=exportable_surveys(), problem=None)

    @get("/export/responses.csv", guards=[requires(*RAW_EXPORT_ROLES)])
    async def responses_csv(
        self,
        request: Request[Any, Any, Any],
        survey: Annotated[str, QueryParameter(name="survey")] = "",
        include_text: Annotated[bool, QueryParameter(name="text")] = False,
    ) -> Response[Any]:
        """One row per stored response, streamed page by page (reports.responses)."""
        try:
            found = find_survey(survey)
        except UnknownSurvey:
            return page(
                request,
                "export_responses.html",
                status=404,
                surveys=exportable_surveys(),
                problem=_("There is no survey with that name. Choose one from the list."),
            )
        # Who took which survey's rows, and whether with free text: never any of the rows.
        detail = "responses csv, with free text" if include_text else "responses csv"
        await record(current(request).name, "export", found.slug, detail)
        name = f"chorus-responses-{found.slug}{'-with-text' if include_text else ''}.csv"
        return Stream(
            response_csv(found.slug, include_text=include_text),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
