"""The managers' inbox: list, filters, pages, reading (audited), status, tags, replies the
respondent reads through their receipt, and text that stays text in every page and export."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from chorus.tables import AuditEntry
from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
from surveys.registry import get_survey
from surveys.storage import store_submission
from surveys.tables import Answer, Response
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


async def _send(client: Any, kind: str, answers: dict[str, Any], locale: str = "en") -> str:
    response = await client.post(
        f"/api/v1/feedback/{kind}", json={"answers": answers, "locale": locale}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["receipt"])


async def _concern(client: Any, text: str = "Cars slow down by the park.", **extra: Any) -> str:
    answers = {"category": "kerb_crawling", "area": "riverside", "what_happened": text, **extra}
    return await _send(client, "concern", answers)


async def _experience(client: Any, text: str, *, reply: bool = True) -> str:
    answers = {
        "contact_kind": "reported_crime",
        "consent": "reply_allowed" if reply else "share_anonymised",
        "what_happened": text,
    }
    return await _send(client, "experience", answers)


async def _response_for(code: str) -> UUID:
    from feedback.receipts import code_hash, normalize_code

    normal = normalize_code(code)
    assert normal
    receipt = await Receipt.select(Receipt.id).where(Receipt.code_hash == code_hash(normal))
    row = await Response.select(Response.id).where(Response.receipt == receipt[0]["id"])
    return UUID(str(row[0]["id"]))


async def _audit(action: str) -> list[dict[str, Any]]:
    return await AuditEntry.select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail).where(
        AuditEntry.action == action
    )


async def test_the_inbox_lists_reports_and_survey_free_text(console: Any, bob: Any) -> None:
    await _concern(console, "Kerb-crawlers every night near the school.")
    await _experience(console, "The officer listened to me.")
    survey = get_survey("worker-voice")
    assert survey is not None
    await store_submission(
        survey,
        {"safer_reporting": "More outreach nights."},
        locale="en",
        channel=None,
        token=secrets.token_urlsafe(16),
    )
    await store_submission(survey, {}, locale="en", channel=None, token=secrets.token_urlsafe(16))
    await sign_in(console, bob)
    page = await console.get("/manage/inbox")
    assert page.status_code == 200
    assert "3 items" in page.text  # the survey response without free text is not listed
    assert "Kerb-crawlers every night near the school." in page.text
    assert "More outreach nights." in page.text
    assert "Riverside" in page.text


async def test_filters_narrow_the_list(console: Any, bob: Any) -> None:
    await _concern(console, "Needles in the alley, awful.", category="litter_needles")
    await _concern(console, "Noise all night long.", category="noise_traffic", area="harbour")
    await _experience(console, "They were kind and helped me a lot.")
    await sign_in(console, bob)

    async def listed(**params: str) -> str:
        response = await console.get("/manage/inbox", params=params)
        assert response.status_code == 200
        return str(response.text)

    assert "1 item" in await listed(kind="experience")
    only_needles = await listed(category="litter_needles")
    assert "Needles in the alley" in only_needles and "Noise all night" not in only_needles
    assert "Noise all night" in await listed(area="harbour")
    assert "0 items" in await listed(status="answered")
    assert "3 items" in await listed(status="received", language="en")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "0 items" in await listed(**{"from": tomorrow})
    assert "3 items" in await listed(to=tomorrow, category="not-a-category")
    scored = await Answer.select(Answer.sentiment).where(Answer.text.is_not_null())
    sentiments = {row["sentiment"] for row in scored}
    for sentiment in sentiments:
        expected = sum(1 for row in scored if row["sentiment"] == sentiment)
        text = await listed(sentiment=sentiment)
        assert f"{expected} item" in text


async def test_the_list_is_paged(console: Any, bob: Any) -> None:
    concern = get_survey("concern")
    assert concern is not None
    for n in range(55):  # stored directly: the API would (rightly) rate-limit us
        await store_submission(
            concern,
            {"category": "other", "area": "riverside", "what_happened": f"Report number {n}."},
            locale="en",
            channel=None,
            token=secrets.token_urlsafe(16),
        )
    await sign_in(console, bob)
    first = await console.get("/manage/inbox")
    assert "55 items" in first.text
    assert first.text.count('name="item"') == 50
    assert "Page 1 of 2" in first.text
    second = await console.get("/manage/inbox", params={"page": "2"})
    assert second.text.count('name="item"') == 5


async def test_free_text_is_escaped_in_the_list_the_reading_view_and_the_csv(
    console: Any, bob: Any
) -> None:
    code = await _concern(console, f"{SCRIPT} and {IMG}")
    response_id = await _response_for(code)
    await console.post(f"/api/v1/receipts/{code}/follow-ups", json={"text": IMG})
    await sign_in(console, bob)
    for path in ("/manage/inbox", f"/manage/inbox/{response_id}"):
        page = await console.get(path)
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert IMG not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    export = await console.get("/manage/inbox/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    texts = {row["text"] for row in rows}
    assert f"{SCRIPT} and {IMG}" in texts  # the CSV holds the text as it was written
    assert IMG in texts


async def test_the_csv_neutralises_spreadsheet_formulas(console: Any, bob: Any) -> None:
    for text in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@Mike was there"):
        await _concern(console, text)
    await sign_in(console, bob)
    export = await console.get("/manage/inbox/export.csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    for row in rows:
        assert row["text"][:1] not in ("=", "+", "-", "@"), row["text"]
    assert "'=1+1" in {row["text"] for row in rows}
    assert await _audit("export") == [
        {"actor": "bob@force.example", "target": "inbox.csv", "detail": "rows=4"}
    ]


async def test_opening_an_item_is_recorded_without_its_text(console: Any, bob: Any) -> None:
    code = await _concern(console, "Someone follows the women home.")
    response_id = await _response_for(code)
    await sign_in(console, bob)
    page = await console.get(f"/manage/inbox/{response_id}")
    assert page.status_code == 200
    assert "Someone follows the women home." in page.text
    assert "Kerb-crawling, or people being approached for sex" in page.text
    entries = await _audit("viewed_free_text")
    assert entries == [{"actor": "bob@force.example", "target": str(response_id), "detail": ""}]
    everything = await AuditEntry.select()
    assert "follows the women" not in repr(everything)
    assert code not in repr(everything)


async def test_an_unknown_item_is_not_found(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    response = await console.get(f"/manage/inbox/{UUID(int=1)}")
    assert response.status_code == 404
    assert await _audit("viewed_free_text") == []


async def test_bulk_status_change_keeps_a_history_and_an_audit(console: Any, bob: Any) -> None:
    codes = [await _concern(console, f"Item {n}.") for n in range(3)]
    ids = [await _response_for(code) for code in codes]
    csrf = await sign_in(console, bob)
    response = await console.post(
        "/manage/inbox/status",
        data={
            "csrf_token": csrf,
            "status": "read",
            "item": [str(ids[0]), str(ids[1])],
            "back": "/manage/inbox?kind=concern",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/inbox?kind=concern&changed=2"
    statuses = sorted(row["status"] for row in await Receipt.select(Receipt.status))
    assert statuses == ["read", "read", "received"]
    assert await StatusChange.count() == 2
    history = await StatusChange.select(StatusChange.status, StatusChange.day)
    assert all(set(row) == {"status", "day"} for row in history)
    assert {row["target"] for row in await _audit("status_changed")} == {str(ids[0]), str(ids[1])}
    follow = await console.get(response.headers["location"])
    assert "Status changed for 2 items." in follow.text
    sneaky = await console.post(
        "/manage/inbox/status",
        data={
            "csrf_token": csrf,
            "status": "withdrawn",
            "item": str(ids[2]),
            "back": "https://evil.example",
        },
    )
    assert sneaky.headers["location"] == "/manage/inbox?changed=0"
    api = await console.get(f"/api/v1/receipts/{codes[0]}")
    assert api.json()["status"] == "read"


async def test_tags_are_added_filtered_and_removed(console: Any, bob: Any) -> None:
    code = await _concern(console, "Needles again.")
    response_id = await _response_for(code)
    await _concern(console, "Something else.")
    csrf = await sign_in(console, bob)
    for raw in ("  Housing  Team ", "housing team"):
        added = await console.post(
            f"/manage/inbox/{response_id}/tags", data={"csrf_token": csrf, "tag": raw}
        )
        assert added.status_code == 303
    assert [row["name"] for row in await FeedbackTag.select(FeedbackTag.name)] == ["housing team"]
    listed = await console.get("/manage/inbox", params={"tag": "housing team"})
    assert "1 item" in listed.text
    removed = await console.post(
        f"/manage/inbox/{response_id}/tags/remove",
        data={"csrf_token": csrf, "tag": "housing team"},
    )
    assert removed.status_code == 303
    assert await FeedbackTag.count() == 0
    assert [row["detail"] for row in await _audit("tagged")] == ["housing team", "housing team"]
    assert [row["detail"] for row in await _audit("untagged")] == ["housing team"]


async def test_a_reply_reaches_the_respondent_through_their_receipt(console: Any, bob: Any) -> None:
    code = await _experience(console, "I reported a robbery and nobody called back.")
    response_id = await _response_for(code)
    csrf = await sign_in(console, bob)
    item = await console.get(f"/manage/inbox/{response_id}")
    assert 'name="body"' in item.text
    reply = "We are sorry. <b>Please</b> call the liaison officer on Tuesday."
    response = await console.post(
        f"/manage/inbox/{response_id}/reply", data={"csrf_token": csrf, "body": reply}
    )
    assert response.status_code == 303
    messages = await Message.select(Message.author, Message.body, Message.day)
    assert [(m["author"], m["body"]) for m in messages] == [("staff", reply)]
    assert isinstance(messages[0]["day"], date)
    receipt = await Receipt.select(Receipt.status).first()
    assert receipt == {"status": "answered"}
    assert await _audit("reply") == [
        {"actor": "bob@force.example", "target": str(response_id), "detail": ""}
    ]
    console.cookies.clear()
    api = await console.get(f"/api/v1/receipts/{code}")
    assert api.status_code == 200
    assert api.json()["status"] == "answered"
    assert api.json()["messages"] == [
        {"author": "staff", "body": reply, "day": messages[0]["day"].isoformat()}
    ]
    page = await console.post("/en/receipt", data={"code": code, "action": "show"})
    assert page.status_code == 200
    assert "Reply from the team" in page.text
    assert "We are sorry. &lt;b&gt;Please&lt;/b&gt; call the liaison officer" in page.text


async def test_no_reply_when_the_respondent_did_not_ask_for_one(console: Any, bob: Any) -> None:
    code = await _experience(console, "Just telling you.", reply=False)
    response_id = await _response_for(code)
    csrf = await sign_in(console, bob)
    item = await console.get(f"/manage/inbox/{response_id}")
    assert 'name="body"' not in item.text
    assert "Not allowed" in item.text
    refused = await console.post(
        f"/manage/inbox/{response_id}/reply", data={"csrf_token": csrf, "body": "Hello"}
    )
    assert refused.status_code == 403
    assert "did not ask for a reply" in refused.text
    assert await Message.count() == 0
    assert (await Receipt.select(Receipt.status).first()) == {"status": "received"}
    assert await _audit("reply") == []


async def test_analysts_and_partners_never_see_free_text(
    console: Any, carol: Any, dan: Any
) -> None:
    code = await _concern(console, "A very private account of what happened.")
    response_id = await _response_for(code)
    for person in (carol, dan):
        await sign_in(console, person)
        for path in ("/manage/inbox", f"/manage/inbox/{response_id}", "/manage/inbox/export.csv"):
            response = await console.get(path)
            assert response.status_code == 403
            assert "very private" not in response.text
        home = await console.get("/manage/")
        assert "/manage/inbox" not in home.text
    assert await _audit("viewed_free_text") == []
    assert await _audit("export") == []
