"""What the start page offers: a link, title and line of introduction per questionnaire."""

from __future__ import annotations

from collections.abc import Iterable

from chorus.pages import HomeEntry
from locales.i18n import pgettext, url_code
from surveys.registry import surveys_of_kind


def entries_for(locale: str, kinds: Iterable[str], section: str) -> list[HomeEntry]:
    """Home-page entries for the definitions of these kinds, under /<locale>/<section>/."""
    return [
        HomeEntry(
            href=f"/{url_code(locale)}/{section}/{survey.slug}",
            title=pgettext(survey.context, survey.title),
            description=pgettext(survey.context, survey.intro),
        )
        for kind in kinds
        for survey in surveys_of_kind(kind)
    ]


def home_entries(locale: str) -> list[HomeEntry]:
    return entries_for(locale, ("survey",), "surveys")
