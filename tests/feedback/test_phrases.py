"""Tests of feedback.phrases.key_phrases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.phrases import MAX_WORDS, key_phrases

PLACEHOLDERS = ["[email]", "[phone]", "[postcode]", "[link]", "[handle]"]
VOCABULARY = [
    "the", "officer", "kerb", "crawlers", "park", "needles", "my", "new", "liaison", "came", "and",
    "was", "kind", ".", ",", "station", "report", "ignored", "they",
]  # fmt: skip


def test_noun_phrases_of_english_text() -> None:
    text = (
        "The liaison officer listened to me. Kerb crawlers keep slowing down next to my "
        "teenage daughter. There are needles in the park and the needles are still there."
    )
    phrases = key_phrases(text, "en", limit=10)
    assert phrases[0] == "needles"  # the most frequent comes first
    assert "liaison officer" in phrases
    assert "kerb crawlers" in phrases
    assert "teenage daughter" in phrases
    assert "park" in phrases


def test_longer_phrases_rank_before_shorter_ones_of_equal_count() -> None:
    phrases = key_phrases("The park was quiet. The liaison officer came.", "en")
    assert phrases.index("liaison officer") < phrases.index("park")


def test_lower_cased_and_deduplicated() -> None:
    phrases = key_phrases("The Liaison Officer came. THE LIAISON OFFICER left.", "en")
    assert phrases == ["liaison officer"]


def test_limit() -> None:
    text = "The park, the alley, the school, the station, the shop and the church."
    assert len(key_phrases(text, "en", limit=3)) == 3
    assert key_phrases(text, "en", limit=0) == []


def test_long_phrases_are_cut_to_their_head() -> None:
    phrases = key_phrases(
        "The new neighbourhood police community support officer team leader came.", "en"
    )
    assert phrases
    assert all(len(p.split()) <= MAX_WORDS for p in phrases)
    assert phrases[0].endswith("leader")


def test_stop_word_only_phrases_are_dropped() -> None:
    assert key_phrases("I told them and they told me it was this.", "en") == []


@pytest.mark.parametrize("locale", ["fr", "ro", "pl", "zh_Hans", "ar", ""])
def test_other_languages_give_nothing(locale: str) -> None:
    assert key_phrases("The liaison officer listened to me.", locale) == []


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text: str) -> None:
    assert key_phrases(text, "en") == []


def test_placeholders_never_appear() -> None:
    text = (
        "Write to me at [email] or call [phone]. I live at [postcode] near the [link] park, "
        "my [handle] account. The [phone] liaison officer [email] was kind."
    )
    phrases = key_phrases(text, "en_GB", limit=20)
    assert phrases
    for phrase in phrases:
        assert "[" not in phrase and "]" not in phrase
        for word in ("email", "phone", "postcode", "link", "handle"):
            assert word not in phrase.split(), phrase


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from([*VOCABULARY, *PLACEHOLDERS]),
        max_size=40,
    ),
    limit=st.integers(min_value=0, max_value=8),
)
def test_properties(words: list[str], limit: int) -> None:
    text = " ".join(words)
    phrases = key_phrases(text, "en", limit=limit)
    assert len(phrases) <= limit
    assert len(set(phrases)) == len(phrases)
    for phrase in phrases:
        assert phrase == phrase.lower()
        assert 1 <= len(phrase.split()) <= MAX_WORDS
        assert "[" not in phrase and "]" not in phrase
        for placeholder in PLACEHOLDERS:
            assert placeholder.strip("[]") not in phrase.split()
