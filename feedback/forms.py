"""What the start page offers from the feedback forms."""

from __future__ import annotations

from chorus.pages import HomeEntry
from surveys.pages import entries_for

KINDS = ("concern", "experience")


def home_entries(locale: str) -> list[HomeEntry]:
    return entries_for(locale, KINDS, "feedback")
