"""Every console and reports route is closed to anyone without the right role, and every unsafe
one needs the session's CSRF token; sessions cannot be fixed and `next=` cannot leave the site.

The walk reads `app.routes`, so a route added later is checked without changing this file."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from chorus.auth import Requires, safe_next
from chorus.tables import ApiToken, AuditEntry, Channel, ManagerSession, ManagerUser
from feedback.tables import FeedbackTag, Message, Receipt, StatusChange, Update
from tests.manage_fixtures import PASSWORD, csrf_of, log_in, session_for, sign_in

pytest_plugins = ["tests.manage_fixtures"]

ROLES = ("admin", "manager", "analyst", "partner")
PUBLIC = {"/manage/login"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: The rights this console grants, by path prefix (longest prefix wins). A /manage route that
#: matches none must still declare its roles with requires(); the walk checks it keeps to them.
EXPECTED: dict[str, frozenset[str]] = {
    "/manage": frozenset(ROLES),
    "/manage/logout": frozenset(ROLES),
    "/manage/account": frozenset(ROLES),
    "/manage/users": frozenset({"admin"}),
    "/manage/audit": frozenset({"admin"}),
    "/manage/tokens": frozenset({"admin"}),
    "/manage/settings": frozenset({"admin"}),
    "/manage/inbox": frozenset({"manager"}),
    "/manage/updates": frozenset({"manager"}),
    "/manage/channels": frozenset({"admin", "manager", "partner"}),
}
#: Routes that show free text: analysts and partners must never be let in.
FREE_TEXT = ("/manage/inbox",)
_PARAM = re.compile(r"\{(\w+):(\w+)\}")


def _fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind == "uuid":
            return str(uuid.uuid4())
        if kind == "int":
            return "1"
        return "x"

    return _PARAM.sub(value, path)


def _expected(path: str) -> frozenset[str] | None:
    best = None
    for prefix in EXPECTED:
        if (path == prefix or path.startswith(prefix + "/")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return EXPECTED[best] if best else None


def guarded_routes(app: Any) -> list[tuple[str, str, Requires]]:
    """(path, method, guard) of every /manage and /api/v1/reports handler but sign-in."""
    found = []
    for route in app.routes:
        path = route.path
        if not (path.startswith("/manage") or path.startswith("/api/v1/reports")):
            continue
        if path in PUBLIC:
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                guards = [g for g in handler.resolve_guards() if isinstance(g, Requires)]
                assert guards, f"{method} {path} has no requires() guard"
                found.append((path, method, guards[0]))
    return found


async def _call(client: Any, method: str, path: str, token: str | None, csrf: str = "") -> Any:
    headers = {"cookie": f"chorus_session={token}"} if token else {}
    if method in UNSAFE:
        return await client.request(
            method, path, data={"csrf_token": csrf} if csrf else {}, headers=headers
        )
    return await client.request(method, path, headers=headers)


def test_the_walk_finds_the_console(app: Any) -> None:
    paths = {path for path, _, _ in guarded_routes(app)}
    for expected in ("/manage", "/manage/users", "/manage/inbox", "/manage/audit"):
        assert expected in paths


def test_every_route_declares_the_rights_this_console_expects(app: Any) -> None:
    for path, method, guard in guarded_routes(app):
        expected = _expected(path)
        if expected is not None:
            assert guard.roles == expected, f"{method} {path}: {guard!r}"
        if path.startswith(FREE_TEXT):
            assert not guard.roles & {"analyst", "partner"}, f"{method} {path} shows free text"
        if path.startswith("/api/"):
            assert guard.token_scope == "reports", f"{method} {path}: {guard!r}"
        else:
            assert guard.token_scope is None, f"{method} {path} takes API tokens"


async def test_every_route_refuses_an_anonymous_request(app: Any, console: Any) -> None:
    for path, method, _guard in guarded_routes(app):
        response = await _call(console, method, _fill(path), None)
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path}"
        elif method in UNSAFE:
            assert response.status_code == 401, f"{method} {path}"
        else:
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["location"].startswith("/manage/login?next="), path


async def test_every_route_refuses_each_role_outside_its_rights(
    app: Any, console: Any, people: dict[str, Any]
) -> None:
    sessions = {role: await session_for(user) for role, user in people.items()}
    before = await AuditEntry.count()
    for path, method, guard in guarded_routes(app):
        for role in set(ROLES) - guard.roles:
            token, csrf = sessions[role]
            response = await _call(console, method, _fill(path), token, csrf)
            assert response.status_code == 403, f"{role} got {response.status_code}: {path}"
            assert "You cannot use this page" in response.text or path.startswith("/api/")
    assert await AuditEntry.count() == before


async def test_an_api_token_opens_only_reports_routes(
    app: Any, console: Any, alice: Any
) -> None:
    from chorus.tokens import create_token, revoke

    token, token_id = await create_token("bi tool", "reports", alice.email)
    for path, method, guard in guarded_routes(app):
        response = await console.request(
            method, _fill(path), headers={"authorization": f"Bearer {token}"}
        )
        if guard.token_scope == "reports":
            assert response.status_code not in (401, 403), path
        else:
            assert response.status_code in (303, 401), f"{method} {path}"
    await revoke(token_id)
    for path, method, guard in guarded_routes(app):
        if guard.token_scope == "reports":
            response = await console.request(
                method, _fill(path), headers={"authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, path


async def _row_counts() -> dict[str, int]:
    tables = (
        ManagerUser,
        ManagerSession,
        ApiToken,
        AuditEntry,
        Channel,
        FeedbackTag,
        StatusChange,
        Message,
        Receipt,
        Update,
    )
    return {table._meta.tablename: await table.count() for table in tables}


async def test_every_unsafe_route_needs_the_sessions_csrf_token(
    app: Any, console: Any, people: dict[str, Any]
) -> None:
    sessions = {role: await session_for(user) for role, user in people.items()}
    other_csrf = (await session_for(people["admin"]))[1]
    before = await _row_counts()
    checked = 0
    for path, method, guard in guarded_routes(app):
        if method not in UNSAFE or path.startswith("/api/"):
            continue
        role = sorted(guard.roles)[0]
        token, _csrf = sessions[role]
        for given in ("", "0" * 64, other_csrf):
            response = await _call(console, method, _fill(path), token, given)
            assert response.status_code == 403, f"{method} {path} with {given!r}"
            assert "This form has expired" in response.text
        checked += 1
    assert checked >= 10
    assert await _row_counts() == before


async def test_the_csrf_token_also_works_as_a_header(console: Any, bob: Any) -> None:
    csrf = await sign_in(console, bob)
    response = await console.post("/manage/logout", headers={"x-csrf-token": csrf})
    assert response.status_code == 303


async def test_the_sign_in_form_has_its_own_csrf_token(console: Any, bob: Any) -> None:
    form = await console.get("/manage/login")
    token = csrf_of(form.text)
    fields = {"email": "bob@force.example", "password": PASSWORD}
    console.cookies.clear()
    no_cookie = await console.post("/manage/login", data={**fields, "csrf_token": token})
    assert no_cookie.status_code == 403
    await console.get("/manage/login")
    wrong = await console.post("/manage/login", data={**fields, "csrf_token": "f" * 64})
    assert wrong.status_code == 403
    assert "This form has expired" in wrong.text
    assert await ManagerSession.count() == 0


async def test_a_session_id_planted_before_sign_in_is_not_valid_after(
    console: Any, bob: Any, carol: Any
) -> None:
    console.cookies.set("chorus_session", "planted-by-someone-else")
    response = await log_in(console, "bob@force.example")
    assert response.status_code == 303
    issued = response.cookies.get("chorus_session")
    assert issued and issued != "planted-by-someone-else"
    planted = await console.get(
        "/manage/", headers={"cookie": "chorus_session=planted-by-someone-else"}
    )
    assert planted.status_code == 303
    # A real session that was in the browser (here carol's) is ended, not carried over.
    carol_token, _ = await session_for(carol)
    console.cookies.clear()
    form = await console.get("/manage/login")
    console.cookies.set("chorus_session", carol_token)
    again = await console.post(
        "/manage/login",
        data={"csrf_token": csrf_of(form.text), "email": "bob@force.example", "password": PASSWORD},
    )
    assert again.cookies.get("chorus_session") not in (None, carol_token)
    old = await console.get("/manage/", headers={"cookie": f"chorus_session={carol_token}"})
    assert old.status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/manage",
        "/\\evil.example",
        "\\\\evil.example",
        "/manage/../../evil",
        "/manage/%2e%2e/%2e%2e/evil",
        "javascript:alert(1)",
        "/en/receipt",
        "http:/manage",
        "/manage\t/x",
    ],
)
async def test_next_cannot_send_anyone_off_the_console(
    console: Any, bob: Any, target: str
) -> None:
    assert safe_next(target) == "/manage/"
    response = await log_in(console, "bob@force.example", next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/"
    again = await console.get("/manage/login", params={"next": target})
    assert again.headers["location"] == "/manage/"


async def test_next_returns_to_the_page_asked_for(console: Any, bob: Any) -> None:
    asked = await console.get("/manage/inbox?status=read")
    assert asked.status_code == 303
    login_page = await console.get(asked.headers["location"])
    assert 'name="next" value="/manage/inbox?status=read"' in login_page.text
    response = await log_in(console, "bob@force.example", next="/manage/inbox?status=read")
    assert response.headers["location"] == "/manage/inbox?status=read"


async def test_console_pages_carry_the_security_headers(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    for path in ("/manage/login", "/manage/", "/manage/inbox"):
        response = await console.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script" not in response.text
        assert "style=" not in response.text


async def test_the_console_speaks_the_browsers_language(console: Any, bob: Any) -> None:
    from chorus.settings import get_settings

    await sign_in(console, bob)
    wanted = "ro" if "ro" in get_settings().locales else "en"
    response = await console.get("/manage/", headers={"accept-language": f"{wanted},en;q=0.5"})
    assert f'<html lang="{wanted}"' in response.text
