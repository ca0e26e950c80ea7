"""Two `chorus serve` processes on one database and one Redis act as one service: what is sent
to one is seen, answered, reported and withdrawn through the other; a manager signed in on
one is signed in on both, and signed out of both; and the limits tests/feedback/
test_shared_limits.py does not cover are shared too (the HTML form and the API count in one
submission budget, the per-code-prefix lookup limit, a proof-of-work solution is spent once).

Runs on the suite's database: PostgreSQL, or (two processes on one SQLite file being a
supported small deployment) SQLite.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.proof.client import Http, can_bind
from tests.proof.pages import walk
from tests.servers import Server, serving

REDIS_URL = "redis://127.0.0.1:6379/0"
SUBMIT_LIMIT = 8
MIN_CELL = 5
#: Source addresses: each is a separate identity for the (hashed) address limits.
REPORTING = "127.0.0.1"
LIMITED = "127.0.0.3"
SPENDING = "127.0.0.4"
PASSWORD = "a long enough passphrase for tests"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Pair:
    a: Server
    b: Server

    def client(self, server: Server, source: str = REPORTING) -> Http:
        return Http(server.port, source, headers={"Accept-Language": "en"})


@pytest.fixture(scope="module")
def pair(migrated: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Started once for the module; each test still starts from empty tables (`db`) and uses
    its own source address, so the (hashed) address limits of one do not touch another."""
    tmp_path = tmp_path_factory.mktemp("two-processes")
    env = {
        "REDIS_URL": REDIS_URL,
        "CHORUS_REDIS_PREFIX": f"chorus-proof-{secrets.token_hex(4)}",
        "CHORUS_SUBMIT_LIMIT": str(SUBMIT_LIMIT),
        "CHORUS_RECEIPT_LIMIT": "1000",
        "CHORUS_MIN_CELL": str(MIN_CELL),
        "CHORUS_PROOF_OF_WORK": "1",
        "CHORUS_PROOF_OF_WORK_MAX": "1000",
    }
    with (
        serving(tmp_path, env=env, name="a") as a,
        serving(tmp_path, env=env, name="b") as b,
    ):
        yield Pair(a, b)


def solved(client: Http) -> str:
    """A proof-of-work solution to a challenge issued by the server `client` talks to."""
    from chorus.challenge import Challenge, encode_solution, solve

    status, text = client.get("/api/v1/challenge")
    assert status == 200, text
    issued = Challenge(**json.loads(text))
    return encode_solution(issued, solve(issued))


def submit(client: Http, answers: dict[str, Any], *, pow_from: Http | None = None) -> str:
    status, text = client.json(
        "POST",
        "/api/v1/surveys/worker-voice/responses",
        {"answers": answers, "pow": solved(pow_from or client)},
    )
    assert status == 201, text
    return str(json.loads(text)["receipt"])


def trust_index_base(client: Http, token: str) -> int:
    """Respondents behind the trust index over last month, this month and next month."""
    from chorus.coarse_time import coarse_today, period_of

    year, month = map(int, period_of(coarse_today()).split("-"))
    first = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    last = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
    reply = client.call(
        "GET",
        f"/api/v1/reports/trust?group=worker&from={first}&to={last}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status == 200, reply.text
    document = json.loads(reply.text)
    series = [s for s in document["series"] if s["metric"] == "trust_index"]
    assert len(series) == 1, document
    return sum(point["base"] or 0 for point in series[0]["points"])


async def test_what_is_sent_to_one_is_seen_through_the_other(pair: Pair, db: None) -> None:
    import asyncio

    from chorus.tokens import create_token

    token, _ = await create_token("two processes", "reports", "tests@proof.example")
    a, b = pair.client(pair.a), pair.client(pair.b)
    answers = {"confidence": "tend_agree", "good_job": "good", "respect": "strongly_agree"}

    def journey() -> dict[str, int]:
        seen = {"before": trust_index_base(b, token)}
        # Sent to A (with a challenge B issued: the two share the signing key): B has it.
        codes = [submit(a, answers, pow_from=b) for _ in range(MIN_CELL)]
        for code in codes:
            status, text = b.get(f"/api/v1/receipts/{code}")
            assert status == 200, text
            assert json.loads(text)["status"] == "received"
        seen["b_after_a"] = trust_index_base(b, token)
        # Sent to B: A's report has it too.
        codes.append(submit(b, answers))
        seen["a_after_b"] = trust_index_base(a, token)
        # A follow-up through B is read through A; a withdrawal through A shows on B.
        status, text = b.json(
            "POST", f"/api/v1/receipts/{codes[0]}/follow-ups", {"text": "One more thing."}
        )
        assert status == 201, text
        status, text = a.get(f"/api/v1/receipts/{codes[0]}")
        assert [m["body"] for m in json.loads(text)["messages"]] == ["One more thing."]
        assert a.call("DELETE", f"/api/v1/receipts/{codes[1]}").status == 204
        status, text = b.get(f"/api/v1/receipts/{codes[1]}")
        assert status == 200 and json.loads(text)["status"] == "withdrawn", text
        seen["b_after_withdrawal"] = trust_index_base(b, token)
        return seen

    seen = await asyncio.to_thread(journey)
    assert seen["b_after_a"] - seen["before"] == MIN_CELL, seen
    assert seen["a_after_b"] - seen["before"] == MIN_CELL + 1, seen
    assert seen["b_after_withdrawal"] - seen["before"] == MIN_CELL, seen

    # And the report computed here, on the same database, agrees with both processes.
    from chorus.settings import get_settings
    from reports.trust import trust_report

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHORUS_MIN_CELL", str(MIN_CELL))
        get_settings.cache_clear()
        try:
            report = await trust_report("worker")
        finally:
            get_settings.cache_clear()
    mine = [s for s in report.series if s.metric == "trust_index"]
    assert sum(p.base or 0 for s in mine for p in s.points) == seen["b_after_withdrawal"]


async def test_a_manager_session_is_shared_and_ends_everywhere(pair: Pair, db: None) -> None:
    import asyncio

    from chorus.accounts import create_user

    await create_user("mallory@force.example", "manager", PASSWORD)
    jar: dict[str, str] = {}
    a, b = pair.client(pair.a), pair.client(pair.b)
    a.cookies = b.cookies = jar  # one browser, load-balanced between the two

    def journey() -> None:
        status, page = a.get("/manage/login")
        assert status == 200, page
        found = _CSRF.search(page)
        assert found, page[:2000]
        # The login form came from A, the sign-in goes to B.
        signed_in = b.form_reply(
            "/manage/login",
            {"email": "mallory@force.example", "password": PASSWORD, "csrf_token": found[1]},
        )
        assert signed_in.status == 303, signed_in.text[:2000]
        assert "chorus_session" in jar
        for client in (a, b):
            status, page = client.get("/manage/")
            assert status == 200, page[:2000]
        # Signing out on A ends the session on B.
        found = _CSRF.search(page)
        assert found, page[:2000]
        session = jar["chorus_session"]
        out = a.form_reply("/manage/logout", {"csrf_token": found[1]})
        assert out.status in (200, 303), out.text[:2000]
        jar["chorus_session"] = session  # a copy of the old cookie, replayed
        reply = b.call("GET", "/manage/")
        assert reply.status in (303, 401), reply.text[:2000]
        if reply.status == 303:
            assert (reply.header("location") or "").startswith("/manage/login")

    await asyncio.to_thread(journey)


async def test_limits_the_existing_test_does_not_cover_are_shared(pair: Pair, db: None) -> None:
    """One address's submission budget spans the API and the HTML form on both processes,
    and the per-code-prefix lookup limit spans both."""
    import asyncio

    assert can_bind(LIMITED), f"cannot use {LIMITED} as a source address"
    a, b = pair.client(pair.a, LIMITED), pair.client(pair.b, LIMITED)

    def journey() -> None:
        statuses = []
        for n in range(SUBMIT_LIMIT):
            client = (a, b)[n % 2]
            if n % 4 < 2:
                statuses.append(("api", _api_status(client, solved(client))))
            else:
                done = walk(client.get, client.form, "/en/surveys/worker-voice")
                statuses.append(("form", 200 if done.receipt else 0))
        assert all(status in (200, 201) for _, status in statuses), statuses
        # The budget is spent, whichever process and whichever way.
        assert _api_status(a, solved(a)) == 429
        assert _api_status(b, solved(b)) == 429
        refused = _last_page_status(b, "/en/feedback/concern")
        assert refused == 429, refused

        # Ten lookups of one code prefix, alternating processes, then the eleventh is refused
        # (different codes, from an address far under its own limit).
        prefix = "".join(secrets.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(5))
        lookups = [
            (a, b)[n % 2].get(f"/api/v1/receipts/{prefix}-{n:05d}-ABCDE-FGHJK")[0]
            for n in range(11)
        ]
        assert lookups == [404] * 10 + [429], lookups

    await asyncio.to_thread(journey)


async def test_a_solved_challenge_is_spent_once_across_processes(pair: Pair, db: None) -> None:
    import asyncio

    await asyncio.to_thread(
        _spend_twice, pair.client(pair.a, SPENDING), pair.client(pair.b, SPENDING)
    )


def _spend_twice(a: Http, b: Http) -> None:
    """Solved once, accepted by A; the same solution is refused by B."""
    solution = solved(a)
    body = {"answers": {"confidence": "tend_agree"}, "pow": solution}
    first = a.json("POST", "/api/v1/surveys/worker-voice/responses", body)
    assert first[0] == 201, first
    again = b.json("POST", "/api/v1/surveys/worker-voice/responses", body)
    assert again[0] == 422, again
    assert "pow" in json.loads(again[1])["errors"], again
    # A solution that was never issued is refused too (the signature is checked).
    forged = json.loads(base64.b64decode(solution))
    forged["signature"] = "0" * 64
    body["pow"] = base64.b64encode(json.dumps(forged).encode()).decode()
    assert b.json("POST", "/api/v1/surveys/worker-voice/responses", body)[0] == 422


def _api_status(client: Http, pow_solution: str) -> int:
    return client.json(
        "POST",
        "/api/v1/surveys/worker-voice/responses",
        {"answers": {"confidence": "tend_agree"}, "pow": pow_solution},
    )[0]


def _last_page_status(client: Http, path: str) -> int:
    """Walk a questionnaire to its last page and send it: the status of that last post."""
    from tests.conftest import state_of
    from tests.surveys.walk import RECEIPT, answers_for

    status, html = client.get(path)
    assert status == 200
    for _ in range(10):
        data: dict[str, object] = dict(answers_for(html, "A few words."))
        data.update(state=state_of(html), action="next")
        status, html = client.form(path, data)
        if status != 200 or RECEIPT.search(html):
            return status
    raise AssertionError("the questionnaire did not end")
