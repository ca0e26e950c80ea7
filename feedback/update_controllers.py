"""The "you said, we did" pages under /manage/updates: write, edit, publish, unpublish."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from chorus.audit import record
from chorus.auth import current, requires
from chorus.coarse_time import coarse_today
from chorus.console import CONSOLE_EXCEPTION_HANDLERS, Form, field, form_of, page, see_other
from chorus.settings import get_settings
from feedback import updates
from locales.i18n import _, current_locale, display_name, format_number, text_direction


def _problem_text(name: str, code: str) -> str:
    locale = name.split("_", 1)[1] if "_" in name else ""
    language = display_name(locale) if locale else ""
    if name == "category":
        return _("Choose what the update is about.")
    if code == "missing":
        return _("Write a title and a text in English: it is shown where there is no translation.")
    if code == "half":
        return _("Write both a title and a text in {language}, or neither.").format(
            language=language
        )
    maximum = updates.MAX_TITLE if name.startswith("title_") else updates.MAX_BODY
    return _("This is too long in {language}: keep it to {maximum} characters.").format(
        language=language, maximum=format_number(maximum)
    )


def _languages() -> list[tuple[str, str, str]]:
    """(locale, name, direction) of every enabled language, English first."""
    locales = sorted(get_settings().locales, key=lambda code: code != updates.SOURCE)
    return [(code, display_name(code), text_direction(code)) for code in locales]


def _edit_page(
    request: Request[Any, Any, Any],
    *,
    update_id: UUID | None,
    category: str,
    titles: dict[str, str],
    bodies: dict[str, str],
    published: bool = False,
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        "updates/edit.html",
        status=status,
        update_id=update_id,
        category=category,
        titles=titles,
        bodies=bodies,
        published=published,
        choices=updates.category_choices(current_locale.get()),
        languages=_languages(),
        problems={name: _problem_text(name, code) for name, code in (problems or {}).items()},
        max_title=updates.MAX_TITLE,
        max_body=updates.MAX_BODY,
    )


def _draft(form: Form) -> tuple[str, dict[str, str], dict[str, str]]:
    titles = {code: field(form, f"title_{code}") for code in get_settings().locales}
    bodies = {code: field(form, f"body_{code}") for code in get_settings().locales}
    return field(form, "category"), titles, bodies


class UpdatesController(Controller):
    path = "/manage/updates"
    include_in_schema = False
    guards = [requires("manager")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "updates/list.html",
            updates=await updates.list_updates(),
            labels=dict(updates.category_choices(current_locale.get())),
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        return _edit_page(request, update_id=None, category="", titles={}, bodies={})

    @post(status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await _save(request, None)

    @get("/{update_id:uuid}")
    async def edit(self, request: Request[Any, Any, Any], update_id: FromPath[UUID]) -> Template:
        update = await updates.get_update(update_id)
        if update is None:
            raise NotFoundException()
        return _edit_page(
            request,
            update_id=update.id,
            category=update.category,
            titles=update.titles,
            bodies=update.bodies,
            published=update.published,
        )

    @post("/{update_id:uuid}", status_code=200)
    async def save(
        self, request: Request[Any, Any, Any], update_id: FromPath[UUID]
    ) -> Response[Any]:
        if await updates.get_update(update_id) is None:
            raise NotFoundException()
        return await _save(request, update_id)

    @post("/{update_id:uuid}/publish", status_code=200)
    async def publish(
        self, request: Request[Any, Any, Any], update_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        if not await updates.publish(update_id, coarse_today()):
            raise NotFoundException()
        await record(me.actor, "update_published", target=str(update_id))
        return see_other("/manage/updates")

    @post("/{update_id:uuid}/unpublish", status_code=200)
    async def unpublish(
        self, request: Request[Any, Any, Any], update_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        if not await updates.unpublish(update_id):
            raise NotFoundException()
        await record(me.actor, "update_unpublished", target=str(update_id))
        return see_other("/manage/updates")


async def _save(request: Request[Any, Any, Any], update_id: UUID | None) -> Response[Any]:
    me = current(request)
    category, titles, bodies = _draft(await form_of(request))
    try:
        saved = await updates.save_update(update_id, category, titles, bodies)
    except updates.UpdateInvalid as invalid:
        existing = await updates.get_update(update_id) if update_id else None
        return _edit_page(
            request,
            update_id=update_id,
            category=category,
            titles=titles,
            bodies=bodies,
            published=existing.published if existing else False,
            problems=invalid.problems,
            status=422,
        )
    languages = sorted(code for code, title in titles.items() if title.strip())
    await record(
        me.actor, "update_saved", target=str(saved), detail=f"{category} {','.join(languages)}"
    )
    return see_other("/manage/updates")
