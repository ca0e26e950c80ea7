"""Questionnaire definition files: parse, validate and version them."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from surveys.scales import SCALE_CONTEXT, SCALES

QuestionKind = Literal["single", "multiple", "yesno", "text", "area"]
KINDS: frozenset[str] = frozenset({"single", "multiple", "yesno", "text", "area"})
SURVEY_KINDS = frozenset({"survey", "concern", "experience"})
GROUPS = frozenset({"worker", "resident"})
MAX_TEXT_LENGTH = 2000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class DefinitionError(Exception):
    """A definition file is wrong; the message lists one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str  # English source text
    context: str  # gettext context the label is translated with


@dataclass(frozen=True, slots=True)
class Condition:
    question: str
    any_of: frozenset[str]


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: QuestionKind
    text: str
    context: str
    options: tuple[Option, ...] = ()
    hint: str | None = None
    source: str | None = None
    required: bool = False
    metric: bool = False
    scale: str | None = None
    show_if: Condition | None = None
    danger: frozenset[str] = frozenset()
    max_length: int | None = None

    @property
    def values(self) -> frozenset[str]:
        return frozenset(option.value for option in self.options)

    def visible(self, answers: Mapping[str, Any]) -> bool:
        if self.show_if is None:
            return True
        given = answers.get(self.show_if.question)
        if given is None:
            return False
        chosen = {given} if isinstance(given, str) else set(given)
        return bool(chosen & self.show_if.any_of)


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    questions: tuple[Question, ...]

    def visible_questions(self, answers: Mapping[str, Any]) -> list[Question]:
        return [question for question in self.questions if question.visible(answers)]


@dataclass(frozen=True, slots=True)
class Survey:
    slug: str
    kind: str
    group: str
    title: str
    intro: str
    pages: tuple[Page, ...]
    version: str
    path: Path
    questions: Mapping[str, Question] = field(default_factory=dict)

    @property
    def context(self) -> str:
        return self.slug

    def page_context(self) -> str:
        return f"{self.slug}:page"

    def visible_pages(self, answers: Mapping[str, Any]) -> list[int]:
        return [i for i, page in enumerate(self.pages) if page.visible_questions(answers)]

    def strings(self) -> Iterator[tuple[str, str, str]]:
        """(context, message, where) for every translatable string, for catalogs and checks."""
        yield self.context, self.title, "title"
        yield self.context, self.intro, "intro"
        for page in self.pages:
            yield self.page_context(), page.title, "page title"
            for question in page.questions:
                yield question.context, question.text, f"{question.id} text"
                if question.hint:
                    yield question.context, question.hint, f"{question.id} hint"
                for option in question.options:
                    yield option.context, option.label, f"{question.id} option {option.value}"


def _scale_options(name: str) -> tuple[Option, ...]:
    return tuple(Option(value, label, SCALE_CONTEXT) for value, label in SCALES[name])


def _str(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' must be a non-empty string")
        return ""
    return value.strip()


_QUESTION_KEYS = frozenset(
    {
        "id",
        "kind",
        "text",
        "hint",
        "source",
        "required",
        "metric",
        "scale",
        "options",
        "show_if",
        "danger",
        "max_length",
    }
)


def _question(
    raw: Mapping[str, Any], slug: str, where: str, problems: list[str]
) -> Question | None:
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        problems.append(f"{where}: 'id' must be snake_case letters, digits and _ (got {qid!r})")
        return None
    where = f"{where} ({qid})"
    for key in sorted(set(raw) - _QUESTION_KEYS):
        problems.append(f"{where}: unknown key '{key}'")
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: 'kind' must be one of {', '.join(sorted(KINDS))}")
        return None
    context = f"{slug}:{qid}"
    text = _str(raw, "text", where, problems)
    options: tuple[Option, ...] = ()
    scale = raw.get("scale")
    if kind in ("single", "multiple"):
        if scale is not None and "options" in raw:
            problems.append(f"{where}: give either 'scale' or 'options', not both")
        elif scale is not None:
            if scale not in SCALES:
                problems.append(f"{where}: unknown scale '{scale}'")
            else:
                options = _scale_options(scale)
        elif isinstance(raw.get("options"), list) and raw["options"]:
            seen: set[str] = set()
            parsed = []
            for item in raw["options"]:
                value = item.get("value") if isinstance(item, dict) else None
                label = item.get("label") if isinstance(item, dict) else None
                if not isinstance(value, str) or not _ID.match(value):
                    problems.append(f"{where}: option value {value!r} must be snake_case")
                    continue
                if value in seen:
                    problems.append(f"{where}: option '{value}' appears twice")
                if not isinstance(label, str) or not label.strip():
                    problems.append(f"{where}: option '{value}' has no label")
                    continue
                seen.add(value)
                parsed.append(Option(value, label.strip(), context))
            options = tuple(parsed)
        else:
            problems.append(f"{where}: a {kind} question needs 'scale' or 'options'")
    elif kind == "yesno":
        options = _scale_options("yesno")
    elif kind == "area":
        # The deployment's areas are added at render time; these are the fixed extras.
        options = _scale_options("area_extra")
    elif "options" in raw or scale is not None:
        problems.append(f"{where}: a {kind} question takes no options")
    max_length = raw.get("max_length")
    if kind == "text":
        if not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_LENGTH:
            problems.append(f"{where}: 'max_length' must be a number from 1 to {MAX_TEXT_LENGTH}")
            max_length = MAX_TEXT_LENGTH
    elif max_length is not None:
        problems.append(f"{where}: only text questions take 'max_length'")
        max_length = None
    danger = raw.get("danger", [])
    if not isinstance(danger, list) or not all(isinstance(d, str) for d in danger):
        problems.append(f"{where}: 'danger' must be a list of answer values")
        danger = []
    show_if = None
    if "show_if" in raw:
        cond = raw["show_if"]
        if (
            not isinstance(cond, dict)
            or not isinstance(cond.get("question"), str)
            or not isinstance(cond.get("any_of"), list)
            or not cond["any_of"]
        ):
            problems.append(f"{where}: 'show_if' needs 'question' and a list 'any_of'")
        else:
            show_if = Condition(cond["question"], frozenset(map(str, cond["any_of"])))
    for flag in ("required", "metric"):
        if flag in raw and not isinstance(raw[flag], bool):
            problems.append(f"{where}: '{flag}' must be true or false")
    hint = raw.get("hint")
    return Question(
        id=qid,
        kind=kind,
        text=text,
        context=context,
        options=options,
        hint=hint.strip() if isinstance(hint, str) and hint.strip() else None,
        source=raw.get("source") if isinstance(raw.get("source"), str) else None,
        required=raw.get("required") is True,
        metric=raw.get("metric") is True,
        scale=scale if isinstance(scale, str) else ("yesno" if kind == "yesno" else None),
        show_if=show_if,
        danger=frozenset(danger),
        max_length=max_length if kind == "text" else None,
    )


def parse_definition(path: Path) -> Survey:
    """Parse and validate one definition file; raise DefinitionError listing every problem."""
    data = path.read_bytes()
    name = path.name
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DefinitionError([f"{name}: not valid TOML ({error})"]) from None
    problems: list[str] = []
    slug = raw.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise DefinitionError([f"{name}: 'slug' must be lower-case letters, digits and -"])
    if slug != path.stem:
        problems.append(f"{name}: slug '{slug}' must match the file name")
    kind = raw.get("kind", "survey")
    if kind not in SURVEY_KINDS:
        problems.append(f"{name}: 'kind' must be one of {', '.join(sorted(SURVEY_KINDS))}")
    group = raw.get("group")
    if group not in GROUPS:
        problems.append(f"{name}: 'group' must be worker or resident")
    title = _str(raw, "title", name, problems)
    intro = _str(raw, "intro", name, problems)
    pages: list[Page] = []
    by_id: dict[str, Question] = {}
    page_of: dict[str, int] = {}
    raw_pages = raw.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        problems.append(f"{name}: needs at least one [[pages]]")
        raw_pages = []
    for index, raw_page in enumerate(raw_pages):
        where = f"{name} page {index + 1}"
        page_title = _str(raw_page, "title", where, problems)
        questions = []
        for raw_question in raw_page.get("questions", []):
            question = _question(raw_question, slug, where, problems)
            if question is None:
                continue
            if question.id in by_id:
                problems.append(f"{where}: question id '{question.id}' is used twice")
                continue
            by_id[question.id] = question
            page_of[question.id] = index
            questions.append(question)
        if not questions:
            problems.append(f"{where}: has no questions")
        pages.append(Page(page_title, tuple(questions)))
    for question in by_id.values():
        where = f"{name} ({question.id})"
        if question.show_if is not None:
            target = by_id.get(question.show_if.question)
            if target is None:
                problems.append(
                    f"{where}: show_if names unknown question '{question.show_if.question}'"
                )
            else:
                if page_of[target.id] >= page_of[question.id]:
                    problems.append(
                        f"{where}: show_if must depend on a question on an earlier page "
                        f"('{target.id}' is not)"
                    )
                unknown = question.show_if.any_of - target.values
                if unknown and target.kind != "area":
                    problems.append(
                        f"{where}: show_if lists {', '.join(sorted(unknown))}, "
                        f"which '{target.id}' does not offer"
                    )
            if question.required:
                problems.append(f"{where}: a conditional question cannot be required")
        if question.danger and question.kind != "area":
            unknown = question.danger - question.values
            if unknown:
                problems.append(f"{where}: danger lists unknown answers {sorted(unknown)}")
        if question.metric and question.scale != "agree":
            problems.append(f"{where}: only agree-scale questions can be trust metrics")
    if problems:
        raise DefinitionError(problems)
    return Survey(
        slug=slug,
        kind=kind,
        group=str(group),
        title=title,
        intro=intro,
        pages=tuple(pages),
        version=hashlib.sha256(data).hexdigest()[:12],
        path=path,
        questions=by_id,
    )


def missing_translations(survey: Survey, locales: Iterable[str], has_translation: Any) -> list[str]:
    """One line per string of the survey that a locale's catalog does not translate."""
    problems = []
    for locale in locales:
        for context, message, where in survey.strings():
            if not has_translation(locale, context, message):
                problems.append(f"{survey.slug} ({where}): no {locale} translation")
    return problems
