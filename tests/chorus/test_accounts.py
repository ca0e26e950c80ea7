"""Manager accounts: argon2id passwords, signing in and out, throttling and lock-out, sessions
that time out, the second factor, admin changes and `chorus user add`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

from chorus import totp
from chorus.accounts import AccountError, create_user, now
from chorus.tables import AuditEntry, ManagerSession, ManagerUser
from tests.manage_fixtures import PASSWORD, csrf_of, log_in, sign_in

pytest_plugins = ["tests.manage_fixtures"]


async def _audit(action: str) -> list[dict[str, Any]]:
    return await AuditEntry.select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail).where(
        AuditEntry.action == action
    )


async def test_a_password_is_stored_only_as_an_argon2id_hash(bob: Any) -> None:
    row = await ManagerUser.select(ManagerUser.password_hash).first()
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_bad_accounts_are_refused(db: None) -> None:
    await create_user("Someone@Force.example", "manager", PASSWORD)
    for email, role, password, code in (
        ("someone@force.example", "manager", PASSWORD, "email_taken"),
        ("not-an-email", "manager", PASSWORD, "email_invalid"),
        ("new@force.example", "superuser", PASSWORD, "role_invalid"),
        ("new@force.example", "manager", "short", "password_short"),
    ):
        try:
            await create_user(email, role, password)
        except AccountError as error:
            assert error.code == code
        else:
            raise AssertionError(f"{email} {role} was accepted")
    assert await ManagerUser.count() == 1


async def test_signing_in_sets_a_strict_session_cookie_and_is_audited(
    console: Any, bob: Any
) -> None:
    response = await log_in(console, "BOB@force.example")
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("chorus_session=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/manage" in lowered
    assert "secure" not in lowered  # plain http here
    home = await console.get("/manage/")
    assert home.status_code == 200
    assert "bob@force.example" in home.text
    assert await _audit("login") == [{"actor": "bob@force.example", "target": "", "detail": ""}]


async def test_the_cookie_is_secure_over_https(app: Any, bob: Any) -> None:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="https://testserver.local") as secure_client:
        secure_client.follow_redirects = False
        response = await log_in(secure_client, "bob@force.example")
    assert response.status_code == 303
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert any(c.startswith("chorus_session=") and "Secure" in c for c in cookies)


async def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    console: Any, bob: Any
) -> None:
    wrong = await log_in(console, "bob@force.example", "not the password at all")
    unknown = await log_in(console, "nobody@force.example", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "The e-mail address, password or code is not right." in response.text
        assert "chorus_session=" not in response.headers.get("set-cookie", "")
    failed = await _audit("login_failed")
    assert {row["actor"] for row in failed} == {"bob@force.example", "unknown account"}
    assert (await console.get("/manage/")).status_code == 303


async def test_an_account_locks_after_five_wrong_passwords(console: Any, bob: Any) -> None:
    for _ in range(4):
        assert (await log_in(console, "bob@force.example", "wrong password!!")).status_code == 401
    fifth = await log_in(console, "bob@force.example", "wrong password!!")
    assert fifth.status_code == 429
    assert "Sign-in is locked for 15 minutes" in fifth.text
    right = await log_in(console, "bob@force.example", PASSWORD)
    assert right.status_code == 429
    assert (await console.get("/manage/")).status_code == 303
    row = await ManagerUser.select(ManagerUser.locked_until).first()
    assert row is not None and row["locked_until"] is not None


async def test_an_unknown_account_locks_the_same_way(console: Any, db: None) -> None:
    answers = [
        (await log_in(console, "ghost@force.example", "whatever it is")).status_code
        for _ in range(5)
    ]
    assert answers == [401, 401, 401, 401, 429]


async def test_one_address_is_throttled_across_accounts(console: Any, bob: Any) -> None:
    statuses = []
    for n in range(21):
        response = await log_in(console, f"guess{n}@force.example", "whatever it is")
        statuses.append(response.status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    assert "too many attempts" in response.text
    # The real person, from that address, must wait too: the limit is per address.
    assert (await log_in(console, "bob@force.example")).status_code == 429


async def test_a_deactivated_account_cannot_sign_in(console: Any, alice: Any, bob: Any) -> None:
    csrf = await sign_in(console, alice)
    response = await console.post(f"/manage/users/{bob.id}/deactivate", data={"csrf_token": csrf})
    assert response.status_code == 303
    console.cookies.clear()
    assert (await log_in(console, "bob@force.example")).status_code == 401
    assert await _audit("user_deactivated") == [
        {"actor": "alice@force.example", "target": "bob@force.example", "detail": ""}
    ]


async def test_signing_out_ends_the_session(console: Any, bob: Any) -> None:
    await log_in(console, "bob@force.example")
    home = await console.get("/manage/")
    response = await console.post("/manage/logout", data={"csrf_token": csrf_of(home.text)})
    assert response.status_code == 303
    assert await ManagerSession.count() == 0
    assert (await console.get("/manage/")).status_code == 303
    assert len(await _audit("logout")) == 1


async def test_an_idle_session_times_out(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    await ManagerSession.update({ManagerSession.last_seen: now() - timedelta(minutes=31)}).where(
        ManagerSession.user == bob.id
    )
    response = await console.get("/manage/inbox")
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/login?next=/manage/inbox&expired=1"
    assert await ManagerSession.count() == 0
    page = await console.get(response.headers["location"])
    assert "Your session ended" in page.text


async def test_a_session_ends_after_twelve_hours_however_busy(console: Any, bob: Any) -> None:
    await sign_in(console, bob)
    await ManagerSession.update(
        {ManagerSession.created: now() - timedelta(hours=12, minutes=1)}, force=True
    )
    assert (await console.get("/manage/")).status_code == 303


def test_totp_matches_the_rfc_6238_test_vector() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.code_at(secret, 1111111109 // 30) == "081804"
    assert totp.verify(secret, "287 082", None, now=59) == 1
    assert totp.verify(secret, "287082", 1, now=59) is None  # used once already
    assert totp.verify(secret, "000000", None, now=59) is None


async def test_a_second_factor_is_required_once_turned_on(console: Any, bob: Any) -> None:
    await log_in(console, "bob@force.example")
    setup = await console.get("/manage/account/totp")
    assert setup.status_code == 200
    assert 'src="data:image/svg+xml' in setup.text
    secret = setup.text.split('name="secret" value="', 1)[1].split('"', 1)[0]
    wrong = await console.post(
        "/manage/account/totp",
        data={"csrf_token": csrf_of(setup.text), "secret": secret, "code": "000000"},
    )
    assert wrong.status_code == 422
    step = totp.current_step()
    enabled = await console.post(
        "/manage/account/totp",
        data={
            "csrf_token": csrf_of(setup.text),
            "secret": secret,
            "code": totp.code_at(secret, step),
        },
    )
    assert enabled.status_code == 303
    assert len(await _audit("totp_enabled")) == 1
    console.cookies.clear()
    without = await log_in(console, "bob@force.example")
    assert without.status_code == 401
    assert "Enter the 6-digit code" in without.text
    replayed = await log_in(console, "bob@force.example", code=totp.code_at(secret, step))
    assert replayed.status_code == 401
    fresh = await log_in(console, "bob@force.example", code=totp.code_at(secret, step + 1))
    assert fresh.status_code == 303


async def test_an_admin_cannot_turn_off_their_own_second_factor(console: Any, alice: Any) -> None:
    from chorus.accounts import set_totp

    await set_totp(alice.id, totp.new_secret())
    csrf = await sign_in(console, alice)
    response = await console.post(
        "/manage/account/totp/disable", data={"csrf_token": csrf, "password": PASSWORD}
    )
    assert response.status_code == 403
    row = await ManagerUser.select(ManagerUser.totp_secret).where(ManagerUser.id == alice.id)
    assert row[0]["totp_secret"]


async def test_an_admin_resets_a_password_and_the_old_one_stops_working(
    console: Any, alice: Any, bob: Any
) -> None:
    from tests.manage_fixtures import session_for

    bob_token, _ = await session_for(bob)
    csrf = await sign_in(console, alice)
    new = "a brand new long password"
    mismatch = await console.post(
        f"/manage/users/{bob.id}/password",
        data={"csrf_token": csrf, "password": new, "confirm": "something else"},
    )
    assert mismatch.status_code == 422
    response = await console.post(
        f"/manage/users/{bob.id}/password",
        data={"csrf_token": csrf, "password": new, "confirm": new},
    )
    assert response.status_code == 303
    assert not await ManagerSession.exists().where(ManagerSession.user == bob.id)
    del bob_token
    console.cookies.clear()
    assert (await log_in(console, "bob@force.example")).status_code == 401
    assert (await log_in(console, "bob@force.example", new)).status_code == 303
    assert await _audit("password_reset") == [
        {"actor": "alice@force.example", "target": "bob@force.example", "detail": ""}
    ]


async def test_an_admin_adds_a_user_and_lists_them(console: Any, alice: Any) -> None:
    csrf = await sign_in(console, alice)
    response = await console.post(
        "/manage/users",
        data={
            "csrf_token": csrf,
            "email": "frank@force.example",
            "role": "analyst",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 303
    listing = await console.get("/manage/users")
    assert "frank@force.example" in listing.text
    assert "Analyst" in listing.text
    assert await _audit("user_added") == [
        {"actor": "alice@force.example", "target": "frank@force.example", "detail": "role=analyst"}
    ]
    again = await console.post(
        "/manage/users",
        data={
            "csrf_token": csrf,
            "email": "frank@force.example",
            "role": "analyst",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert again.status_code == 422
    assert "There is already an account" in again.text


async def test_an_admin_changes_a_role_and_the_session_ends(
    console: Any, alice: Any, carol: Any
) -> None:
    from tests.manage_fixtures import session_for

    await session_for(carol)
    csrf = await sign_in(console, alice)
    response = await console.post(
        f"/manage/users/{carol.id}/role", data={"csrf_token": csrf, "role": "manager"}
    )
    assert response.status_code == 303
    row = await ManagerUser.select(ManagerUser.role).where(ManagerUser.id == carol.id)
    assert row == [{"role": "manager"}]
    assert not await ManagerSession.exists().where(ManagerSession.user == carol.id)
    assert await _audit("role_changed") == [
        {
            "actor": "alice@force.example",
            "target": "carol@force.example",
            "detail": "analyst->manager",
        }
    ]


async def test_the_audit_trail_filters_by_action_actor_and_day(
    console: Any, alice: Any, bob: Any
) -> None:
    await log_in(console, "bob@force.example", "wrong password!!")
    await log_in(console, "bob@force.example")
    csrf = await sign_in(console, alice)
    del csrf
    everything = await console.get("/manage/audit")
    assert everything.status_code == 200
    assert "Failed sign-in" in everything.text
    only_failed = await console.get("/manage/audit", params={"action": "login_failed"})
    assert only_failed.text.count("<tr>") == 2  # the header row and one entry
    by_actor = await console.get("/manage/audit", params={"actor": "BOB@"})
    assert by_actor.text.count("bob@force.example") >= 2
    today = now().date()
    future = await console.get("/manage/audit", params={"from": str(today + timedelta(days=2))})
    assert "bob@force.example</td>" not in future.text


def test_chorus_user_add_reads_the_password_from_stdin(migrated: None) -> None:
    env = dict(os.environ)
    command = [sys.executable, "-m", "chorus.cli", "user", "add", "grace@force.example"]
    result = subprocess.run(
        [*command, "--role", "manager"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Added grace@force.example as manager." in result.stdout
    again = subprocess.run(
        [*command, "--role", "manager"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert again.returncode == 2
    assert "already an account" in again.stderr
    short = subprocess.run(
        [sys.executable, "-m", "chorus.cli", "user", "add", "h@force.example", "--role", "admin"],
        input="short\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert short.returncode == 2
    assert "at least 12 characters" in short.stderr


async def test_an_admin_sees_a_locked_account_and_a_new_password_unlocks_it(
    console: Any, alice: Any, bob: Any
) -> None:
    for _ in range(5):
        await log_in(console, "bob@force.example", "wrong password!!")
    csrf = await sign_in(console, alice)
    listing = await console.get("/manage/users")
    assert listing.status_code == 200
    assert "Locked" in listing.text
    page = await console.get(f"/manage/users/{bob.id}")
    assert "Locked after wrong passwords" in page.text
    new = "a brand new long password"
    await console.post(
        f"/manage/users/{bob.id}/password",
        data={"csrf_token": csrf, "password": new, "confirm": new},
    )
    console.cookies.clear()
    assert (await log_in(console, "bob@force.example", new)).status_code == 303


def test_two_serve_processes_share_sessions(db: None, tmp_path: Any) -> None:
    """Sessions live in the database: signed in through one process, signed in on all."""
    import re

    import httpx

    from tests.servers import serving

    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "chorus.cli",
            "user",
            "add",
            "ivy@force.example",
            "--role",
            "manager",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    with (
        serving(tmp_path, env=env, name="a") as first,
        serving(tmp_path, env=env, name="b") as second,
        httpx.Client(base_url=first.url) as one,
        httpx.Client(base_url=second.url) as two,
    ):
        form = one.get("/manage/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf
        signed_in = one.post(
            "/manage/login",
            data={"csrf_token": csrf.group(1), "email": "ivy@force.example", "password": PASSWORD},
        )
        assert signed_in.status_code == 303
        token = signed_in.cookies["chorus_session"]
        cookie = {"cookie": f"chorus_session={token}"}
        elsewhere = two.get("/manage/", headers=cookie)
        assert elsewhere.status_code == 200
        assert "ivy@force.example" in elsewhere.text
        home = one.get("/manage/", headers=cookie)
        assert (
            two.post(
                "/manage/logout", headers=cookie, data={"csrf_token": csrf_of(home.text)}
            ).status_code
            == 303
        )
        assert one.get("/manage/", headers=cookie).status_code == 303
