"""The free-text pipeline run before anything is stored: redact, then score and summarise."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from feedback.phrases import key_phrases
from feedback.redaction import redact
from feedback.sentiment import classify


@dataclass(frozen=True, slots=True)
class ProcessedText:
    text: str  # redacted: the only form that is ever stored
    sentiment: str
    polarity: float
    scored: bool
    phrases: str  # JSON list


# Bidirectional overrides can make text read differently in the inbox than it was written.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: str) -> str:
    """NFC text without control characters or bidi overrides (they break exports and can
    disguise text); joiners, which some scripts need, stay."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    return "".join(
        ch
        for ch in text
        if ch in "\n\t"
        or (unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") and ch not in _BIDI_CONTROLS)
    ).strip()


def process_text(text: str, locale: str) -> ProcessedText:
    redacted = redact(clean(text)).text
    sentiment = classify(redacted, locale)
    return ProcessedText(
        text=redacted,
        sentiment=sentiment.label,
        polarity=round(sentiment.polarity, 4),
        scored=sentiment.scored,
        phrases=json.dumps(key_phrases(redacted, locale), ensure_ascii=False),
    )
