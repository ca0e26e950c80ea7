"""Channel pages under /manage/channels: the list with counts, links, QR codes (SVG, PNG) and a
printable A5 poster. Partners see their own channels only; admins and managers make them
(those handlers carry a second, narrower guard)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template

from chorus import channels
from chorus.accounts import list_users
from chorus.audit import record
from chorus.auth import Principal, current, requires
from chorus.console import CONSOLE_EXCEPTION_HANDLERS, field, form_of, page, see_other
from chorus.settings import get_settings
from locales.i18n import (
    _,
    display_name,
    format_number,
    gettext_noop,
    pgettext,
    text_direction,
    translations,
    url_code,
)
from reports.disclosure import suppress_small_cells

#: The neutral lines printed on a poster, in each of its two languages.
POSTER_LINES = (
    gettext_noop("Have your say. It is anonymous: we do not ask your name."),
    gettext_noop("Scan the code with your phone's camera, or type the address."),
)


def _forms() -> list[tuple[str, str, str]]:
    """(survey slug, path under /<locale>, title) of every form a link can open."""
    from surveys.registry import load_registry

    found = []
    for survey in sorted(load_registry().values(), key=lambda s: (s.kind != "survey", s.slug)):
        found.append(
            (
                survey.slug,
                channels.form_path(survey.slug, survey.kind),
                pgettext(survey.context, survey.title),
            )
        )
    return found


def _base_url(request: Request[Any, Any, Any]) -> str:
    return get_settings().public_url or str(request.base_url).rstrip("/")


async def _visible(request: Request[Any, Any, Any], slug: str) -> channels.ChannelView:
    """The channel, if the caller may see it: a partner only their own."""
    me = current(request)
    channel = await channels.get_channel(slug)
    if channel is None:
        raise NotFoundException()
    if me.role == "partner" and channel.owner_id != me.user_id:
        raise PermissionDeniedException()
    return channel


def _may_edit(me: Principal) -> bool:
    return me.role in ("admin", "manager")


async def _counts(views: list[channels.ChannelView]) -> dict[str, int | None]:
    """Responses per channel, None where fewer than MIN_CELL (shown as "fewer than N")."""
    slugs = [view.slug for view in views]
    counts = await channels.response_counts(slugs)
    cells = suppress_small_cells(
        [counts[slug] for slug in slugs], get_settings().min_cell, total_shown=False
    )
    return {slug: cell.value for slug, cell in zip(slugs, cells, strict=True)}


def _link_target(request: Request[Any, Any, Any], channel: channels.ChannelView) -> tuple[str, str]:
    """The (form slug, locale) asked for in ?form=&lang=, checked; and the link it makes."""
    forms = {slug: path for slug, path, _title in _forms()}
    wanted = request.query_params.get("form") or ""
    if wanted not in forms:
        wanted = next(iter(forms))
    locale = request.query_params.get("lang") or get_settings().default_locale
    if locale not in get_settings().locales:
        locale = get_settings().default_locale
    link = channels.short_link(_base_url(request), url_code(locale), forms[wanted], channel.slug)
    return wanted, link


class ChannelsController(Controller):
    path = "/manage/channels"
    include_in_schema = False
    guards = [requires("admin", "manager", "partner")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return await _list_page(request)

    @get("/{slug:str}")
    async def show(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
        return await _channel_page(request, await _visible(request, slug))

    @get("/{slug:str}/qr.svg")
    async def qr_svg(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[bytes]:
        channel = await _visible(request, slug)
        form, link = _link_target(request, channel)
        return _download(request, channels.qr_svg(link), "image/svg+xml", f"{slug}-{form}.svg")

    @get("/{slug:str}/qr.png")
    async def qr_png(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[bytes]:
        channel = await _visible(request, slug)
        form, link = _link_target(request, channel)
        return _download(request, channels.qr_png(link), "image/png", f"{slug}-{form}.png")

    @get("/{slug:str}/poster")
    async def poster(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
        channel = await _visible(request, slug)
        form, link = _link_target(request, channel)
        enabled = get_settings().locales
        chosen = [
            code
            for code in (request.query_params.get("lang"), request.query_params.get("second"))
            if code in enabled
        ] or [get_settings().default_locale]
        blocks = []
        for code in dict.fromkeys(chosen):
            catalog = translations(code)
            blocks.append(
                {
                    "lang": url_code(code),
                    "dir": text_direction(code),
                    "lines": [catalog.gettext(line) for line in POSTER_LINES],
                }
            )
        return page(
            request,
            "manage/poster.html",
            channel=channel,
            link=link,
            qr_path=f"/manage/channels/{slug}/qr.svg?form={form}&lang={chosen[0]}",
            blocks=blocks,
        )

    @post(status_code=200, guards=[requires("admin", "manager")])
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        form = await form_of(request)
        try:
            saved = await channels.save_channel(
                None,
                slug=field(form, "slug"),
                name=field(form, "name"),
                kind=field(form, "kind"),
                owner=field(form, "owner"),
            )
        except channels.ChannelInvalid as invalid:
            return await _list_page(request, problems=invalid.problems, typed=form, status=422)
        await record(me.actor, "channel_saved", target=saved.slug, detail=_detail(saved))
        return see_other(f"/manage/channels/{saved.slug}")

    @post("/{slug:str}", status_code=200, guards=[requires("admin", "manager")])
    async def change(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[Any]:
        me = current(request)
        existing = await channels.get_channel(slug)
        if existing is None:
            raise NotFoundException()
        form = await form_of(request)
        try:
            saved = await channels.save_channel(
                existing,
                slug=slug,
                name=field(form, "name"),
                kind=field(form, "kind"),
                owner=field(form, "owner"),
            )
        except channels.ChannelInvalid as invalid:
            return await _channel_page(request, existing, problems=invalid.problems, status=422)
        await record(me.actor, "channel_saved", target=saved.slug, detail=_detail(saved))
        return see_other(f"/manage/channels/{saved.slug}")


def _detail(channel: channels.ChannelView) -> str:
    return f"kind={channel.kind} owner={channel.owner_email or '-'}"


def _problem_texts(problems: dict[str, str]) -> dict[str, str]:
    texts = {
        ("slug", "invalid"): _(
            "The short name must be 2 to 40 small letters, numbers or dashes, like num-north."
        ),
        ("slug", "taken"): _("There is already a channel with this short name."),
        ("name", "missing"): _("Give the channel a name."),
        ("kind", "missing"): _("Choose what kind of channel it is."),
        ("owner", "unknown"): _("Choose an owner from the list."),
    }
    return {name: texts.get((name, code), code) for name, code in problems.items()}


async def _owners() -> list[tuple[str, str]]:
    return [(str(user.id), user.email) for user in await list_users() if user.active]


async def _list_page(
    request: Request[Any, Any, Any],
    *,
    problems: dict[str, str] | None = None,
    typed: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Template:
    me = current(request)
    views = await channels.list_channels(owner=me.user_id if me.role == "partner" else None)
    return page(
        request,
        "manage/channels.html",
        status=status,
        channels=views,
        counts=await _counts(views),
        min_cell=format_number(get_settings().min_cell),
        may_edit=_may_edit(me),
        owners=await _owners() if _may_edit(me) else [],
        kinds=channels.KINDS,
        problems=_problem_texts(problems or {}),
        typed={key: values[0] for key, values in (typed or {}).items() if values},
    )


async def _channel_page(
    request: Request[Any, Any, Any],
    channel: channels.ChannelView,
    *,
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    me = current(request)
    base = _base_url(request)
    forms = _forms()
    locale = get_settings().default_locale
    return page(
        request,
        "manage/channel.html",
        status=status,
        channel=channel,
        count=(await _counts([channel]))[channel.slug],
        min_cell=format_number(get_settings().min_cell),
        links=[
            (slug, title, channels.short_link(base, url_code(locale), path, channel.slug))
            for slug, path, title in forms
        ],
        forms=forms,
        languages=[(code, display_name(code)) for code in get_settings().locales],
        may_edit=_may_edit(me),
        owners=await _owners() if _may_edit(me) else [],
        kinds=channels.KINDS,
        problems=_problem_texts(problems or {}),
    )


def _download(
    request: Request[Any, Any, Any], body: bytes, media_type: str, filename: str
) -> Response[bytes]:
    headers = {}
    if request.query_params.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers=headers)
