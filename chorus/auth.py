"""Who is asking, and may they: the `requires(...)` guard for /manage and /api/v1/reports.

    from chorus.auth import requires

    class DashboardController(Controller):
        path = "/manage/reports"
        guards = [requires("manager", "analyst")]  # noqa: RUF012

    class ReportsApiController(Controller):
        path = "/api/v1/reports"
        guards = [requires("manager", "analyst", token_scope="reports")]  # noqa: RUF012

The guard finds the manager from the session cookie (or, where `token_scope` is given, from an
`Authorization: Bearer` API token of that scope), refuses anyone else, and checks the CSRF token
of the session on every unsafe method. Handlers read the caller with `current(request)`.

CSRF: a token per session (an HMAC of the session id), sent as the hidden form field
`csrf_token` or the `X-CSRF-Token` header; not Litestar's CSRFConfig, whose cookie would also
be set on the anonymous respondent pages. The sign-in form, which has no session yet, carries a
token tied to a short-lived `chorus_login` cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from chorus.accounts import ROLES, Role
from chorus.sessions import COOKIE, csrf_matches, csrf_token, resume
from chorus.settings import get_settings
from chorus.tokens import resolve as resolve_token

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_COOKIE = "chorus_login"
LOGIN_PATH = "/manage/login"
HOME_PATH = "/manage/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATE_KEY = "chorus_principal"
_UNRESOLVED = object()


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in manager, or an API token (role "token")."""

    name: str  # the manager's e-mail or the token's name: the audit trail's actor
    role: str
    user_id: UUID | None = None
    session_id: str | None = None
    token_scope: str | None = None
    totp_enabled: bool = False

    @property
    def csrf(self) -> str:
        return csrf_token(self.session_id) if self.session_id else ""

    @property
    def actor(self) -> str:
        return f"token:{self.name}" if self.token_scope else self.name


class LoginRequired(HTTPException):
    """Not signed in (or the session ended): a page request is sent to the sign-in form.

    A 303 with a Location header: the application's exception handler keeps the header, so
    the browser follows it whichever package's route raised this."""

    status_code = 303

    def __init__(self, path: str, expired: bool) -> None:
        target = f"{LOGIN_PATH}?next={quote(path, safe='/')}"
        if expired:
            target += "&expired=1"
        super().__init__(detail="sign in", headers={"Location": target})


class CsrfRefused(PermissionDeniedException):
    """An unsafe request without the session's CSRF token."""


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def identify(
    connection: ASGIConnection[Any, Any, Any, Any], *, allow_token: bool = False
) -> Principal | None:
    """The caller, from the session cookie (or an API token where allowed); None if nobody."""
    state = connection.scope.setdefault("state", {})
    cached = state.get(_STATE_KEY, _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached if isinstance(cached, Principal) else None
    principal: Principal | None = None
    bearer = _bearer(connection) if allow_token else None
    if bearer is not None:
        found = await resolve_token(bearer)
        if found is not None:
            principal = Principal(name=found.name, role="token", token_scope=found.scope)
    else:
        session = await resume(connection.cookies.get(COOKIE))
        if session is not None:
            principal = Principal(
                name=session.email,
                role=session.role,
                user_id=session.user_id,
                session_id=session.session_id,
                totp_enabled=session.totp_enabled,
            )
    state[_STATE_KEY] = principal
    return principal


def current(request: Request[Any, Any, Any]) -> Principal:
    """The caller of a guarded handler (the guard has already identified them)."""
    principal = request.scope.get("state", {}).get(_STATE_KEY)
    if not isinstance(principal, Principal):
        raise NotAuthorizedException()
    return principal


async def _csrf_given(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get(CSRF_HEADER)
    if header:
        return header
    if isinstance(connection, Request):
        content_type = connection.headers.get("content-type", "").split(";", 1)[0].strip()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            value = (await connection.form()).get(CSRF_FIELD)
            return value if isinstance(value, str) else ""
    return ""


class Requires:
    """A Litestar guard admitting the given roles (and API tokens of `token_scope`)."""

    def __init__(self, roles: tuple[Role, ...], token_scope: str | None) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown or not roles:
            raise ValueError(f"requires() needs roles from {ROLES}, got {roles}")
        self.roles = frozenset(roles)
        self.token_scope = token_scope

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        principal = await identify(connection, allow_token=self.token_scope is not None)
        path = connection.scope["path"]
        method = str(connection.scope.get("method", "GET")).upper()
        if principal is None:
            if _is_api(path):
                raise NotAuthorizedException(headers={"WWW-Authenticate": "Bearer"})
            had_cookie = bool(connection.cookies.get(COOKIE))
            if method not in SAFE_METHODS:
                # A form sent after the session ended: what it asked is not done; sign in again.
                raise LoginRequired(HOME_PATH, expired=had_cookie)
            query = connection.scope.get("query_string", b"").decode("latin-1")
            raise LoginRequired(f"{path}?{query}" if query else path, expired=had_cookie)
        if principal.token_scope is not None:
            # No cookie is involved, so there is nothing to forge: no CSRF check.
            if principal.token_scope != self.token_scope:
                raise PermissionDeniedException()
            return
        if principal.role not in self.roles:
            raise PermissionDeniedException()
        if method not in SAFE_METHODS and not csrf_matches(
            principal.session_id or "", await _csrf_given(connection)
        ):
            raise CsrfRefused()

    def __repr__(self) -> str:
        return f"requires({', '.join(sorted(self.roles))}, token_scope={self.token_scope!r})"


def requires(*roles: Role, token_scope: str | None = None) -> Requires:
    """A guard: only these roles (and API tokens of `token_scope`, when given) get through."""
    return Requires(tuple(roles), token_scope)


ANY_ROLE: tuple[Role, ...] = ROLES


# --- the sign-in form's own CSRF token (no session exists yet) ---------------------------------


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_csrf(nonce: str) -> str:
    return hmac.new(get_settings().secret_key, b"login\0" + nonce.encode(), "sha256").hexdigest()


def login_csrf_matches(nonce: str | None, given: str) -> bool:
    return bool(nonce) and bool(given) and hmac.compare_digest(login_csrf(nonce or ""), given)


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a path inside /manage on this site, else the home page.
    Refuses other sites (https://…, //host, /\\host), dot segments and control characters."""
    if not raw or len(raw) > 1000:
        return HOME_PATH
    if any(ord(ch) < 32 or ch == "\\" for ch in raw):
        return HOME_PATH
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or raw.startswith("//"):
        return HOME_PATH
    if not (parts.path == "/manage" or parts.path.startswith("/manage/")):
        return HOME_PATH
    if ".." in unquote(parts.path).split("/") or parts.path.startswith(LOGIN_PATH):
        return HOME_PATH
    return raw
