"""Key noun phrases of one piece of English free text, for "key phrases rising this period".

Uses the Pattern tokenizer and chunker bundled with TextBlob (`textblob.en.parse`), which needs no
NLTK data; TextBlob's own `.noun_phrases` does, and fails offline. Other languages give [].
Text reaches this module already redacted: redaction placeholders such as "[email]" are dropped
before parsing so that they can never become a phrase shown in a report.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from textblob.en import parse

MAX_WORDS: Final = 4

_BRACKETED_RE: Final = re.compile(r"\[[^\]]*\]")
# Tags of words that open or close a noun chunk without telling what it is about
# ("the", "my", "two", "which").
_EDGE_TAGS: Final = frozenset(
    {"DT", "PDT", "PRP", "PRP$", "WDT", "WP", "WP$", "CD", "CC", "IN", "TO", "POS", "EX", "LS"}
)
_STOP_WORDS: Final = frozenset(
    {
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
        "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
        "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "etc",
        "every", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
        "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is",
        "it", "its", "itself", "just", "lot", "lots", "me", "more", "most", "my", "myself", "no",
        "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
        "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
        "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
        "thing", "things", "this", "those", "through", "time", "times", "to", "too", "under",
        "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
        "yourselves", "yes", "ok", "okay", "thanks", "thank", "please", "one", "ones", "someone",
        "something", "anyone", "anything", "everyone", "everything", "nobody", "nothing", "none",
        "way", "bit", "kind", "sort", "day", "days",
    }
)  # fmt: skip
_ALPHA_RE: Final = re.compile(r"[a-z]")


def _is_english(locale: str) -> bool:
    return re.split(r"[-_@.]", locale.strip().lower(), maxsplit=1)[0] in ("en", "eng")


def _chunks(text: str) -> list[list[tuple[str, str]]]:
    """Noun-phrase chunks as lists of (word, part-of-speech tag)."""
    tagged: str = parse(text, chunks=True, relations=False, lemmata=False)
    chunks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for sentence in tagged.split("\n"):
        for token in sentence.split(" "):
            parts = token.split("/")
            if len(parts) < 3:
                continue
            word = parts[0].replace("&slash;", "/")
            tag, chunk = parts[1], parts[2]
            if chunk == "I-NP" and current:
                current.append((word, tag))
                continue
            if current:
                chunks.append(current)
            current = [(word, tag)] if chunk in ("B-NP", "I-NP") else []
        if current:
            chunks.append(current)
            current = []
    return chunks


def _clean(chunk: list[tuple[str, str]]) -> str | None:
    words = [
        (word.lower(), tag)
        for word, tag in chunk
        if "[" not in word and "]" not in word and _ALPHA_RE.search(word.lower())
    ]
    while words and (words[0][1] in _EDGE_TAGS or words[0][0] in _STOP_WORDS):
        words.pop(0)
    while words and (words[-1][1] in _EDGE_TAGS or words[-1][0] in _STOP_WORDS):
        words.pop()
    if not words:
        return None
    # The head noun comes last in an English noun phrase, so a long one keeps its end.
    return " ".join(word for word, _ in words[-MAX_WORDS:])


def key_phrases(text: str, locale: str, limit: int = 5) -> list[str]:
    """Up to `limit` lower-cased noun phrases, most frequent first, then longest, then earliest."""
    if limit <= 0 or not text.strip() or not _is_english(locale):
        return []
    # A comma keeps the chunker from joining the words either side of a removed placeholder.
    text = _BRACKETED_RE.sub(" , ", text).replace("[", " ").replace("]", " ")
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for chunk in _chunks(text):
        phrase = _clean(chunk)
        if phrase is None:
            continue
        counts[phrase] += 1
        first_seen.setdefault(phrase, len(first_seen))
    ranked = sorted(counts, key=lambda p: (-counts[p], -len(p.split()), first_seen[p]))
    return ranked[:limit]
