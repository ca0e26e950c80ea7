"""Tests of feedback.sentiment: domain phrases, negation, languages, and held-out accuracy."""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textblob import TextBlob

from feedback import sentiment
from feedback.sentiment import Sentiment, classify, label_for

EVAL_CSV = Path(__file__).resolve().parent.parent / "data" / "sentiment_eval.csv"
PRODUCT_TARGET = 0.85


def _rows(split: str) -> list[tuple[str, str]]:
    with EVAL_CSV.open(encoding="utf-8", newline="") as f:
        return [(r["label"], r["text"]) for r in csv.DictReader(f) if r["split"] == split]


@pytest.mark.parametrize(
    "text",
    [
        "The officer laughed at me when I reported it.",
        "I was threatened with arrest.",
        "They never called back.",
        "They ignored my report.",
        "They treated me like a criminal.",
        "The police outed me to my landlord.",
        "They asked about my visa before anything else.",
        "They asked about my immigration status.",
        "I rang 999 and no one came.",
        "There are needles everywhere in the alley.",
        "Kerb crawlers on our road every night.",
        "The police didn't help.",
        "I don't feel safe walking home.",
        "Nobody listened to me.",
        "I don't trust the police.",
        "The officer was rude.",
    ],
)
def test_negative_phrases(text: str) -> None:
    result = classify(text, "en")
    assert result.scored
    assert result.label == "negative", result


@pytest.mark.parametrize(
    "text",
    [
        "The officer took me seriously.",
        "The liaison officer listened to me.",
        "I felt safe.",
        "She made me feel safe.",
        "They kept me informed the whole time.",
        "The detective followed up a week later.",
        "Much better since the new lighting.",
        "The alley has been cleaned up.",
        "The officer was not rude.",
        "They didn't ask about my visa.",
        "They never once judged me.",
        "Far fewer kerb crawlers this summer.",
        "No more needles in the park.",
        "The officer was very helpful.",
    ],
)
def test_positive_phrases(text: str) -> None:
    result = classify(text, "en")
    assert result.scored
    assert result.label == "positive", result


@pytest.mark.parametrize(
    "text",
    [
        "I was stopped near the station on Friday.",
        "How do I contact the liaison officer?",
        "I work indoors with one other woman.",
        "I called [phone] to ask about my case number.",
        "Some officers are good and some are not.",
        "It was neither good nor bad.",
    ],
)
def test_neutral_statements(text: str) -> None:
    assert classify(text, "en").label == "neutral"


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("They helped me.", "They didn't help me."),
        ("The officer was helpful.", "The officer was not helpful."),
        ("They believed me.", "They did not believe me."),
        ("They called me back.", "Nobody ever called me back."),
        ("I felt safe.", "I never felt safe."),
        ("The officer was rude.", "The officer was not rude."),
        ("They laughed at me.", "They did not laugh at me."),
        ("They ignored my report.", "They didn't ignore my report."),
    ],
)
def test_negation_flips_sign(plain: str, negated: str) -> None:
    before = classify(plain, "en").polarity
    after = classify(negated, "en").polarity
    assert before != 0.0
    assert (before > 0) != (after > 0), (before, after)


def test_intensifier_strengthens() -> None:
    assert (
        classify("They were really rude.", "en").polarity
        < classify("They were rude.", "en").polarity
    )


def test_typos_and_missing_apostrophes() -> None:
    assert classify("the officer was agressive", "en").label == "negative"
    assert classify("they didnt help at all", "en").label == "negative"
    assert classify("they were very profesional", "en").label == "positive"


@pytest.mark.parametrize("locale", ["en", "en_GB", "en-US", "EN", "en_gb"])
def test_english_locales_are_scored(locale: str) -> None:
    assert classify("They ignored my report.", locale).scored


@pytest.mark.parametrize("locale", ["ro", "pl", "pt_BR", "zh_Hans", "ar", "th", "", "xx"])
def test_other_languages_are_not_scored(locale: str) -> None:
    assert classify("They ignored my report, horrible.", locale) == Sentiment(
        label="neutral", polarity=0.0, scored=False
    )


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "[email]"])
def test_empty_text_is_not_scored(text: str) -> None:
    result = classify(text, "en")
    assert result == Sentiment(label="neutral", polarity=0.0, scored=False)


def test_french_scored_only_with_textblob_fr(monkeypatch: pytest.MonkeyPatch) -> None:
    sentiment._french_analyser.cache_clear()
    try:
        import textblob_fr  # noqa: F401
    except ImportError:
        assert not classify("La police a été horrible.", "fr").scored
    else:
        result = classify("La police a été horrible avec moi.", "fr_FR")
        assert result.scored
        assert result.label == "negative"
        assert classify("L'agent était très gentil.", "fr").label == "positive"
    # Without the package French must fall back to "not scored", never a guess.
    sentiment._french_analyser.cache_clear()
    monkeypatch.setitem(sys.modules, "textblob_fr", None)
    try:
        assert classify("La police a été horrible.", "fr") == sentiment.NOT_SCORED
    finally:
        sentiment._french_analyser.cache_clear()


def test_result_is_frozen() -> None:
    result = classify("Thank you.", "en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.polarity = 0.5  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), locale=st.sampled_from(["en", "en_GB", "fr", "ro", "ar"]))
def test_any_text_gives_a_valid_result(text: str, locale: str) -> None:
    result = classify(text, locale)
    assert -1.0 <= result.polarity <= 1.0
    assert result.label == label_for(result.polarity)
    if not result.scored:
        assert result.polarity == 0.0


def test_eval_set_is_balanced() -> None:
    counts: dict[tuple[str, str], int] = {}
    with EVAL_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        key = (row["split"], row["label"])
        counts[key] = counts.get(key, 0) + 1
    assert len(rows) >= 240
    assert len({row["text"] for row in rows}) == len(rows)
    assert set(counts) == {
        (split, label)
        for split in ("dev", "heldout")
        for label in ("positive", "negative", "neutral")
    }
    assert max(counts.values()) - min(counts.values()) <= 2


def _accuracy(rows: list[tuple[str, str]], predict: Callable[[str], str]) -> float:
    return sum(predict(text) == label for label, text in rows) / len(rows)


def test_heldout_accuracy_meets_product_target() -> None:
    rows = _rows("heldout")
    accuracy = _accuracy(rows, lambda text: classify(text, "en").label)
    assert accuracy >= PRODUCT_TARGET, f"held-out accuracy {accuracy:.3f}"


def test_beats_plain_textblob_on_heldout() -> None:
    rows = _rows("heldout")
    ours = _accuracy(rows, lambda text: classify(text, "en").label)
    plain = _accuracy(rows, lambda text: label_for(float(TextBlob(text).sentiment.polarity)))
    assert ours > plain, (ours, plain)
