"""Signing in and out, the console's start page, and each manager's own account (password, TOTP)."""

from __future__ import annotations

from typing import Any

import segno
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from chorus import accounts, totp
from chorus.audit import record
from chorus.auth import (
    ANY_ROLE,
    CSRF_FIELD,
    LOGIN_COOKIE,
    LOGIN_PATH,
    current,
    identify,
    login_csrf,
    login_csrf_matches,
    new_login_nonce,
    requires,
    safe_next,
)
from chorus.console import (
    CONSOLE_EXCEPTION_HANDLERS,
    account_error,
    cookie_secure,
    field,
    form_of,
    page,
    see_other,
)
from chorus.ratelimit import client_address, get_limiter
from chorus.sessions import COOKIE, end_session, start_session
from chorus.settings import get_settings
from locales.i18n import _, format_number

#: Sign-in attempts allowed from one (hashed) address in ADDRESS_WINDOW seconds.
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = 900


def _minutes(seconds: int) -> str:
    return format_number(max(1, (seconds + 59) // 60))


def _login_page(
    request: Request[Any, Any, Any],
    *,
    error: str | None = None,
    notice: str | None = None,
    email: str = "",
    next_path: str = "",
    status: int = 200,
) -> Template:
    nonce = new_login_nonce()
    response = page(
        request,
        "manage/login.html",
        status=status,
        me=None,
        csrf=login_csrf(nonce),
        error=error,
        notice=notice,
        email=email,
        next_path=safe_next(next_path),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        path=LOGIN_PATH,
        max_age=7200,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )
    return response


class LoginController(Controller):
    path = LOGIN_PATH
    include_in_schema = False
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def form(
        self,
        request: Request[Any, Any, Any],
        next: FromQuery[str] = "",
        expired: FromQuery[str] = "",
    ) -> Response[Any]:
        if await identify(request) is not None:
            return see_other(safe_next(next))
        notice = _("Your session ended. Please sign in again.") if expired else None
        return _login_page(request, notice=notice, next_path=next)

    @post(status_code=200)
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        email = field(form, "email").strip()[:254]
        next_path = field(form, "next")
        if not login_csrf_matches(request.cookies.get(LOGIN_COOKIE), field(form, CSRF_FIELD)):
            return _login_page(
                request,
                error=_("This form has expired. Please try again."),
                email=email,
                next_path=next_path,
                status=403,
            )
        limiter = get_limiter()
        verdict = await limiter.check(
            "manage-login",
            await limiter.address_key(client_address(request.scope)),
            ADDRESS_LIMIT,
            ADDRESS_WINDOW,
        )
        if not verdict.allowed:
            return _login_page(
                request,
                error=_(
                    "There have been too many attempts. Please try again in {minutes} minutes."
                ).format(minutes=_minutes(verdict.retry_after)),
                email=email,
                next_path=next_path,
                status=429,
            )
        result = await accounts.authenticate(email, field(form, "password"), field(form, "code"))
        if result.user is None:
            await record(
                accounts.normalize_email(email) if result.known else "unknown account",
                "login_failed",
                detail=result.outcome,
            )
            if result.outcome == "locked":
                message = _(
                    "Too many wrong attempts. Sign-in is locked for {minutes} minutes."
                ).format(minutes=_minutes(result.retry_after))
                status = 429
            elif result.outcome == "code_needed":
                message = _("Enter the 6-digit code from your authenticator app.")
                status = 401
            else:
                message = _("The e-mail address, password or code is not right.")
                status = 401
            return _login_page(
                request, error=message, email=email, next_path=next_path, status=status
            )
        token = await start_session(result.user.id, replacing=request.cookies.get(COOKIE))
        await record(result.user.email, "login")
        response = see_other(safe_next(next_path))
        response.set_cookie(
            COOKIE,
            token,
            path="/manage",
            httponly=True,
            samesite="strict",
            secure=cookie_secure(request),
        )
        response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
        return response


class ConsoleController(Controller):
    path = "/manage"
    include_in_schema = False
    guards = [requires(*ANY_ROLE)]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        me = current(request)
        counts: dict[str, int] = {}
        if me.role == "manager":
            from feedback.inbox import status_counts

            counts = await status_counts()
        return page(request, "manage/home.html", counts=counts)

    @post("/logout", status_code=200)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        me = current(request)
        token = request.cookies.get(COOKIE)
        if token:
            await end_session(token)
        await record(me.actor, "logout")
        response = see_other(LOGIN_PATH)
        response.delete_cookie(COOKIE, path="/manage")
        return response


class AccountController(Controller):
    """Each manager's own account: their password and their second factor."""

    path = "/manage/account"
    include_in_schema = False
    guards = [requires(*ANY_ROLE)]  # noqa: RUF012
    exception_handlers = CONSOLE_EXCEPTION_HANDLERS

    @get()
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "manage/account.html")

    @post("/password", status_code=200)
    async def change_password(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        assert me.user_id is not None
        form = await form_of(request)
        new = field(form, "new_password")
        error = None
        if not await accounts.verify_current_password(me.user_id, field(form, "password")):
            error = _("Your current password is not right.")
        elif new != field(form, "confirm"):
            error = _("The two new passwords are not the same.")
        else:
            try:
                await accounts.set_password(me.user_id, new)
            except accounts.AccountError as problem:
                error = account_error(problem)
        if error:
            return page(request, "manage/account.html", status=422, error=error)
        await record(me.actor, "password_changed", target=me.name)
        # Every session ended with the change, this one too: sign in with the new password.
        response = see_other(LOGIN_PATH)
        response.delete_cookie(COOKIE, path="/manage")
        return response

    @get("/totp")
    async def totp_form(self, request: Request[Any, Any, Any]) -> Template:
        return _totp_page(request, totp.new_secret())

    @post("/totp", status_code=200)
    async def totp_enable(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        assert me.user_id is not None
        form = await form_of(request)
        secret = field(form, "secret").strip().upper()
        try:
            step = totp.verify(secret, field(form, "code"), None) if len(secret) == 32 else None
        except ValueError:
            step = None
        if step is None:
            return _totp_page(
                request,
                secret if len(secret) == 32 else totp.new_secret(),
                error=_("That code is not right. Check the time on your phone and try again."),
                status=422,
            )
        await accounts.set_totp(me.user_id, secret, step)
        await record(me.actor, "totp_enabled", target=me.name)
        return see_other("/manage/account")

    @post("/totp/disable", status_code=200)
    async def totp_disable(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = current(request)
        assert me.user_id is not None
        if me.role == "admin":
            # Required for admins once on: only another admin can take it off (users page).
            raise PermissionDeniedException()
        form = await form_of(request)
        if not await accounts.verify_current_password(me.user_id, field(form, "password")):
            return page(
                request,
                "manage/account.html",
                status=422,
                error=_("Your current password is not right."),
            )
        await accounts.set_totp(me.user_id, None)
        await record(me.actor, "totp_disabled", target=me.name)
        return see_other("/manage/account")


def _totp_page(
    request: Request[Any, Any, Any], secret: str, *, error: str | None = None, status: int = 200
) -> Template:
    me = current(request)
    uri = totp.provisioning_uri(secret, me.name, get_settings().site_name)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return page(
        request,
        "manage/totp.html",
        status=status,
        secret=secret,
        grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=qr,
        error=error,
    )
