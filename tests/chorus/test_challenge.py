"""Proof of work: a solved challenge is accepted once; forged, expired or replayed ones are not;
with it turned on the API refuses submissions without one and stores nothing."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chorus.challenge import encode_solution, new_challenge, solve, verify_solution
from chorus.settings import get_settings
from tests.conftest import row_counts


@pytest.fixture
def proof_of_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHORUS_PROOF_OF_WORK", "on")
    monkeypatch.setenv("CHORUS_PROOF_OF_WORK_MAX", "2000")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_a_solution_is_accepted_once(db: None, proof_of_work: None) -> None:
    challenge = new_challenge()
    solution = encode_solution(challenge, solve(challenge))
    assert await verify_solution(solution)
    assert not await verify_solution(solution)  # replayed


async def test_forged_expired_and_wrong_solutions_are_refused(
    db: None, proof_of_work: None
) -> None:
    challenge = new_challenge()
    number = solve(challenge)
    wrong = encode_solution(challenge, number + 1)
    assert not await verify_solution(wrong)
    payload = json.loads(base64.b64decode(encode_solution(challenge, number)))
    payload["signature"] = "0" * 64
    assert not await verify_solution(base64.b64encode(json.dumps(payload).encode()).decode())
    old = new_challenge(now=time.time() - 3600)
    assert not await verify_solution(encode_solution(old, solve(old)))
    for garbage in ("", "!!!", base64.b64encode(b"[]").decode(), "x" * 5000):
        assert not await verify_solution(garbage)


async def test_the_api_requires_a_solution_when_turned_on(client: Any, proof_of_work: None) -> None:
    body: dict[str, Any] = {"answers": {"confidence": "tend_agree"}, "locale": "en"}
    refused = await client.post("/api/v1/surveys/worker-voice/responses", json=body)
    assert refused.status_code == 422
    assert "pow" in refused.json()["errors"]
    assert await row_counts() == {"receipt": 0, "message": 0, "response": 0, "answer": 0}
    issued = (await client.get("/api/v1/challenge")).json()
    from chorus.challenge import Challenge

    challenge = Challenge(**issued)
    body["pow"] = encode_solution(challenge, solve(challenge))
    accepted = await client.post("/api/v1/surveys/worker-voice/responses", json=body)
    assert accepted.status_code == 201
    replay = await client.post(
        "/api/v1/surveys/worker-voice/responses", json={**body, "submission_id": "another-1"}
    )
    assert replay.status_code == 422


async def test_pages_carry_the_solver_only_when_turned_on(client: Any, proof_of_work: None) -> None:
    from tests.conftest import state_of

    html = (await client.get("/en/feedback/concern")).text
    assert "pow.js" not in html  # not the last page yet
    last = await client.post(
        "/en/feedback/concern",
        data={
            "state": state_of(html),
            "action": "next",
            "category": "noise_traffic",
            "area": "harbour",
        },
    )
    assert '<input type="hidden" name="pow" value="">' in last.text
    assert '<script src="/static/pow.js" defer></script>' in last.text
    # Without JavaScript there is no solution, and the form still works.
    sent = await client.post(
        "/en/feedback/concern", data={"state": state_of(last.text), "action": "next"}
    )
    assert 'class="receipt"' in sent.text
