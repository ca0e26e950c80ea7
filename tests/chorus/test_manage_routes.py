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
from surveys.tables import Response
from tests.manage_fixtures import PASSWORD, csrf_of, log_in, session_for, sign_in

pytest_plugins = ["tests.manage_fixtures"]

ROLES = ("admin", "manager", "analyst", "partner")
PUBLIC = {"/manage/login"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: The rights this console grants, by path prefix (longest prefix wins). A /manage route that
#: matches none must still declare its roles with requires(); the walk checks it keeps to them.
EXPECTED: dict[str, frozenset[str]] = {
    "POST /manage/channels": frozenset({"admin", "manager"}),
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


def _expected(method: str, path: str) -> frozenset[str] | None:
    """The rights for the longest matching prefix, a "METHOD /prefix" entry before a plain one."""
    best: tuple[int, int, str] | None = None
    for key in EXPECTED:
        wanted_method, _, prefix = key.rpartition(" ")
        if wanted_method and wanted_method != method:
            continue
        # "/manage" itself is the start page only, not every path under it.
        if path == prefix or (prefix != "/manage" and path.startswith(prefix + "/")):
            rank = (len(prefix), len(wanted_method), key)
            best = rank if best is None or rank > best else best
    return EXPECTED[best[2]] if best else None


class Rights:
    """What all the requires() guards on one handler let through together."""

    def __init__(self, guards: list[Requires]) -> None:
        self.roles = frozenset.intersection(*(guard.roles for guard in guards))
        scopes = {guard.token_scope for guard in guards}
        self.token_scope = scopes.pop() if len(scopes) == 1 else None

    def __repr__(self) -> str:
        return f"roles={sorted(self.roles)} token_scope={self.token_scope!r}"


def guarded_routes(app: Any) -> list[tuple[str, str, Rights]]:
    """(path, method, rights) of every /manage and /api/v1/reports handler but sign-in."""
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
                found.append((path, method, Rights(guards)))
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
    for path, method, rights in guarded_routes(app):
        expected = _expected(method, path)
        if expected is not None:
            assert rights.roles == expected, f"{method} {path}: {rights!r}"
        if path.startswith(FREE_TEXT):
            assert not rights.roles & {"analyst", "partner"}, f"{method} {path} shows free text"
        if path.startswith("/api/"):
            assert rights.token_scope == "reports", f"{method} {path}: {rights!r}"
        else:
            assert rights.token_scope is None, f"{method} {path} takes API tokens"


async def test_every_route_refuses_an_anonymous_request(app: Any, console: Any) -> None:
    for path, method, _rights in guarded_routes(app):
        response = await _call(console, method, _fill(path), None)
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path}"
        else:
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["location"].startswith("/manage/login?next="), path


async def test_every_route_refuses_each_role_outside_its_rights(
    app: Any, console: Any, people: dict[str, Any]
) -> None:
    sessions = {role: await session_for(user) for role, user in people.items()}
    before = await AuditEntry.count()
    for path, method, rights in guarded_routes(app):
        for role in set(ROLES) - rights.roles:
            token, csrf = sessions[role]
            response = await _call(console, method, _fill(path), token, csrf)
            assert response.status_code == 403, f"{role} got {response.status_code}: {path}"
            if not path.startswith("/api/"):
                assert "You cannot" in response.text, path
    assert await AuditEntry.count() == before


async def test_an_api_token_opens_only_reports_routes(app: Any, console: Any, alice: Any) -> None:
    from chorus.tokens import create_token, revoke

    token, token_id = await create_token("bi tool", "reports", alice.email)
    for path, method, rights in guarded_routes(app):
        response = await console.request(
            method, _fill(path), headers={"authorization": f"Bearer {token}"}
        )
        if rights.token_scope == "reports":
            assert response.status_code not in (401, 403), path
        else:
            assert response.status_code in (303, 401), f"{method} {path}"
    await revoke(token_id)
    for path, method, rights in guarded_routes(app):
        if rights.token_scope == "reports":
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
    for path, method, rights in guarded_routes(app):
        if method not in UNSAFE or path.startswith("/api/"):
            continue
        role = sorted(rights.roles)[0]
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
async def test_next_cannot_send_anyone_off_the_console(console: Any, bob: Any, target: str) -> None:
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


async def test_an_admin_makes_a_reports_token_that_is_shown_once_and_revoked(
    console: Any, alice: Any
) -> None:
    import hashlib

    csrf = await sign_in(console, alice)
    made = await console.post("/manage/tokens", data={"csrf_token": csrf, "name": "Force BI"})
    assert made.status_code == 201
    token = re.search(r'<code class="token" dir="ltr">(chorus_[^<]+)</code>', made.text)
    assert token
    value = token.group(1)
    stored = await ApiToken.select(ApiToken.id, ApiToken.token_hash, ApiToken.scope).first()
    assert stored is not None
    assert stored["token_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert stored["scope"] == "reports"
    listing = await console.get("/manage/tokens")
    assert value not in listing.text and "Force BI" in listing.text
    console.cookies.clear()
    bearer = {"authorization": f"Bearer {value}"}
    report = await console.get("/api/v1/reports/concerns", headers=bearer)
    assert report.status_code == 200, report.text
    assert (await console.get("/manage/inbox", headers=bearer)).status_code == 303
    assert (await console.get("/api/v1/reports/concerns")).status_code == 401
    wrong = {"authorization": "Bearer chorus_not-a-real-token"}
    assert (await console.get("/api/v1/reports/concerns", headers=wrong)).status_code == 401
    csrf = await sign_in(console, alice)
    revoked = await console.post(f"/manage/tokens/{stored['id']}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    console.cookies.clear()
    assert (await console.get("/api/v1/reports/concerns", headers=bearer)).status_code == 401
    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.target).where(
        AuditEntry.action.is_in(["token_created", "token_revoked"])
    )
    assert sorted((row["action"], row["target"]) for row in actions) == [
        ("token_created", "Force BI"),
        ("token_revoked", "Force BI"),
    ]
    assert value not in repr(await AuditEntry.select())


async def test_every_audited_action_leaves_an_entry_and_no_respondent_data(
    console: Any, alice: Any, bob: Any, carol: Any
) -> None:
    from chorus import retention, totp
    from chorus.audit import ACTIONS

    secret_text = "Private words only the inbox may show"
    sent = await console.post(
        "/api/v1/feedback/experience",
        json={
            "answers": {
                "contact_kind": "reported_crime",
                "consent": "reply_allowed",
                "what_happened": secret_text,
            },
            "locale": "en",
        },
    )
    code = sent.json()["receipt"]
    stored = await Response.select(Response.id).first()
    assert stored is not None
    response_id = stored["id"]

    await log_in(console, "bob@force.example", "a wrong password!")  # login_failed
    await log_in(console, "bob@force.example")  # login
    home = await console.get("/manage/")
    csrf = csrf_of(home.text)
    item = f"/manage/inbox/{response_id}"
    await console.get(item)  # viewed_free_text
    await console.get("/manage/inbox/export.csv")  # export
    steps = [
        (f"{item}/status", {"status": "read"}),
        (f"{item}/tags", {"tag": "housing"}),
        (f"{item}/tags/remove", {"tag": "housing"}),
        (f"{item}/reply", {"body": "Thank you."}),
        ("/manage/updates", {"category": "trust", "title_en": "T", "body_en": "B"}),
        ("/manage/channels", {"slug": "van", "name": "Van", "kind": "outreach", "owner": ""}),
    ]
    for path, data in steps:
        response = await console.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code == 303, (path, response.text[:500])
    update_id = (await Update.select(Update.id).first() or {})["id"]
    for action in ("publish", "unpublish"):
        await console.post(f"/manage/updates/{update_id}/{action}", data={"csrf_token": csrf})
    setup = await console.get("/manage/account/totp")
    secret = setup.text.split('name="secret" value="', 1)[1].split('"', 1)[0]
    await console.post(
        "/manage/account/totp",
        data={
            "csrf_token": csrf,
            "secret": secret,
            "code": totp.code_at(secret, totp.current_step()),
        },
    )
    await console.post(
        "/manage/account/totp/disable", data={"csrf_token": csrf, "password": PASSWORD}
    )
    new_password = "another long password here"
    await console.post(
        "/manage/account/password",
        data={
            "csrf_token": csrf,
            "password": PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )  # password_changed (and every session of bob ends)
    csrf = await sign_in(console, alice)
    admin_steps = [
        (
            "/manage/users",
            {
                "email": "new@force.example",
                "role": "partner",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
        ),
        (f"/manage/users/{carol.id}/password", {"password": new_password, "confirm": new_password}),
        (f"/manage/users/{carol.id}/role", {"role": "manager"}),
        (f"/manage/users/{carol.id}/deactivate", {}),
        (f"/manage/users/{carol.id}/activate", {}),
        ("/manage/tokens", {"name": "bi"}),
    ]
    for path, data in admin_steps:
        response = await console.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code in (201, 303), (path, response.text[:500])
    token_id = (await ApiToken.select(ApiToken.id).first() or {})["id"]
    await console.post(f"/manage/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    await console.post("/manage/logout", data={"csrf_token": csrf})
    await retention.purge()

    entries = await AuditEntry.select()
    assert {entry["action"] for entry in entries} == set(ACTIONS)
    everything = repr(entries)
    assert secret_text not in everything
    assert code not in everything and code.replace("-", "") not in everything
    assert "Thank you." not in everything
    assert all(entry["at"] is not None for entry in entries)
