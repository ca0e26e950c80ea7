"""Receipts: look up, follow up and withdraw, through the pages and the API; guessing is
throttled; a wrong code gets the same answer whether or not it ever existed."""

from __future__ import annotations

import re
from typing import Any

from feedback.receipts import code_for_token, format_code, normalize_code
from feedback.tables import Message, Receipt
from surveys.tables import Answer, Response
from tests.conftest import row_counts

CONCERN = {"answers": {"category": "kerb_crawling", "area": "riverside", "what_happened": "x"}}
EXPERIENCE = {
    "answers": {
        "contact_kind": "reported_crime",
        "consent": "reply_allowed",
        "treated_respect": "tend_agree",
        "what_happened": "The officer listened and took me seriously.",
    },
    "locale": "ro",
}


async def _send(client: Any, kind: str = "concern", body: dict[str, Any] = CONCERN) -> str:
    response = await client.post(f"/api/v1/feedback/{kind}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["receipt"])


def test_codes_are_grouped_and_forgiving_when_typed() -> None:
    code = code_for_token("some-token")
    shown = format_code(code)
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", shown)
    assert normalize_code(shown.lower().replace("-", " ")) == code
    assert normalize_code(code.replace("0", "O").replace("1", "I")) == code
    assert normalize_code("too short") is None
    assert normalize_code("!" * 20) is None
    assert code_for_token("some-token") == code
    assert code_for_token("other-token") != code


async def test_the_code_is_stored_only_as_a_keyed_hash(client: Any) -> None:
    code = await _send(client)
    rows = await Receipt.select()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert normalize_code(code) not in stored
    assert len(rows[0]["code_hash"]) == 64


async def test_a_receipt_shows_status_and_replies(client: Any) -> None:
    code = await _send(client, "experience", EXPERIENCE)
    receipt = await Receipt.select().first()
    assert receipt is not None and receipt["reply_allowed"] is True
    await Message.insert(
        Message(
            receipt=receipt["id"],
            author="staff",
            body="Thank you <b>for</b> telling us.",
            day=receipt["day"],
        )
    )
    await Receipt.update({Receipt.status: "answered"}).where(Receipt.id == receipt["id"])
    api = await client.get(f"/api/v1/receipts/{code}")
    assert api.status_code == 200
    assert api.json()["status"] == "answered"
    assert api.json()["messages"][0]["body"] == "Thank you <b>for</b> telling us."
    page = await client.post("/en/receipt", data={"code": code.lower(), "action": "show"})
    assert page.status_code == 200
    assert "Answered" in page.text
    assert "Thank you &lt;b&gt;for&lt;/b&gt; telling us." in page.text


async def test_a_follow_up_is_added_redacted(client: Any) -> None:
    code = await _send(client)
    page = await client.post(
        "/en/receipt",
        data={"code": code, "action": "follow_up", "text": "It happened again, ring 07700 900123"},
    )
    assert page.status_code == 200
    assert "We have added this" in page.text
    messages = await Message.select(Message.author, Message.body)
    assert messages == [{"author": "respondent", "body": "It happened again, ring [phone]"}]
    api = await client.post(f"/api/v1/receipts/{code}/follow-ups", json={"text": "More."})
    assert api.status_code == 201
    assert await Message.count() == 2


async def test_an_empty_or_oversized_follow_up_is_refused(client: Any) -> None:
    code = await _send(client)
    for text in ("   ", "x" * 2001):
        page = await client.post(
            "/en/receipt", data={"code": code, "action": "follow_up", "text": text}
        )
        assert page.status_code == 422
        api = await client.post(f"/api/v1/receipts/{code}/follow-ups", json={"text": text})
        assert api.status_code == 422
        assert "text" in api.json()["errors"]
    assert await Message.count() == 0


async def test_withdrawal_deletes_everything_for_good(client: Any) -> None:
    code = await _send(client, "experience", EXPERIENCE)
    await client.post(f"/api/v1/receipts/{code}/follow-ups", json={"text": "More."})
    assert (await row_counts())["answer"] > 0
    unconfirmed = await client.post("/en/receipt", data={"code": code, "action": "withdraw"})
    assert unconfirmed.status_code == 422
    assert await Response.count() == 1
    page = await client.post(
        "/en/receipt", data={"code": code, "action": "withdraw", "confirm": "yes"}
    )
    assert "deleted for good" in page.text
    assert await Response.count() == 0
    assert await Answer.count() == 0
    assert await Message.count() == 0
    receipt = await Receipt.select(Receipt.status).first()
    assert receipt == {"status": "withdrawn"}
    api = await client.get(f"/api/v1/receipts/{code}")
    assert api.json()["status"] == "withdrawn"
    assert api.json()["messages"] == []


async def test_withdrawal_through_the_api(client: Any) -> None:
    code = await _send(client)
    response = await client.delete(f"/api/v1/receipts/{code}")
    assert response.status_code == 204
    assert await Response.count() == 0
    again = await client.delete(f"/api/v1/receipts/{code}")
    assert again.status_code == 204


async def test_a_wrong_code_gets_the_same_answer_as_a_malformed_one(client: Any) -> None:
    await _send(client)
    never = format_code(code_for_token("never-issued"))
    answers = []
    for typed in (never, "nonsense", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"):
        page = await client.post("/en/receipt", data={"code": typed, "action": "show"})
        api = await client.get(f"/api/v1/receipts/{typed}")
        answers.append((page.status_code, api.status_code, api.json()["detail"]))
        assert "We could not find that receipt code" in page.text
    assert len(set(answers)) == 1


async def test_guessing_codes_is_throttled(client: Any) -> None:
    statuses = []
    for number in range(25):
        response = await client.get(f"/api/v1/receipts/{format_code(code_for_token(str(number)))}")
        statuses.append(response.status_code)
    assert statuses[:20] == [404] * 20
    assert statuses[-1] == 429
    page = await client.post("/ro/receipt", data={"code": "x", "action": "show"})
    assert page.status_code == 429
    assert page.headers["retry-after"].isdigit()
    assert '<html lang="ro"' in page.text
