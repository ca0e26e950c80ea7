"""Exception handlers: every error answers with a clear, translated message, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from locales.i18n import _, current_locale, format_number, ngettext

log = logging.getLogger("chorus.errors")


class RateLimited(HTTPException):
    """Too many attempts from one (hashed) address or against one code prefix."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(detail="rate limited", headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def _message(status: int) -> tuple[str, str]:
    """Title and explanation for a status, in the request's language."""
    if status == 404:
        return _("Page not found"), _(
            "We could not find that page. Check the address, or choose your language below."
        )
    if status == 413:
        return _("What you sent is too long"), _(
            "Please shorten your answers and try again. Nothing was saved."
        )
    if status == 405:
        return _("That did not work"), _("This page cannot be used in that way.")
    if status == 429:
        return _("Please wait before trying again"), _(
            "There have been too many attempts. Nothing was saved."
        )
    if status in (400, 415, 422):
        return _("Something in the request was wrong"), _(
            "We could not read what was sent. Nothing was saved. Please go back and try again."
        )
    if status in (401, 403):
        return _("You cannot see this page"), _("You do not have permission to open this page.")
    if status == 503:
        return _("Service unavailable"), _("The service is not available right now.")
    return _("Sorry, something went wrong"), _(
        "Anything you sent was either saved in full or not at all. "
        "Please try again in a few minutes."
    )


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    title, detail = _message(status)
    headers = dict(exc.headers or {})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        minutes = max(1, (int(retry_after) + 59) // 60)
        detail = ngettext(
            "Please try again in {minutes} minute. Nothing was saved.",
            "Please try again in {minutes} minutes. Nothing was saved.",
            minutes,
        ).format(minutes=format_number(minutes))
    if _wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": detail}
        errors = getattr(exc, "errors", None)
        if errors:
            body["detail"] = exc.detail
            body["errors"] = errors
        elif isinstance(exc, ValidationException) and exc.extra:
            body["errors"] = {
                str(item.get("key") or "body"): str(item.get("message"))
                for item in exc.extra
                if isinstance(item, dict)
            } or None
        return Response(body, status_code=status, headers=headers)
    return Template(
        template_name="error.html",
        context={
            "title": title,
            "detail": detail,
            "status": status,
            "locale": current_locale.get(),
        },
        status_code=status,
        headers=headers,
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The path and the exception type only: the request's headers could identify someone.
    log.error(
        "unhandled error on %s %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        exc_info=exc,
    )
    return http_exception_handler(
        request, HTTPException(status_code=HTTP_500_INTERNAL_SERVER_ERROR)
    )


exception_handlers: dict[Any, Any] = {
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
