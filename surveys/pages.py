"""What the start page offers from the questionnaires."""

from __future__ import annotations

from chorus.pages import HomeEntry
from locales.i18n import pgettext, url_code
from surveys.registry import surveys_of_kind


def home_entries(locale: str) -> list[HomeEntry]:
    return [
        HomeEntry(
            href=f"/{url_code(locale)}/surveys/{survey.slug}",
            title=pgettext(survey.context, survey.title),
            description=pgettext(survey.context, survey.intro),
        )
        for survey in surveys_of_kind("survey")
    ]
