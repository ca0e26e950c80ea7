"""What the start page offers from the feedback forms."""

from __future__ import annotations

from chorus.pages import HomeEntry
from locales.i18n import pgettext, url_code
from surveys.registry import surveys_of_kind

KINDS = ("concern", "experience")


def home_entries(locale: str) -> list[HomeEntry]:
    return [
        HomeEntry(
            href=f"/{url_code(locale)}/feedback/{survey.slug}",
            title=pgettext(survey.context, survey.title),
            description=pgettext(survey.context, survey.intro),
        )
        for kind in KINDS
        for survey in surveys_of_kind(kind)
    ]
