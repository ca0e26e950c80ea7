"""Whole, valid answers for any questionnaire, read from its definition (Hypothesis strategies
and plain deterministic ones), and the number of Answer rows a submission must leave."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from surveys.definition import Question, Survey
from surveys.forms import Answers, options_for

#: Free text a reader can check by eye; letters, digits, punctuation and a little non-Latin.
TEXT_ALPHABET = st.characters(
    codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x00"
)


def _value(question: Question) -> st.SearchStrategy[str | list[str]]:
    if question.kind == "text":
        size = min(question.max_length or 200, 200)
        # At least one letter, so the stored (redacted, trimmed) text is never empty.
        return st.builds(
            lambda head, tail: (head + tail).strip() or head,
            st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
            st.text(TEXT_ALPHABET, max_size=size - 1),
        )
    values = [option.value for option in options_for(question)]
    if question.kind == "multiple":
        return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)
    return st.sampled_from(values)


@st.composite
def valid_answers(draw: st.DrawFn, survey: Survey) -> Answers:
    """Every required visible question answered, optional ones sometimes; branching obeyed."""
    answers: Answers = {}
    for page in survey.pages:
        for question in page.questions:
            if not question.visible(answers):
                continue
            if question.required or draw(st.booleans()):
                answers[question.id] = draw(_value(question))
    return answers


def sample_answers(survey: Survey, rng: random.Random, text: str | None = None) -> Answers:
    """The same idea without Hypothesis: for scripts (bench/crash.py) and crash tests."""
    answers: Answers = {}
    for page in survey.pages:
        for question in page.questions:
            if not question.visible(answers):
                continue
            if not (question.required or rng.random() < 0.7):
                continue
            if question.kind == "text":
                answers[question.id] = text or f"sample text {rng.randrange(10**6)}"
                continue
            values = [option.value for option in options_for(question)]
            if question.kind == "multiple":
                answers[question.id] = sorted(rng.sample(values, rng.randint(1, len(values))))
            else:
                answers[question.id] = rng.choice(values)
    return answers


def answer_rows(survey: Survey, answers: Any) -> int:
    """How many Answer rows storing these answers writes (surveys.storage._answer_rows):
    one per chosen option, one per non-empty free text."""
    rows = 0
    for qid, value in answers.items():
        question = survey.questions[qid]
        if question.kind == "text":
            rows += 1 if str(value).strip() else 0
        elif isinstance(value, list):
            rows += len(value)
        else:
            rows += 1
    return rows
