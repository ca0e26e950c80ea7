"""\"You said, we did\": updates managers publish about a concern category or a theme, with a
title and text per language (English required), shown on the public results page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from chorus.settings import get_settings
from feedback.pipeline import clean
from feedback.tables import Update
from locales.i18n import gettext_noop, translations
from surveys.registry import get_survey

MAX_TITLE = 200
MAX_BODY = 5000
SOURCE = "en"
#: Themes beside the concern categories, for updates about trust and treatment.
THEMES: dict[str, str] = {
    "trust": gettext_noop("Trust and confidence in the police"),
    "treatment": gettext_noop("How the police treat people"),
    "reporting": gettext_noop("Reporting crime"),
    "safety": gettext_noop("Feeling safe"),
    "support": gettext_noop("Support services"),
}


def category_choices(locale: str) -> list[tuple[str, str]]:
    """(code, label in `locale`) of every concern category, then every theme."""
    catalog = translations(locale)
    found: list[tuple[str, str]] = []
    concern = get_survey("concern")
    question = concern.questions.get("category") if concern else None
    for option in question.options if question else ():
        found.append((option.value, catalog.pgettext(option.context, option.label)))
    found.extend((code, catalog.gettext(label)) for code, label in THEMES.items())
    return found


class UpdateInvalid(ValueError):
    """What is wrong with a draft: field name -> problem code."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}={v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class UpdateView:
    id: UUID
    category: str
    titles: dict[str, str]
    bodies: dict[str, str]
    published: bool
    published_day: date | None

    @property
    def title(self) -> str:
        return self.titles.get(SOURCE, "")


@dataclass(frozen=True, slots=True)
class PublishedUpdate:
    id: UUID
    category: str
    category_label: str
    title: str
    body: str
    locale: str  # the language title and body are in: the one asked for, or English
    day: date
    paragraphs: list[str] = field(default_factory=list)


def _texts(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def _view(row: dict[str, Any]) -> UpdateView:
    return UpdateView(
        id=row["id"],
        category=row["category"],
        titles=_texts(row["titles"]),
        bodies=_texts(row["bodies"]),
        published=bool(row["published"]),
        published_day=row["published_day"],
    )


def check_draft(
    category: str, titles: dict[str, str], bodies: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Clean titles and bodies keyed by locale; raise UpdateInvalid naming each problem."""
    problems: dict[str, str] = {}
    if category not in {code for code, _label in category_choices(SOURCE)}:
        problems["category"] = "missing"
    enabled = set(get_settings().locales)
    clean_titles: dict[str, str] = {}
    clean_bodies: dict[str, str] = {}
    for locale in sorted(set(titles) | set(bodies)):
        title = " ".join(clean(titles.get(locale, "")).split())
        body = clean(bodies.get(locale, ""))
        if locale not in enabled or (not title and not body):
            continue
        if not title or not body:
            problems[f"title_{locale}" if not title else f"body_{locale}"] = "half"
        elif len(title) > MAX_TITLE:
            problems[f"title_{locale}"] = "long"
        elif len(body) > MAX_BODY:
            problems[f"body_{locale}"] = "long"
        else:
            clean_titles[locale], clean_bodies[locale] = title, body
    if SOURCE not in clean_titles and not {f"title_{SOURCE}", f"body_{SOURCE}"} & set(problems):
        problems[f"title_{SOURCE}"] = "missing"
    if problems:
        raise UpdateInvalid(problems)
    return clean_titles, clean_bodies


async def save_update(
    update_id: UUID | None, category: str, titles: dict[str, str], bodies: dict[str, str]
) -> UUID:
    """Create (update_id None) or change a draft or published update; returns its id."""
    clean_titles, clean_bodies = check_draft(category, titles, bodies)
    titles_json = json.dumps(clean_titles, ensure_ascii=False, sort_keys=True)
    bodies_json = json.dumps(clean_bodies, ensure_ascii=False, sort_keys=True)
    if update_id is None:
        row = Update(category=category, titles=titles_json, bodies=bodies_json, published=False)
        await Update.insert(row)
        return UUID(str(row.id))
    await Update.update(
        {Update.category: category, Update.titles: titles_json, Update.bodies: bodies_json}
    ).where(Update.id == update_id)
    return update_id


async def list_updates() -> list[UpdateView]:
    rows = await Update.select().order_by(Update.published_day, ascending=False)
    return [_view(row) for row in rows]


async def get_update(update_id: UUID) -> UpdateView | None:
    row = await Update.select().where(Update.id == update_id).first()
    return _view(row) if row else None


async def publish(update_id: UUID, day: date) -> bool:
    """Publish an update (dated `day`); False when there is no such update."""
    if not await Update.exists().where(Update.id == update_id):
        return False
    await Update.update({Update.published: True, Update.published_day: day}).where(
        Update.id == update_id
    )
    return True


async def unpublish(update_id: UUID) -> bool:
    if not await Update.exists().where(Update.id == update_id):
        return False
    await Update.update({Update.published: False}).where(Update.id == update_id)
    return True


async def published_updates(locale: str) -> list[PublishedUpdate]:
    """Published updates, newest first, in `locale` where a translation was given and in
    English otherwise (each update says which, for the page's lang attribute). The text is
    plain: render it escaped, one <p> per item of `paragraphs`."""
    locale = locale.replace("-", "_")
    labels = dict(category_choices(locale))
    rows = (
        await Update.select()
        .where(Update.published == True)  # noqa: E712 - Piccolo builds SQL from ==
        .order_by(Update.published_day, ascending=False)
    )
    found = []
    for row in rows:
        view = _view(row)
        used = locale if locale in view.titles else SOURCE
        body = view.bodies.get(used, "")
        found.append(
            PublishedUpdate(
                id=view.id,
                category=view.category,
                category_label=labels.get(view.category, view.category),
                title=view.titles.get(used, ""),
                body=body,
                locale=used,
                day=row["published_day"],
                paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()],
            )
        )
    return found
