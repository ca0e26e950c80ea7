"""The inbox pages under /manage/inbox: list and filters, export, reading view, status, tags,
replies. Managers only: analysts and partners never see free text."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from chorus.audit import record
from chorus.auth import current, requires
from chorus.coarse_time import coarse_today
from chorus.console import CONSOLE_EXCEPTION_HANDLERS, field, fields, form_of, page, see_other
from chorus.settings import get_settings
from feedback import inbox, inbox_actions
from feedback.inbox_csv import export_rows, inbox_csv
from locales.i18n import _, display_name, format_number, pgettext
from surveys.forms import area_names
from surveys.registry import get_survey


class Labels:
    """Translated names for the codes stored with each answer."""

    def survey(self, slug: str) -> str:
        survey = get_survey(slug)
        return pgettext(survey.context, survey.title) if survey else slug

    def question(self, slug: str, question_id: str) -> str:
        survey = get_survey(slug)
        question = survey.questions.get(question_id) if survey else None
        return pgettext(question.context, question.text) if question else question_id

    def option(self, slug: str, question_id: str, value: str) -> str:
        survey = get_survey(slug)
        question = survey.questions.get(question_id) if survey else None
        if question is None:
            return value
        if question.kind == "area":
            return area_names().get(value, value)
        for option in question.options:
            if option.value == value:
                return pgettext(option.context, option.label)
        return value

    def topic(self, value: str | None) -> str:
        if value is None:
            return "–"
        for _slug, _question, code, label in topic_options():
            if code == value:
                return label
        return value

    def area(self, value: str | None) -> str:
        return area_names().get(value, value) if value else "–"


def topic_options() -> list[tuple[str, str, str, str]]:
    """(survey, question, value, label) of every concern category and contact kind."""
    found = []
    for slug, question_id in (("concern", "category"), ("experience", "contact_kind")):
        survey = get_survey(slug)
        question = survey.questions.get(question_id) if survey else None
        if question is None:
            continue
        for option in question.options:
            found.append((slug, question_id, option.value, pgettext(option.context, option.label)))
    return found


def _filter(request: Request[Any, Any, Any]) -> inbox.InboxFilter:
    return inbox.filter_from(
        request.query_params,
        categories=[value for _s, _q, value, _l in topic_options()],
        areas=area_names(),
        locales=get_settings().locales,
    )


def _back(raw: str) -> str:
    """Where a bulk action returns: the list with its filters, never anywhere else."""
    return (
        raw
        if raw.startswith("/manage/inbox") and "//" not in raw and "\\" not in raw
        else ("/manage/inbox")
    )


class InboxController(Controller):
    path = "/manage/inbox"
    include_in_schema = False
    guards = [requires("manager")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        wanted = _filter(request)
        result = await inbox.list_items(wanted)
        query = urlencode(wanted.query())
        return page(
            request,
            "inbox/list.html",
            result=result,
            wanted=wanted,
            query=query,
            back=f"/manage/inbox?{query}&page={result.page}" if query else "/manage/inbox",
            labels=Labels(),
            topics=topic_options(),
            areas=sorted(area_names().items(), key=lambda pair: pair[1]),
            locales=[(code, display_name(code)) for code in get_settings().locales],
            tags=await inbox_actions.known_tags(),
            statuses=inbox.STATUSES,
            settable=inbox_actions.SETTABLE,
            kinds=inbox.KINDS,
            sentiments=inbox.SENTIMENTS,
            notice=_notice(request.query_params.get("changed")),
        )

    @get("/export.csv")
    async def export(self, request: Request[Any, Any, Any]) -> Response[str]:
        me = current(request)
        wanted = _filter(request)
        rows = await export_rows(wanted)
        detail = " ".join([f"rows={len(rows)}", *(f"{k}={v}" for k, v in wanted.query())])
        await record(me.actor, "export", target="inbox.csv", detail=detail)
        return Response(
            inbox_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="inbox-{date.today().isoformat()}.csv"'
                )
            },
        )

    @post("/status", status_code=200)
    async def bulk_status(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        form = await form_of(request)
        status = field(form, "status")
        back = _back(field(form, "back", "/manage/inbox"))
        ids = _uuids(fields(form, "item"))
        if status not in inbox_actions.SETTABLE or not ids:
            joiner = "&" if "?" in back else "?"
            return see_other(f"{back}{joiner}changed=0")
        changed = await inbox_actions.set_status(ids, status, coarse_today())
        for response_id in changed:
            await record(me.actor, "status_changed", target=str(response_id), detail=status)
        joiner = "&" if "?" in back else "?"
        return see_other(f"{back}{joiner}changed={len(changed)}")

    @get("/{response_id:uuid}")
    async def show(self, request: Request[Any, Any, Any], response_id: FromPath[UUID]) -> Template:
        return await _item_page(request, response_id)

    @post("/{response_id:uuid}/status", status_code=200)
    async def set_status(
        self, request: Request[Any, Any, Any], response_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        status = field(await form_of(request), "status")
        if status in inbox_actions.SETTABLE:
            for changed in await inbox_actions.set_status([response_id], status, coarse_today()):
                await record(me.actor, "status_changed", target=str(changed), detail=status)
        return see_other(f"/manage/inbox/{response_id}")

    @post("/{response_id:uuid}/tags", status_code=200)
    async def add_tag(
        self, request: Request[Any, Any, Any], response_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        name = await inbox_actions.add_tag(response_id, field(await form_of(request), "tag"))
        if name:
            await record(me.actor, "tagged", target=str(response_id), detail=name)
        return see_other(f"/manage/inbox/{response_id}")

    @post("/{response_id:uuid}/tags/remove", status_code=200)
    async def remove_tag(
        self, request: Request[Any, Any, Any], response_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        name = field(await form_of(request), "tag")
        if await inbox_actions.remove_tag(response_id, name):
            await record(me.actor, "untagged", target=str(response_id), detail=name[:40])
        return see_other(f"/manage/inbox/{response_id}")

    @post("/{response_id:uuid}/reply", status_code=200)
    async def reply(
        self, request: Request[Any, Any, Any], response_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        body = field(await form_of(request), "body")
        try:
            await inbox_actions.reply(response_id, body, coarse_today())
        except inbox_actions.ReplyRefused:
            return await _item_page(
                request,
                response_id,
                error=_("This person did not ask for a reply, so none can be sent."),
                status=403,
                audit=False,
            )
        except ValueError:
            return await _item_page(
                request, response_id, error=_("Write a reply first."), status=422, audit=False
            )
        await record(me.actor, "reply", target=str(response_id))
        return see_other(f"/manage/inbox/{response_id}?replied=1")


def _uuids(values: list[str]) -> list[UUID]:
    found = []
    for value in values[:500]:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found


def _notice(changed: str | None) -> str | None:
    if changed is None or not changed.isdigit():
        return None
    count = int(changed)
    if count == 0:
        return _("Nothing was changed. Tick at least one item and choose a status.")
    return _("Status changed for {count} items.").format(count=format_number(count))


async def _item_page(
    request: Request[Any, Any, Any],
    response_id: UUID,
    *,
    error: str | None = None,
    status: int = 200,
    audit: bool = True,
) -> Template:
    me = current(request)
    item = await inbox.get_item(response_id)
    if item is None:
        raise NotFoundException()
    if audit:
        await record(me.actor, "viewed_free_text", target=str(response_id))
    return page(
        request,
        "inbox/item.html",
        status=status,
        item=item,
        labels=Labels(),
        settable=inbox_actions.SETTABLE,
        max_reply=inbox_actions.MAX_REPLY,
        error=error,
        replied=request.query_params.get("replied") == "1",
    )
