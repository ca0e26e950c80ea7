"""Nothing that could identify a respondent is logged or stored: not the address (direct, in
X-Forwarded-For or in Forwarded), not the user agent, not the query string."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import httpx
import pytest

from tests.conftest import database_bytes, state_of

MARKER_ADDRESS = "203.0.113.199"
MARKER_FORWARDED = "198.51.100.77"
MARKER_AGENT = "MarkerAgent/9.9 (zz-unique-7731)"
MARKER_QUERY = "qmarker8812"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The test's own HTTP client logs the URLs it requests; only the server's lines count.
        if not record.name.startswith(("httpx", "httpcore")):
            self.lines.append(self.format(record))


@pytest.fixture
async def marked_client(app: Any, db: None) -> Any:
    transport = httpx.ASGITransport(app=app, client=(MARKER_ADDRESS, 40404))
    headers = {
        "User-Agent": MARKER_AGENT,
        "X-Forwarded-For": MARKER_FORWARDED,
        "Forwarded": f"for={MARKER_FORWARDED};proto=https",
        "X-Real-IP": MARKER_FORWARDED,
    }
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver.local", headers=headers
    ) as client:
        yield client


async def test_markers_appear_in_no_log_line_and_nowhere_in_the_database(
    marked_client: Any,
) -> None:
    capture = Capture()
    from chorus.logs import JsonFormatter

    capture.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        page = await marked_client.get(f"/en/surveys/community-voice?c={MARKER_QUERY}")
        assert page.status_code == 200
        html = page.text
        for _ in range(6):
            response = await marked_client.post(
                f"/en/surveys/community-voice?c={MARKER_QUERY}",
                data={"state": state_of(html), "action": "next", "feel_safe_dark": "fairly_safe"},
            )
            html = response.text
            if "receipt" in html and 'class="receipt"' in html:
                break
        code = re.search(r'class="receipt"[^>]*>([^<]+)<', html)
        assert code, "the survey was not completed"
        api = await marked_client.post(
            "/api/v1/feedback/concern",
            json={
                "answers": {"category": "noise_traffic", "area": "old_town"},
                "locale": "en",
            },
        )
        assert api.status_code == 201
        receipt = api.json()["receipt"]
        looked_up = await marked_client.get(f"/api/v1/receipts/{receipt}")
        assert looked_up.status_code == 200
        await marked_client.get("/nowhere?x=" + MARKER_QUERY)
        withdrawn = await marked_client.delete(f"/api/v1/receipts/{receipt}")
        assert withdrawn.status_code == 204
    finally:
        root.removeHandler(capture)

    logged = "\n".join(capture.lines)
    assert capture.lines, "the access log wrote nothing"
    assert '"event": "request"' in logged
    for marker in (MARKER_ADDRESS, MARKER_FORWARDED, MARKER_AGENT, "MarkerAgent", MARKER_QUERY):
        assert marker not in logged, marker
    # The receipt code is a secret too: the access log keeps the route's shape only.
    assert receipt not in logged
    assert receipt.replace("-", "") not in logged

    stored = database_bytes()
    assert len(stored) > 1000
    for marker in (MARKER_ADDRESS, MARKER_FORWARDED, "MarkerAgent", MARKER_QUERY):
        assert marker.encode() not in stored, marker
    assert code.group(1).replace("-", "").encode() not in stored


async def test_stored_dates_are_days_and_ids_are_random(client: Any) -> None:
    from surveys.tables import Response

    for _ in range(3):
        response = await client.post(
            "/api/v1/surveys/worker-voice/responses",
            json={"answers": {"confidence": "tend_agree"}},
        )
        assert response.status_code == 201
    rows = await Response.select(Response.id, Response.day, Response.period)
    assert len(rows) == 3
    for row in rows:
        assert row["id"].version == 4
        assert not hasattr(row["day"], "hour")  # a date, not a timestamp
        assert row["period"] == row["day"].strftime("%Y-%m")
    assert os.environ["CHORUS_ENV"] == "test"
