"""ASGI middleware for every request: locale, security headers and an anonymous access log."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from chorus.settings import get_settings
from locales.i18n import current_locale, current_path, from_url_code, negotiate

access_log = logging.getLogger("chorus.access")

# No inline script or style anywhere, nothing from another origin. Plotly's own bundle is
# served from /static; its charts need inline style attributes, allowed only where charts are.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (
        b"permissions-policy",
        b"accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        b"microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()",
    ),
]

# A receipt code in a path is a secret: the access log keeps the route's shape, not the code.
_RECEIPT_IN_PATH = re.compile(r"(/receipts/)[^/]+")


class HeadMiddleware:
    """Answers HEAD as GET without the body (RFC 9110 §9.3.2), for uptime checks and link
    checkers: Litestar answers 405 to HEAD on a GET route unless each handler lists it. Every
    GET here is safe (no side effects), so running it is harmless; the headers, Content-Length
    included, are exactly those GET would send."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                more = bool(message.get("more_body", False))
                if more:
                    return  # keep only the final, empty body message
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)  # type: ignore[arg-type]


class LocaleMiddleware:
    """Sets the request's locale: the URL prefix when it names an enabled locale, else the
    best match for Accept-Language (for /manage, /api and the not-found page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        first = scope["path"].lstrip("/").split("/", 1)[0]
        locale = from_url_code(first, settings.locales) if first else None
        if locale is None:
            header = ""
            for name, value in scope["headers"]:
                if name == b"accept-language":
                    header = value.decode("latin-1")
                    break
            locale = negotiate(header, settings.locales, settings.default_locale)
        token = current_locale.set(locale)
        path_token = current_path.set(scope["path"])
        try:
            await self.app(scope, receive, send)
        finally:
            current_path.reset(path_token)
            current_locale.reset(token)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, and no-store to everything but assets:
    a form or a receipt must never be kept in a shared phone's cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        is_asset = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", b"server")
                ]
                # A page may narrow or adapt the policy (charts); every other header is ours.
                own_csp = any(k.lower() == b"content-security-policy" for k, _ in headers)
                headers.extend(
                    (k, v)
                    for k, v in SECURITY_HEADERS
                    if not (own_csp and k == b"content-security-policy")
                )
                headers.append(
                    (b"cache-control", b"public, max-age=86400" if is_asset else b"no-store")
                )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLogMiddleware:
    """One JSON line per request: method, path without query string, status, duration.

    Deliberately no client address, user agent, referrer or query string: a respondent's
    request must not be traceable from our logs. The server's own access log is turned off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "event": "request",
                        "method": scope.get("method", ""),
                        "path": _RECEIPT_IN_PATH.sub(r"\1…", scope["path"])[:200],
                        "status": status["code"],
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
            )
