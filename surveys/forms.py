"""Answers in, answers checked: validation shared by the HTML pages and the JSON API."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chorus.settings import get_settings
from locales.i18n import _, format_number, ngettext
from surveys.definition import Option, Question, Survey

Answers = dict[str, str | list[str]]
AREA_CONTEXT = "area"


def area_value(name: str) -> str:
    """A stable answer value for a configured area name ("Old Town" -> "old_town")."""
    value = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:40]
    return value if value and value[0].isalpha() else f"a_{value}"[:40]


def options_for(question: Question) -> tuple[Option, ...]:
    if question.kind != "area":
        return question.options
    configured = tuple(
        Option(area_value(name), name, AREA_CONTEXT) for name in get_settings().areas
    )
    return configured + question.options


def area_names() -> dict[str, str]:
    return {area_value(name): name for name in get_settings().areas}


@dataclass(frozen=True, slots=True)
class FieldError:
    question: str
    message: str


def too_long(length: int, maximum: int) -> str:
    """Two sentences, each with its own plural, so every language can count properly."""
    has = ngettext(
        "Your answer has {length} character.", "Your answer has {length} characters.", length
    ).format(length=format_number(length))
    keep = ngettext(
        "Please keep it to {maximum} character or fewer.",
        "Please keep it to {maximum} characters or fewer.",
        maximum,
    ).format(maximum=format_number(maximum))
    return f"{has} {keep}"


def check_answer(
    question: Question, given: Sequence[str]
) -> tuple[str | list[str] | None, str | None]:
    """The stored form of one question's answer and an error message, from raw values."""
    values = [value for value in given if value != ""]
    if question.kind == "text":
        if len(values) > 1:
            return None, _("Send one answer to this question.")
        text = values[0].strip() if values else ""
        if question.max_length is not None and len(text) > question.max_length:
            return None, too_long(len(text), question.max_length)
        if not text:
            return None, _("Please answer this question.") if question.required else None
        return text, None
    allowed = {option.value for option in options_for(question)}
    if not values:
        return None, _("Please answer this question.") if question.required else None
    if any(value not in allowed for value in values):
        return None, _("Choose one of the answers shown.")
    if question.kind == "multiple":
        # Order as offered, each once, so the stored answer does not depend on the client.
        chosen = set(values)
        return [o.value for o in options_for(question) if o.value in chosen], None
    if len(set(values)) > 1:
        return None, _("Choose only one answer.")
    return values[0], None


def check_page(
    questions: Sequence[Question], form: Mapping[str, Sequence[str]]
) -> tuple[Answers, list[FieldError]]:
    answers: Answers = {}
    errors: list[FieldError] = []
    for question in questions:
        value, error = check_answer(question, form.get(question.id, ()))
        if error is not None:
            errors.append(FieldError(question.id, error))
        elif value is not None:
            answers[question.id] = value
    return answers, errors


def check_all(survey: Survey, submitted: Mapping[str, Any]) -> tuple[Answers, list[FieldError]]:
    """Check a whole submission at once (the API): unknown questions, branching, every field."""
    errors: list[FieldError] = []
    answers: Answers = {}
    for qid in submitted:
        if qid not in survey.questions:
            errors.append(FieldError(str(qid)[:40], _("There is no such question in this survey.")))
    for page in survey.pages:
        for question in page.questions:
            raw = submitted.get(question.id)
            if raw is None:
                given: list[str] = []
            elif isinstance(raw, str):
                given = [raw]
            elif isinstance(raw, list) and all(isinstance(v, str) for v in raw):
                given = list(raw)
            else:
                errors.append(FieldError(question.id, _("Choose one of the answers shown.")))
                continue
            if not question.visible(answers):
                if [v for v in given if v]:
                    errors.append(
                        FieldError(
                            question.id,
                            _("This question does not apply, given your earlier answers."),
                        )
                    )
                continue
            if question.kind != "multiple" and len(given) > 1:
                errors.append(FieldError(question.id, _("Choose only one answer.")))
                continue
            value, error = check_answer(question, given)
            if error is not None:
                errors.append(FieldError(question.id, error))
            elif value is not None:
                answers[question.id] = value
    return answers, errors


def prune_hidden(survey: Survey, answers: Answers) -> Answers:
    """Drop answers to questions that earlier (changed) answers now hide."""
    kept: Answers = {}
    for page in survey.pages:
        for question in page.questions:
            if question.id in answers and question.visible(kept):
                kept[question.id] = answers[question.id]
    return kept


def in_danger(survey: Survey, answers: Answers, locale: str = "en") -> bool:
    """Whether to show support contacts: a danger answer, or words of danger in free text."""
    from feedback.safeguarding import mentions_danger

    for qid, value in answers.items():
        question = survey.questions.get(qid)
        if question is None:
            continue
        if question.kind == "text" and isinstance(value, str) and mentions_danger(value, locale):
            return True
        if not question.danger:
            continue
        chosen = {value} if isinstance(value, str) else set(value)
        if chosen & question.danger:
            return True
    return False
