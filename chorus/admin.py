"""Admin pages: users (add, reset a password, change a role, deactivate), the audit trail,
API tokens and the settings in force."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from chorus import accounts, tokens
from chorus.audit import ACTIONS, AuditFilter, record, search
from chorus.auth import current, requires
from chorus.console import (
    CONSOLE_EXCEPTION_HANDLERS,
    account_error,
    field,
    form_of,
    page,
    parse_day,
    parse_page,
    see_other,
)
from chorus.settings import get_settings
from locales.i18n import _


async def _user_or_404(user_id: UUID) -> accounts.User:
    user = await accounts.get_user(user_id)
    if user is None:
        raise NotFoundException()
    return user


class UsersController(Controller):
    path = "/manage/users"
    include_in_schema = False
    guards = [requires("admin")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return _users_page(request, await accounts.list_users())

    @post(status_code=200)
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        form = await form_of(request)
        email, role = field(form, "email"), field(form, "role")
        password = field(form, "password")
        try:
            if password != field(form, "confirm"):
                raise _Mismatch()
            user = await accounts.create_user(email, role, password)
        except _Mismatch:
            error = _("The two passwords are not the same.")
        except accounts.AccountError as problem:
            error = account_error(problem)
        else:
            await record(me.actor, "user_added", target=user.email, detail=f"role={user.role}")
            return see_other(f"/manage/users/{user.id}")
        return _users_page(
            request, await accounts.list_users(), error=error, email=email, role=role, status=422
        )

    @get("/{user_id:uuid}")
    async def show(self, request: Request[Any, Any, Any], user_id: FromPath[UUID]) -> Template:
        return _user_page(request, await _user_or_404(user_id))

    @post("/{user_id:uuid}/password", status_code=200)
    async def reset_password(
        self, request: Request[Any, Any, Any], user_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        user = await _user_or_404(user_id)
        form = await form_of(request)
        password = field(form, "password")
        if password != field(form, "confirm"):
            return _user_page(
                request, user, error=_("The two passwords are not the same."), status=422
            )
        try:
            await accounts.set_password(user.id, password)
        except accounts.AccountError as problem:
            return _user_page(request, user, error=account_error(problem), status=422)
        await record(me.actor, "password_reset", target=user.email)
        return see_other(f"/manage/users/{user.id}?done=password")

    @post("/{user_id:uuid}/role", status_code=200)
    async def change_role(
        self, request: Request[Any, Any, Any], user_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        user = await _user_or_404(user_id)
        role = field(await form_of(request), "role")
        if user.id == me.user_id:
            return _user_page(
                request, user, error=_("You cannot change your own role."), status=422
            )
        try:
            await accounts.set_role(user.id, role)
        except accounts.AccountError as problem:
            return _user_page(request, user, error=account_error(problem), status=422)
        await record(me.actor, "role_changed", target=user.email, detail=f"{user.role}->{role}")
        return see_other(f"/manage/users/{user.id}")

    @post("/{user_id:uuid}/deactivate", status_code=200)
    async def deactivate(
        self, request: Request[Any, Any, Any], user_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        user = await _user_or_404(user_id)
        if user.id == me.user_id:
            return _user_page(
                request, user, error=_("You cannot deactivate your own account."), status=422
            )
        await accounts.set_active(user.id, False)
        await record(me.actor, "user_deactivated", target=user.email)
        return see_other(f"/manage/users/{user.id}")

    @post("/{user_id:uuid}/activate", status_code=200)
    async def activate(
        self, request: Request[Any, Any, Any], user_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        user = await _user_or_404(user_id)
        await accounts.set_active(user.id, True)
        await record(me.actor, "user_activated", target=user.email)
        return see_other(f"/manage/users/{user.id}")

    @post("/{user_id:uuid}/totp/remove", status_code=200)
    async def remove_totp(
        self, request: Request[Any, Any, Any], user_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        user = await _user_or_404(user_id)
        await accounts.set_totp(user.id, None)
        await record(me.actor, "totp_disabled", target=user.email)
        return see_other(f"/manage/users/{user.id}")


class _Mismatch(Exception):
    pass


def _users_page(
    request: Request[Any, Any, Any],
    users: list[accounts.User],
    *,
    error: str | None = None,
    email: str = "",
    role: str = "",
    status: int = 200,
) -> Template:
    return page(
        request,
        "manage/users.html",
        status=status,
        users=users,
        roles=accounts.ROLES,
        error=error,
        email=email,
        role=role,
        now=accounts.now(),
    )


def _user_page(
    request: Request[Any, Any, Any],
    user: accounts.User,
    *,
    error: str | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        "manage/user.html",
        status=status,
        user=user,
        roles=accounts.ROLES,
        error=error,
        done=request.query_params.get("done"),
        locked=user.locked_until is not None and accounts.aware(user.locked_until) > accounts.now(),
    )


class AuditController(Controller):
    path = "/manage/audit"
    include_in_schema = False
    guards = [requires("admin")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        query = request.query_params
        action = query.get("action") or None
        wanted = AuditFilter(
            action=action if action in ACTIONS else None,
            actor=(query.get("actor") or "").strip()[:254] or None,
            date_from=parse_day(query.get("from")),
            date_to=parse_day(query.get("to")),
            page=parse_page(query.get("page")),
        )
        result = await search(wanted)
        return page(
            request,
            "manage/audit.html",
            result=result,
            wanted=wanted,
            actions=ACTIONS,
            page_query=_query_without_page(query),
        )


def _query_without_page(query: Any) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, v in query.multi_items() if k != "page" and v])


class TokensController(Controller):
    path = "/manage/tokens"
    include_in_schema = False
    guards = [requires("admin")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "manage/tokens.html", tokens=await tokens.list_tokens())

    @post(status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Template:
        me = current(request)
        name = field(await form_of(request), "name").strip()[:80]
        if not name:
            return page(
                request,
                "manage/tokens.html",
                status=422,
                tokens=await tokens.list_tokens(),
                error=_("Give the token a name, such as the tool that will use it."),
            )
        token, _token_id = await tokens.create_token(name, "reports", me.actor)
        await record(me.actor, "token_created", target=name, detail="scope=reports")
        # Shown once, on this response only (no-store): it is not kept anywhere in clear.
        return page(
            request,
            "manage/tokens.html",
            status=201,
            tokens=await tokens.list_tokens(),
            new_token=token,
            new_name=name,
        )

    @post("/{token_id:uuid}/revoke", status_code=200)
    async def revoke(
        self, request: Request[Any, Any, Any], token_id: FromPath[UUID]
    ) -> Response[Any]:
        me = current(request)
        name = await tokens.revoke(token_id)
        if name is None:
            raise NotFoundException()
        await record(me.actor, "token_revoked", target=name)
        return see_other("/manage/tokens")


class SettingsController(Controller):
    """The settings in force. They come from the environment (checked at start), so this page
    shows them; changing one is a deployment change, not a click."""

    path = "/manage/settings"
    include_in_schema = False
    guards = [requires("admin")]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "manage/settings.html", settings=get_settings())
