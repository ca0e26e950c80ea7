"""People for the manager console's tests: alice the admin, bob the manager, carol the analyst,
dan the partner (and erin, a second partner). Use with `pytest_plugins = ["tests.manage_fixtures"]`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _person(email: str, role: str) -> Any:
    from chorus.accounts import create_user

    return await create_user(email, role, PASSWORD)


@pytest.fixture
async def console(app: Any, db: None) -> AsyncIterator[Any]:
    """A test client that does not follow redirects, so a test sees each 303 and its cookies."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        test_client.follow_redirects = False
        yield test_client


@pytest.fixture
async def alice(db: None) -> Any:
    return await _person("alice@force.example", "admin")


@pytest.fixture
async def bob(db: None) -> Any:
    return await _person("bob@force.example", "manager")


@pytest.fixture
async def carol(db: None) -> Any:
    return await _person("carol@force.example", "analyst")


@pytest.fixture
async def dan(db: None) -> Any:
    return await _person("dan@outreach.example", "partner")


@pytest.fixture
async def erin(db: None) -> Any:
    return await _person("erin@support.example", "partner")


@pytest.fixture
async def people(alice: Any, bob: Any, carol: Any, dan: Any) -> dict[str, Any]:
    return {"admin": alice, "manager": bob, "analyst": carol, "partner": dan}


async def session_for(user: Any) -> tuple[str, str]:
    """A session made directly (no sign-in form): (cookie token, CSRF token)."""
    from chorus.sessions import csrf_token, session_id, start_session

    token = await start_session(user.id)
    return token, csrf_token(session_id(token))


async def sign_in(client: Any, user: Any) -> str:
    """Put a fresh session for `user` in the client's cookies; returns its CSRF token."""
    from chorus.sessions import COOKIE

    token, csrf = await session_for(user)
    client.cookies.clear()
    client.cookies.set(COOKIE, token)
    return csrf


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def log_in(
    client: Any, email: str, password: str = PASSWORD, *, code: str = "", next: str = ""
) -> Any:
    """Sign in through the form, as a browser does; returns the POST's response."""
    form = await client.get("/manage/login")
    assert form.status_code == 200, form.text
    return await client.post(
        "/manage/login",
        data={
            "csrf_token": csrf_of(form.text),
            "email": email,
            "password": password,
            "code": code,
            "next": next,
        },
    )
