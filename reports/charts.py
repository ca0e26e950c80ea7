"""Plotly figures as plain JSON for the page's own script to draw; the table beside each chart
carries the same numbers for screen readers and browsers without JavaScript."""

from __future__ import annotations

from html import escape
from typing import Any

from reports.narrative import period_label
from reports.trust import Series

PALETTE = ("#1d4f91", "#d4351c", "#00703c", "#6f2c91", "#b58840", "#28a197", "#505a5f")


def _label(text: str) -> str:
    # Plotly renders a little HTML in labels; escaping makes markup show as text.
    return escape(text, quote=True)


def line_chart(series_list: list[Series], title: str, *, value: str = "percent") -> dict[str, Any]:
    """Lines with a shaded 95% interval band; suppressed points are gaps, never zeros."""
    traces: list[dict[str, Any]] = []
    for index, series in enumerate(series_list):
        colour = PALETTE[index % len(PALETTE)]
        x = [period_label(p.period) for p in series.points]
        y = [getattr(p, value) if not p.suppressed else None for p in series.points]
        low = [p.ci_low if not p.suppressed else None for p in series.points]
        high = [p.ci_high if not p.suppressed else None for p in series.points]
        name = series.label
        if series.breakdown:
            name = ", ".join(series.breakdown.values())
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": high,
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": low,
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": colour + "33",
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "mode": "lines+markers",
                "name": _label(name),
                "line": {"color": colour, "width": 2},
                "connectgaps": False,
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": _label(title)},
            "yaxis": {"range": [0, 100], "ticksuffix": "" if value == "mean" else "%"},
            "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
            "height": 320,
            "legend": {"orientation": "h"},
        },
    }


def stacked_bars(
    categories: list[tuple[str, list[tuple[str, int | None]]]], title: str
) -> dict[str, Any]:
    """One bar per period, stacked by category; hidden counts are left out, not zero."""
    traces = []
    for index, (label, points) in enumerate(categories):
        traces.append(
            {
                "type": "bar",
                "name": _label(label),
                "x": [period_label(period) for period, _ in points],
                "y": [count for _, count in points],
                "marker": {"color": PALETTE[index % len(PALETTE)]},
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": _label(title)},
            "barmode": "stack",
            "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
            "height": 340,
            "legend": {"orientation": "h"},
        },
    }
