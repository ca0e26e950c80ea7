"""The questionnaires this deployment offers, loaded and validated once at start."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chorus.settings import PROJECT_ROOT, get_settings
from locales.i18n import has_translation
from surveys.definition import DefinitionError, Survey, missing_translations, parse_definition

DEFINITION_DIRS = (
    PROJECT_ROOT / "surveys" / "definitions",
    PROJECT_ROOT / "feedback" / "definitions",
)


def definition_files() -> list[Path]:
    return sorted(path for folder in DEFINITION_DIRS for path in folder.glob("*.toml"))


@lru_cache(maxsize=1)
def load_registry() -> dict[str, Survey]:
    """Every definition, keyed by slug; raises DefinitionError naming each problem."""
    problems: list[str] = []
    surveys: dict[str, Survey] = {}
    for path in definition_files():
        try:
            survey = parse_definition(path)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        if survey.slug in surveys:
            problems.append(f"{path.name}: slug '{survey.slug}' is defined twice")
        surveys[survey.slug] = survey
        problems.extend(missing_translations(survey, get_settings().locales, has_translation))
    if problems:
        raise DefinitionError(problems)
    return surveys


def surveys_of_kind(kind: str) -> list[Survey]:
    return [survey for survey in load_registry().values() if survey.kind == kind]


def get_survey(slug: str) -> Survey | None:
    return load_registry().get(slug)
