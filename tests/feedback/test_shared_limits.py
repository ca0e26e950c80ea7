"""Two processes sharing Redis share their counts: a limit cannot be dodged by being load
balanced to another process."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from tests.servers import request, serving


def test_receipt_lookups_and_submissions_are_limited_across_two_processes(
    tmp_path: Path,
) -> None:
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CHORUS_REDIS_PREFIX": f"chorus-test-{secrets.token_hex(4)}",
        "CHORUS_RECEIPT_LIMIT": "6",
        "CHORUS_SUBMIT_LIMIT": "4",
    }
    with (
        serving(tmp_path, env=env, name="a") as first,
        serving(tmp_path, env=env, name="b") as second,
    ):
        lookups = [
            request(f"{server.url}/api/v1/receipts/ABCDE-FGHJK-MNPQR-STVW{n % 10}")[0]
            for n, server in enumerate([first, second] * 4)
        ]
        assert lookups == [404] * 6 + [429, 429]
        body = json.dumps({"answers": {"confidence": "tend_agree"}}).encode()
        headers = {"Content-Type": "application/json"}
        submissions = [
            request(
                f"{server.url}/api/v1/surveys/worker-voice/responses",
                method="POST",
                body=body,
                headers=headers,
            )[0]
            for server in [first, second] * 3
        ]
        assert submissions == [201] * 4 + [429, 429]


def test_behind_a_trusted_proxy_each_respondent_has_their_own_limit(tmp_path: Path) -> None:
    env = {
        "CHORUS_TRUSTED_PROXIES": "127.0.0.1",
        "CHORUS_SUBMIT_LIMIT": "2",
    }
    body = json.dumps({"answers": {"confidence": "tend_agree"}}).encode()
    with serving(tmp_path, env=env, name="proxied") as server:
        url = f"{server.url}/api/v1/surveys/worker-voice/responses"

        def send(address: str) -> int:
            headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
            return request(url, method="POST", body=body, headers=headers)[0]

        first = [send("198.51.100.1") for _ in range(3)]
        second = [send("198.51.100.2") for _ in range(2)]
    assert first == [201, 201, 429]
    assert second == [201, 201]
