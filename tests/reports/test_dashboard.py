"""The managers' dashboard, exports and reports API: role-checked, the same numbers everywhere,
and markup in any label rendered as text."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from chorus.tables import AuditEntry
from surveys.registry import get_survey
from surveys.storage import store_submission
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]


async def _answers(count: int, month: int = 3) -> None:
    survey = get_survey("worker-voice")
    assert survey is not None
    for n in range(count):
        await store_submission(
            survey,
            {"confidence": "tend_agree" if n % 3 else "strongly_disagree", "area": "old_town"},
            locale="en",
            channel=None,
            token=f"dash-{month}-{n}",
            today=date(2025, month, 10),
        )


async def test_the_dashboard_shows_the_numbers_with_base_and_interval(
    console: Any, bob: Any
) -> None:
    await _answers(30)
    await sign_in(console, bob)
    page = await console.get("/manage/reports/?group=worker&from=2025-02&to=2025-03")
    assert page.status_code == 200
    assert "Trust and confidence among sex workers" in page.text
    assert "66.7%" in page.text and "n = 30" in page.text  # 20 of 30 agree
    assert "Hidden" in page.text  # February had nobody
    assert "style-src 'self' 'unsafe-inline'" in page.headers["content-security-policy"]


async def test_the_api_and_the_export_agree_with_the_dashboard(console: Any, carol: Any) -> None:
    await _answers(30)
    await sign_in(console, carol)
    api = await console.get("/api/v1/reports/trust?group=worker&from=2025-03&to=2025-03")
    assert api.status_code == 200
    confidence = next(s for s in api.json()["series"] if s["metric"] == "confidence")
    point = confidence["points"][0]
    assert (point["positive"], point["base"], point["percent"]) == (20, 30, 66.7)
    assert point["ci_low"] < 66.7 < point["ci_high"]
    export = await console.get(
        "/manage/reports/export?kind=trust&format=json&group=worker&from=2025-03&to=2025-03"
    )
    assert export.status_code == 200
    exported = json.loads(export.content)
    same = next(
        s for s in exported["series"] if s["metric"] == "confidence" and s["group"] == "worker"
    )
    assert same["points"][0] == point
    csv = await console.get("/manage/reports/export?kind=trust&format=csv&from=2025-03&to=2025-03")
    assert "worker,confidence,,2025-03,20,30,66.7" in csv.text
    html = await console.get("/manage/reports/export?kind=trust&format=html&to=2025-03")
    assert html.status_code == 200
    assert "<script>" in html.text and "Plotly" in html.text  # self-contained
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.actor)
    assert sum(1 for e in entries if e["action"] == "export") == 3


async def test_reports_refuse_anonymous_people_and_the_wrong_roles(
    console: Any, dan: Any, bob: Any
) -> None:
    anonymous = await console.get("/api/v1/reports/trust")
    assert anonymous.status_code == 401
    page = await console.get("/manage/reports/")
    assert page.status_code in (302, 303)
    await sign_in(console, dan)
    assert (await console.get("/api/v1/reports/trust")).status_code == 403
    assert (await console.get("/manage/reports/")).status_code == 403
    await sign_in(console, bob)
    assert (await console.get("/api/v1/reports/concerns")).status_code == 200


async def test_bad_report_options_get_clear_field_errors(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    response = await console.get("/api/v1/reports/trust?group=aliens&period=decade&by=shoe")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"group", "period", "by"}
    response = await console.get("/api/v1/reports/trust?from=2025-13")
    assert response.status_code == 422
    assert "from" in response.json()["errors"]


async def test_the_concerns_dashboard_renders(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    page = await console.get("/manage/reports/concerns?period=quarter")
    assert page.status_code == 200
    assert "Reports per category" in page.text
    assert "How fast concerns were answered" in page.text


async def test_a_breakdown_gets_small_multiples_one_panel_per_area(console: Any, bob: Any) -> None:
    await _answers(30)
    await sign_in(console, bob)
    page = await console.get("/manage/reports/?group=worker&from=2025-03&to=2025-03&by=area")
    assert page.status_code == 200
    assert "Side by side" in page.text
    assert page.text.count('class="multiple"') >= 2  # trust index and confidence for old_town
