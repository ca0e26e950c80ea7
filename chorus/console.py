"""What every manager page shares: the page helper, form reading, redirects and error pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from babel.dates import format_datetime, get_timezone
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from chorus.accounts import MIN_PASSWORD, AccountError, aware
from chorus.auth import CsrfRefused, LoginRequired, current
from chorus.errors import http_exception_handler
from chorus.settings import get_settings
from locales.i18n import _, current_locale, format_number
from surveys.formdata import read_form

Form = dict[str, list[str]]


def page(
    request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any
) -> Template:
    """A console page with the caller (`me`) and their CSRF token (`csrf`) in its context."""
    principal = request.scope.get("state", {}).get("chorus_principal")
    context.setdefault("me", principal)
    context.setdefault("when", when)
    context.setdefault("csrf", principal.csrf if principal is not None else "")
    return Template(template, context=context, status_code=status)


#: Manager timestamps are shown in the force's local time (stored in UTC).
TIMEZONE = "Europe/London"


def when(moment: datetime) -> str:
    """A manager-data timestamp (audit trail, tokens), in local time and the page's language."""
    return str(
        format_datetime(
            aware(moment), "short", tzinfo=get_timezone(TIMEZONE), locale=current_locale.get()
        )
    )


def see_other(path: str) -> Redirect:
    """After a POST: show the result at a GET address (reloading then changes nothing)."""
    return Redirect(path=path, status_code=303)


async def form_of(request: Request[Any, Any, Any]) -> Form:
    return await read_form(request)


def field(form: Mapping[str, Sequence[str]], name: str, default: str = "") -> str:
    values = form.get(name) or [default]
    return values[0]


def fields(form: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return [value for value in form.get(name, []) if value]


def parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def parse_page(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or "1"), 100_000))
    except ValueError:
        return 1


def cookie_secure(request: Request[Any, Any, Any]) -> bool:
    public = get_settings().public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def account_error(error: AccountError) -> str:
    messages = {
        "email_invalid": _("Enter an e-mail address, like name@example.org."),
        "email_taken": _("There is already an account with this e-mail address."),
        "role_invalid": _("Choose a role."),
        "password_short": _("The password must have at least {count} characters.").format(
            count=format_number(MIN_PASSWORD)
        ),
        "password_long": _("The password is too long."),
    }
    return messages.get(error.code, _("That did not work"))


def _problem(request: Request[Any, Any, Any], status: int, title: str, detail: str) -> Template:
    return page(request, "manage/problem.html", status=status, title=title, detail=detail)


def console_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Errors on console pages, in the console's layout; anything else as everywhere else."""
    if isinstance(exc, LoginRequired):
        return Redirect(path=(exc.headers or {})["Location"], status_code=303)
    if isinstance(exc, CsrfRefused):
        return _problem(
            request,
            403,
            _("This form has expired"),
            _("Nothing was changed. Go back, reload the page and try again."),
        )
    if isinstance(exc, PermissionDeniedException):
        return _problem(
            request,
            403,
            _("You cannot use this page"),
            _("Your role does not allow it. Nothing was shown or changed."),
        )
    if isinstance(exc, NotFoundException):
        return _problem(
            request, 404, _("Not found"), _("There is nothing at this address in the console.")
        )
    return http_exception_handler(request, exc)


CONSOLE_EXCEPTION_HANDLERS: dict[Any, Any] = {HTTPException: console_exception_handler}

__all__ = [
    "CONSOLE_EXCEPTION_HANDLERS",
    "Form",
    "current",
    "field",
    "fields",
    "form_of",
    "page",
    "parse_day",
    "parse_page",
    "see_other",
]
