"""Words of danger in free text show the support contacts; ordinary text does not."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.safeguarding import mentions_danger
from tests.surveys.walk import complete


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("He took my passport and says I owe him money", "en"),
        ("I am in danger, please", "en"),
        ("They forced me to work every night", "en"),
        ("Mi-au luat pașaportul", "ro"),
        ("Me obliga a trabajar", "es"),
        ("他拿走了我的护照", "zh_Hans"),
        ("أنا في خطر", "ar"),
        ("เขาบังคับให้ฉันทำงาน", "th"),
        ("Jestem w niebezpieczeństwie", "pl"),
    ],
)
def test_danger_is_recognised_in_each_language(text: str, locale: str) -> None:
    assert mentions_danger(text, locale)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("The officer was kind and took me seriously", "en"),
        ("Grapes and litter everywhere by the shops", "en"),
        ("Me trataron con respeto", "es"),
        ("", "en"),
    ],
)
def test_ordinary_text_is_not_a_danger(text: str, locale: str) -> None:
    assert not mentions_danger(text, locale)


async def test_words_of_danger_show_support_contacts_after_a_report(client: Any) -> None:
    _, html = await complete(
        client,
        "/en/feedback/experience",
        text="He keeps my passport and I cannot leave the flat.",
        choose={"danger_now": "no"},
    )
    assert 'href="tel:999"' in html
    _, calm = await complete(
        client,
        "/en/feedback/experience",
        text="The liaison officer called me back the next day.",
        choose={"danger_now": "no"},
    )
    assert 'href="tel:999"' not in calm
