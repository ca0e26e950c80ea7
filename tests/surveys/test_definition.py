"""Definition files are validated with one clear line per problem, and versioned by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.definition import DefinitionError, missing_translations, parse_definition
from surveys.registry import load_registry

GOOD = """
slug = "{slug}"
group = "worker"
kind = "survey"
title = "A title"
intro = "An intro"

[[pages]]
title = "One"

[[pages.questions]]
id = "seen"
kind = "yesno"
text = "Did you see it?"

[[pages]]
title = "Two"

[[pages.questions]]
id = "detail"
kind = "text"
text = "Tell us"
max_length = 100
show_if = {{ question = "seen", any_of = ["yes"] }}
"""


def _write(tmp_path: Path, text: str, slug: str = "sample") -> Path:
    path = tmp_path / f"{slug}.toml"
    path.write_text(text.format(slug=slug) if "{slug}" in text else text)
    return path


def test_a_good_definition_parses(tmp_path: Path) -> None:
    survey = parse_definition(_write(tmp_path, GOOD))
    assert [q.id for page in survey.pages for q in page.questions] == ["seen", "detail"]
    assert survey.questions["detail"].visible({"seen": "yes"})
    assert not survey.questions["detail"].visible({"seen": "no"})
    assert len(survey.version) == 12


def test_the_version_changes_with_the_content(tmp_path: Path) -> None:
    first = parse_definition(_write(tmp_path, GOOD)).version
    second = parse_definition(_write(tmp_path, GOOD.replace("Tell us", "Tell us more"))).version
    assert first != second


def test_each_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    broken = (
        GOOD.replace('id = "detail"', 'id = "seen"')
        .replace('question = "seen"', 'question = "ghost"')
        .replace("max_length = 100", "max_length = 99999")
    )
    with pytest.raises(DefinitionError) as raised:
        parse_definition(_write(tmp_path, broken))
    problems = raised.value.problems
    assert any("question id 'seen' is used twice" in p for p in problems)
    assert any("'max_length' must be a number from 1 to 2000" in p for p in problems)


def test_a_condition_on_an_unknown_question_is_named(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="show_if names unknown question 'ghost'"):
        parse_definition(_write(tmp_path, GOOD.replace('question = "seen"', 'question = "ghost"')))


def test_a_condition_on_an_answer_that_is_not_offered_is_named(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="show_if lists maybe"):
        parse_definition(_write(tmp_path, GOOD.replace('any_of = ["yes"]', 'any_of = ["maybe"]')))


def test_an_unknown_scale_and_unknown_keys_are_named(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "yesno"', 'kind = "single"\nscale = "stars"\ncolour = "red"')
    with pytest.raises(DefinitionError) as raised:
        parse_definition(_write(tmp_path, text))
    assert any("unknown scale 'stars'" in p for p in raised.value.problems)
    assert any("unknown key 'colour'" in p for p in raised.value.problems)


def test_a_slug_must_match_its_file(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(GOOD.format(slug="sample"))
    with pytest.raises(DefinitionError, match="must match the file name"):
        parse_definition(path)


def test_invalid_toml_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        parse_definition(_write(tmp_path, "slug = = 3"))


def test_an_option_missing_a_translation_is_named(tmp_path: Path) -> None:
    survey = parse_definition(_write(tmp_path, GOOD))

    def only_titles(locale: str, context: str | None, message: str) -> bool:
        return message != "Did you see it?"

    problems = missing_translations(survey, ["ro"], only_titles)
    assert problems == ["sample (seen text): no ro translation"]


def test_the_built_in_definitions_are_valid_and_translated_everywhere() -> None:
    registry = load_registry()
    assert {"worker-voice", "community-voice", "concern", "experience"} <= set(registry)
    worker = registry["worker-voice"]
    assert worker.group == "worker"
    metrics = {q.id for q in worker.questions.values() if q.metric}
    assert {"confidence", "relied_on", "respect", "fair"} <= metrics
    for survey in registry.values():
        for question in survey.questions.values():
            assert question.source, f"{survey.slug}:{question.id} names no source"
