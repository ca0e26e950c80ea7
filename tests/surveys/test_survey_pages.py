"""Answering a questionnaire with JavaScript off, in every language, stored once, anonymously."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.settings import SHIPPED_LOCALES
from feedback.receipts import ALPHABET, normalize_code
from locales.i18n import url_code
from surveys.tables import Answer, Response
from tests.conftest import row_counts, state_of
from tests.surveys.walk import RECEIPT, complete


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
@pytest.mark.parametrize("slug", ["worker-voice", "community-voice"])
async def test_a_survey_can_be_completed_in_every_language(
    client: Any, locale: str, slug: str
) -> None:
    code, html = await complete(client, f"/{url_code(locale)}/surveys/{slug}")
    assert f'<html lang="{url_code(locale)}"' in html
    normal = normalize_code(code)
    assert normal is not None and len(normal) == 20
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)
    rows = await Response.select().where(Response.survey == slug)
    assert len(rows) == 1
    assert rows[0]["locale"] == locale
    assert rows[0]["kind"] == "survey"
    assert rows[0]["respondent_group"] == ("worker" if slug == "worker-voice" else "resident")
    answers = await Answer.count().where(Answer.response == rows[0]["id"])
    assert answers >= 10


async def test_progress_is_shown_and_back_keeps_answers(client: Any) -> None:
    first = await client.get("/en/surveys/worker-voice")
    assert "Page 1 of 6" in first.text
    second = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(first.text), "confidence": "strongly_agree", "action": "next"},
    )
    assert "Page 2 of 6" in second.text
    back = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(second.text), "victim_12m": "yes", "action": "back"},
    )
    assert "Page 1 of 6" in back.text
    assert 'value="strongly_agree" id="confidence-field" checked' in back.text
    forward = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(back.text), "confidence": "strongly_agree", "action": "next"},
    )
    assert 'name="victim_12m" value="yes" id="victim_12m-field" checked' in forward.text


async def test_branching_shows_follow_up_questions_only_when_they_apply(client: Any) -> None:
    page = await client.get("/en/surveys/worker-voice")
    page = await client.post(
        "/en/surveys/worker-voice", data={"state": state_of(page.text), "action": "next"}
    )
    with_victim = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(page.text), "victim_12m": "yes", "action": "next"},
    )
    assert 'name="reported_to"' in with_victim.text
    without = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(page.text), "victim_12m": "no", "action": "next"},
    )
    assert 'name="reported_to"' not in without.text


async def test_a_wrong_answer_is_explained_next_to_the_field_and_in_a_summary(
    client: Any,
) -> None:
    page = await client.get("/ro/surveys/worker-voice")
    response = await client.post(
        "/ro/surveys/worker-voice",
        data={"state": state_of(page.text), "confidence": "banana", "action": "next"},
    )
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text
    assert 'href="#confidence-field"' in response.text
    assert 'id="confidence-error"' in response.text
    assert "Choose one of the answers shown." not in response.text  # in Romanian
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


async def test_text_over_its_cap_is_refused_and_shown_again(client: Any) -> None:
    html = (await client.get("/en/surveys/worker-voice")).text
    for _ in range(5):
        html = (
            await client.post(
                "/en/surveys/worker-voice", data={"state": state_of(html), "action": "next"}
            )
        ).text
    assert 'name="safer_reporting"' in html
    too_long = "word " * 300
    response = await client.post(
        "/en/surveys/worker-voice",
        data={"state": state_of(html), "action": "next", "safer_reporting": too_long},
    )
    assert response.status_code == 422
    assert (
        "Your answer has 1,499 characters. Please keep it to 1,000 characters or fewer."
        in response.text
    )
    assert "word word word" in response.text
    assert await Response.count() == 0


async def test_a_forged_or_foreign_state_changes_nothing(client: Any) -> None:
    page = await client.get("/en/surveys/worker-voice")
    state = state_of(page.text)
    forged = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    for bad_state in (forged, "", "x" * 70_000):
        response = await client.post(
            "/en/surveys/worker-voice", data={"state": bad_state, "action": "next"}
        )
        assert response.status_code in (400, 413)
    # A state from one survey cannot be used in another.
    response = await client.post(
        "/en/surveys/community-voice", data={"state": state, "action": "next"}
    )
    assert response.status_code == 400
    assert "This form has expired or was changed" in response.text
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


async def test_a_double_submit_stores_once_and_shows_the_same_receipt(client: Any) -> None:
    html = (await client.get("/en/feedback/concern")).text
    html = (
        await client.post(
            "/en/feedback/concern",
            data={
                "state": state_of(html),
                "action": "next",
                "category": "litter_needles",
                "area": "old_town",
            },
        )
    ).text
    final = {"state": state_of(html), "action": "next", "what_happened": "Needles by the park."}
    first = await client.post("/en/feedback/concern", data=final)
    second = await client.post("/en/feedback/concern", data=final)
    code_one = RECEIPT.search(first.text)
    code_two = RECEIPT.search(second.text)
    assert code_one and code_two
    assert code_one.group(1) == code_two.group(1)
    assert await Response.count() == 1


async def test_the_honeypot_stores_nothing(client: Any) -> None:
    page = await client.get("/en/surveys/community-voice")
    response = await client.post(
        "/en/surveys/community-voice",
        data={"state": state_of(page.text), "action": "next", "website": "http://spam"},
    )
    assert response.status_code == 400
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"state=%FF%FE&action=next", "application/x-www-form-urlencoded", 400),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded", 400),
        (b'{"state": "x"}', "application/json", 415),
        (b"&".join([b"a=1"] * 400), "application/x-www-form-urlencoded", 400),
    ],
)
async def test_malformed_form_posts_get_a_clear_answer(
    client: Any, body: bytes, content_type: str, status: int
) -> None:
    response = await client.post(
        "/pl/surveys/worker-voice", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert '<html lang="pl"' in response.text
    assert "Traceback" not in response.text
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}


async def test_an_unknown_survey_is_a_translated_404(client: Any) -> None:
    response = await client.get("/hu/surveys/no-such-survey")
    assert response.status_code == 404
    assert '<html lang="hu"' in response.text
    feedback_as_survey = await client.get("/en/surveys/concern")
    assert feedback_as_survey.status_code == 404


async def test_a_known_channel_is_recorded_and_an_unknown_one_is_not(client: Any) -> None:
    await complete(client, "/en/surveys/community-voice?c=outreach-van")
    await complete(client, "/en/surveys/community-voice?c=<script>")
    channels = sorted(str(row["channel"]) for row in await Response.select(Response.channel))
    assert channels == ["None", "outreach-van"]


async def test_danger_answers_show_support_contacts_in_the_language(client: Any) -> None:
    _, html = await complete(client, "/ro/surveys/worker-voice", choose={"danger_now": "yes"})
    assert 'href="tel:999"' in html
    assert 'id="help-title"' in html
    _, calm = await complete(client, "/ro/surveys/worker-voice", choose={"danger_now": "no"})
    assert 'href="tel:999"' not in calm


async def test_free_text_is_redacted_before_it_is_stored(client: Any) -> None:
    await complete(
        client,
        "/en/surveys/worker-voice",
        text="Call me on 07700 900123 or mail jo@example.com. The officer was kind.",
    )
    rows = await Answer.select(Answer.text).where(Answer.question == "safer_reporting")
    assert len(rows) == 1
    stored = rows[0]["text"]
    assert "07700" not in stored and "example.com" not in stored
    assert "[phone]" in stored and "[email]" in stored


def test_receipt_codes_use_no_look_alike_characters() -> None:
    for letter in "ILOU":
        assert letter not in ALPHABET
    assert len(ALPHABET) == 32  # 5 bits a character, 20 characters: 100 bits
