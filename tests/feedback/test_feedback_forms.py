"""Concern and experience reports, sent with JavaScript off in several languages or through
the API, stored once with a receipt; bad input stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.tables import Receipt
from surveys.tables import Answer, Response
from tests.conftest import row_counts
from tests.surveys.walk import complete


@pytest.mark.parametrize("locale", ["en", "ro", "ar", "zh-Hans", "pl", "th"])
@pytest.mark.parametrize("kind", ["concern", "experience"])
async def test_a_report_can_be_sent_without_javascript(client: Any, locale: str, kind: str) -> None:
    code, html = await complete(client, f"/{locale}/feedback/{kind}")
    assert f'<html lang="{locale}"' in html
    response = await Response.select().first()
    assert response is not None
    assert response["kind"] == kind
    receipt = await Receipt.select().where(Receipt.id == response["receipt"]).first()
    assert receipt is not None and receipt["status"] == "received"
    lookup = await client.get(f"/api/v1/receipts/{code}")
    assert lookup.status_code == 200
    assert lookup.json()["kind"] == kind


async def test_the_concern_form_requires_a_category_and_an_area(client: Any) -> None:
    page = await client.get("/ro/feedback/concern")
    from tests.conftest import state_of

    response = await client.post(
        "/ro/feedback/concern", data={"state": state_of(page.text), "action": "next"}
    )
    assert response.status_code == 422
    assert 'href="#category-field"' in response.text
    assert 'href="#area-field"' in response.text
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


async def test_the_experience_api_records_consent_to_replies(client: Any) -> None:
    for consent, allowed in (("reply_allowed", True), ("stats_only", False)):
        response = await client.post(
            "/api/v1/feedback/experience",
            json={"answers": {"contact_kind": "contacted_swlo", "consent": consent}},
        )
        assert response.status_code == 201
        assert set(response.json()) == {"receipt"}
    rows = await Receipt.select(Receipt.reply_allowed).order_by(Receipt.reply_allowed)
    assert [row["reply_allowed"] for row in rows] == [False, True]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"category": "unicorns", "area": "old_town"}}, "category"),
        ({"answers": {"area": "old_town"}}, "category"),
        ({"answers": {"category": "noise_traffic", "area": "the moon"}}, "area"),
        ({"answers": {"category": "noise_traffic", "area": "old_town", "ghost": "x"}}, "ghost"),
        (
            {
                "answers": {
                    "category": "noise_traffic",
                    "area": "old_town",
                    "what_happened": "x" * 2001,
                }
            },
            "what_happened",
        ),
        (
            {"answers": {"category": ["noise_traffic", "drug_dealing"], "area": "old_town"}},
            "category",
        ),
    ],
)
async def test_bad_api_reports_get_field_errors_and_store_nothing(
    client: Any, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/feedback/concern", json={**body, "locale": "ro"})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"answers": []}',
        b'{"answers": {}, "extra": 1}',
        b'{"answers": {"category": 5}}',
        b"\xff\xfe",
    ],
)
async def test_malformed_api_bodies_are_4xx_and_store_nothing(client: Any, raw: bytes) -> None:
    response = await client.post(
        "/api/v1/feedback/concern", content=raw, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


async def test_an_unknown_feedback_kind_is_404(client: Any) -> None:
    assert (await client.get("/en/feedback/gossip")).status_code == 404
    response = await client.post("/api/v1/feedback/gossip", json={"answers": {}})
    assert response.status_code in (400, 404)


async def test_safeguarding_contacts_are_shown_for_exploitation_concerns(client: Any) -> None:
    _, html = await complete(
        client, "/ar/feedback/concern", choose={"category": "exploitation", "danger_now": "no"}
    )
    assert 'href="tel:08000121700"' in html


async def test_a_replayed_api_submission_id_stores_once(client: Any) -> None:
    body = {
        "answers": {"category": "noise_traffic", "area": "harbour"},
        "submission_id": "tablet-7-00042",
    }
    first = await client.post("/api/v1/feedback/concern", json=body)
    second = await client.post("/api/v1/feedback/concern", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await Response.count() == 1
    assert await Answer.count() == 2
