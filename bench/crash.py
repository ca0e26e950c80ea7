"""Crash durability: submissions against `chorus serve`, SIGKILL in the middle, restart, check.

    DATABASE_URL=sqlite:///var/crash.sqlite3 python bench/crash.py --rounds 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus_crash python bench/crash.py --workers 2

Each round starts `chorus serve` (in its own session, so the kill reaches every uvicorn worker),
has several client threads send whole submissions through the JSON API, and kills the process
group with SIGKILL once enough receipts have come back while other requests are still in
flight. The server is started again on the same database, and then:

* every submission whose receipt the client received answers 200 at GET /api/v1/receipts/<code>
  and is stored whole: its receipt, its response and every one of its answer rows;
* no partial submission exists: every receipt belongs to a submission the clients sent, has
  exactly one response, and that response has all the answers the submission carried (this
  covers the in-flight ones too, acknowledged or not);
* the report roll-ups agree with the raw answers (they are written in the same transaction);
* sending every unacknowledged submission again (same submission_id) stores it exactly once.

The checks are counts and lookups, never times: a slow machine passes as well as a fast one.
Do not point it at a database with data you care about: it writes synthetic submissions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client as http_client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The questionnaires submitted, and their API paths (DESIGN.md's stable interface).
TARGETS = {
    "worker-voice": "/api/v1/surveys/worker-voice/responses",
    "community-voice": "/api/v1/surveys/community-voice/responses",
    "concern": "/api/v1/feedback/concern",
    "experience": "/api/v1/feedback/experience",
}


@dataclass
class Submission:
    slug: str
    submission_id: str
    answers: dict[str, Any]
    expected_answers: int
    receipt: str | None = None  # set when the client received the 201
    status: int | None = None  # the HTTP status, when an answer came back
    error: str | None = None  # what the client saw instead of a 201, if anything

    def body(self) -> bytes:
        return json.dumps(
            {"answers": self.answers, "locale": "en", "submission_id": self.submission_id}
        ).encode()


@dataclass
class RoundResult:
    workers: int
    acknowledged: int
    unacknowledged: int  # cut off by the kill: sent again after the restart
    in_flight_at_kill: int
    log: str = ""


@dataclass
class Ledger:
    """Everything the clients ever sent, by submission id (across rounds)."""

    submissions: dict[str, Submission] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, submission: Submission) -> None:
        with self.lock:
            self.submissions[submission.submission_id] = submission


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    url: str, *, method: str = "GET", body: bytes | None = None, timeout: float = 30
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


class Server:
    """`chorus serve` in a new session: SIGKILL to the group takes every worker with it."""

    def __init__(self, env: Mapping[str, str], log: Path, workers: int) -> None:
        self.port = free_port()
        self.log = log
        self.workers = workers
        self._handle = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chorus.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, seconds: float = 120) -> None:
        # A hang guard, not a timing requirement.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chorus serve exited early:\n{self.output()[-3000:]}")
            try:
                if http(f"{self.url}/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chorus serve did not become healthy:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, nothing."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._handle.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
        self._handle.close()

    def output(self) -> str:
        if not self._handle.closed:
            self._handle.flush()
        return self.log.read_text(errors="replace")


def new_submission(rng: random.Random, round_no: int, n: int) -> Submission:
    from surveys.registry import get_survey
    from tests.proof.answers import answer_rows, sample_answers

    slug = rng.choice(sorted(TARGETS))
    survey = get_survey(slug)
    assert survey is not None, slug
    answers = sample_answers(survey, rng, text=f"Round {round_no} note {n}: they were kind.")
    return Submission(
        slug=slug,
        submission_id=f"crash-{round_no}-{n}-{rng.getrandbits(48):012x}",
        answers=answers,
        expected_answers=answer_rows(survey, answers),
    )


def _submit(server_url: str, submission: Submission) -> None:
    try:
        status, text = http(
            server_url + TARGETS[submission.slug], method="POST", body=submission.body()
        )
    except (OSError, http_client.HTTPException) as error:  # reset, refused, cut short
        submission.error = type(error).__name__
        return
    submission.status = status
    if status == 201:
        submission.receipt = json.loads(text)["receipt"]
    else:
        submission.error = f"{status}: {text[:300]}"


def _load_and_kill(
    server: Server,
    ledger: Ledger,
    *,
    round_no: int,
    clients: int,
    kill_after: int,
    rng: random.Random,
) -> tuple[list[Submission], int]:
    """Submit from `clients` threads; SIGKILL the server after `kill_after` receipts, with
    requests in flight. Returns this round's submissions and how many were in flight."""
    answered = threading.Semaphore(0)
    guard = threading.Lock()
    state = {"in_flight": 0, "stop": False, "sent": 0}
    mine: list[Submission] = []
    refused: list[Submission] = []

    def client(number: int) -> None:
        local = random.Random(rng.getrandbits(64) + number)
        while True:
            with guard:
                if state["stop"]:
                    return
                state["sent"] += 1
                state["in_flight"] += 1
                n = state["sent"]
            submission = new_submission(local, round_no, n)
            ledger.add(submission)
            with guard:
                mine.append(submission)
            _submit(server.url, submission)
            with guard:
                state["in_flight"] -= 1
            if submission.receipt is not None:
                answered.release()
                continue
            if submission.status is not None:
                # The server answered, and not 201, while it was up: a bug, not the crash.
                with guard:
                    if not state["stop"]:
                        refused.append(submission)
                answered.release()
            return  # the connection failed: the server is gone

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(kill_after):
            if not answered.acquire(timeout=120):  # a hang guard
                raise RuntimeError(f"no receipts coming back:\n{server.output()[-3000:]}")
            if refused:
                raise AssertionError(
                    f"submission refused: {refused[0].error}\n{server.output()[-3000:]}"
                )
        # In the middle: wait (by count, not by time) until requests are in flight, then kill.
        while True:
            with guard:
                in_flight = state["in_flight"]
            if in_flight >= min(2, clients) or not any(t.is_alive() for t in threads):
                break
            time.sleep(0.0005)
    finally:
        with guard:
            state["stop"] = True
        server.kill()
    for thread in threads:
        thread.join(timeout=120)  # a hang guard
        if thread.is_alive():
            raise RuntimeError("a client thread did not finish after the kill")
    return mine, in_flight


def _check_after_restart(server: Server, submissions: list[Submission]) -> int:
    """On the restarted server: every acknowledged receipt answers 200; every submission whose
    answer was lost is sent again with its submission_id (and must be stored once).
    Returns how many were sent again."""
    for submission in submissions:
        if submission.receipt is None:
            continue
        status, text = http(f"{server.url}/api/v1/receipts/{submission.receipt}")
        if status != 200:
            raise AssertionError(
                f"acknowledged receipt {submission.receipt} ({submission.slug}) answers "
                f"{status} after the crash: {text[:300]}"
            )
    unacked = [s for s in submissions if s.receipt is None]
    for submission in unacked:
        submission.error = submission.status = None
        _submit(server.url, submission)
        if submission.receipt is None:
            raise AssertionError(f"retry of {submission.submission_id}: {submission.error}")
    return len(unacked)


def run_rounds(
    ledger: Ledger,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    workers: Sequence[int],
    clients: int = 8,
    kill_after: int = 40,
    seed: int = 1,
) -> list[RoundResult]:
    """One round per entry of `workers` (uvicorn workers for that round's server). The server
    started after a kill first checks the previous round, then carries the next round's load;
    a last one checks the last round."""
    results: list[RoundResult] = []
    previous: list[Submission] = []
    log = log_dir / "crash-serve.log"
    for round_no, count in enumerate([*workers, workers[-1]], start=1):
        server = Server(env, log, count)
        try:
            server.wait_healthy()
            if results:
                results[-1].unacknowledged = _check_after_restart(server, previous)
            if round_no > len(workers):
                break
            rng = random.Random(seed * 1000 + round_no)
            previous, in_flight = _load_and_kill(
                server,
                ledger,
                round_no=round_no,
                clients=clients,
                kill_after=kill_after,
                rng=rng,
            )
            results.append(
                RoundResult(
                    workers=count,
                    acknowledged=sum(1 for s in previous if s.receipt is not None),
                    unacknowledged=0,
                    in_flight_at_kill=in_flight,
                    log=str(log),
                )
            )
        finally:
            server.stop()
    return results


async def verify(ledger: Ledger, *, strict: bool = True) -> dict[str, int]:
    """The database, read directly: every receipt whole, nothing partial, roll-ups in step.

    strict: the database holds nothing but these submissions (the test empties it first);
    otherwise receipts that are not ours are left out of the per-submission checks."""
    from feedback.receipts import code_hash, normalize_code, token_hash
    from feedback.tables import Receipt
    from surveys.tables import Answer, AnswerCount, Response, TextCount

    by_token = {
        token_hash(f"api:{s.slug}:{s.submission_id}"): s for s in ledger.submissions.values()
    }
    receipts = await Receipt.select(Receipt.id, Receipt.code_hash, Receipt.token_hash)
    responses = await Response.select(Response.id, Response.receipt, Response.survey)
    answers = await Answer.select(Answer.response)
    per_response: dict[Any, int] = {}
    for row in answers:
        per_response[row["response"]] = per_response.get(row["response"], 0) + 1
    responses_of: dict[Any, list[dict[str, Any]]] = {}
    for row in responses:
        if row["receipt"] is None:
            raise AssertionError(f"response {row['id']} has no receipt")
        responses_of.setdefault(row["receipt"], []).append(row)
    problems = []
    seen_codes = set()
    for receipt in receipts:
        submission = by_token.get(receipt["token_hash"])
        if submission is None:
            if strict:
                problems.append(f"receipt {receipt['id']} belongs to no submission that was sent")
            continue
        if submission.receipt is not None:
            code = normalize_code(submission.receipt)
            if code is None or code_hash(code) != receipt["code_hash"]:
                problems.append(f"{submission.submission_id}: receipt code does not match")
            seen_codes.add(submission.submission_id)
        mine = responses_of.get(receipt["id"], [])
        if len(mine) != 1:
            problems.append(f"{submission.submission_id}: {len(mine)} responses, not 1")
            continue
        if mine[0]["survey"] != submission.slug:
            problems.append(f"{submission.submission_id}: stored as {mine[0]['survey']}")
        stored = per_response.get(mine[0]["id"], 0)
        if stored != submission.expected_answers:
            problems.append(
                f"{submission.submission_id} ({submission.slug}): {stored} answers stored, "
                f"{submission.expected_answers} sent: a partial response"
            )
    acknowledged = {s.submission_id for s in ledger.submissions.values() if s.receipt}
    for missing in sorted(acknowledged - seen_codes):
        problems.append(f"{missing}: acknowledged with a receipt, but not stored")
    if strict and len(responses) != len(receipts):
        problems.append(f"{len(responses)} responses for {len(receipts)} receipts")
    # Roll-ups are written in the submission's transaction: they agree with the raw rows.
    # (The overall margin: each response also counts once per breakdown, surveys.tables.)
    counted = sum(
        row["n"]
        for row in await AnswerCount.select(AnswerCount.n).where(
            (AnswerCount.value != "*") & (AnswerCount.dim == "")
        )
    )
    chosen = await Answer.count().where(Answer.value.is_not_null())
    if counted != chosen:
        problems.append(f"roll-up counts {counted} chosen answers, the answers table {chosen}")
    texts = sum(row["n"] for row in await TextCount.select(TextCount.n).where(TextCount.dim == ""))
    written = await Answer.count().where(Answer.text.is_not_null())
    if texts != written:
        problems.append(f"roll-up counts {texts} free texts, the answers table {written}")
    if problems:
        raise AssertionError(f"{len(problems)} durability problem(s):\n" + "\n".join(problems[:50]))
    return {
        "receipts": len(receipts),
        "responses": len(responses),
        "answers": len(answers),
        "acknowledged": len(acknowledged),
    }


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for `chorus serve`: the caller's, with limits out of the way."""
    return {
        **os.environ,
        "CHORUS_SUBMIT_LIMIT": "1000000",
        "CHORUS_RECEIPT_LIMIT": "1000000",
        "CHORUS_DB_POOL_SIZE": os.environ.get("CHORUS_DB_POOL_SIZE_SERVE", "4"),
        **(extra or {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn workers (2 or more: every other round)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--kill-after", type=int, default=60, help="receipts before the kill")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logs", type=Path, default=ROOT / "var" / "crash-logs")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a database you can throw away")
    os.environ.setdefault("CHORUS_SECRET_KEY", "crash-bench-secret-" + "x" * 32)
    args.logs.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "chorus.cli", "migrate"], cwd=ROOT, check=True)
    ledger = Ledger()
    workers = [args.workers if n % 2 else 1 for n in range(args.rounds)]
    results = run_rounds(
        ledger,
        server_env(),
        args.logs,
        workers=workers,
        clients=args.clients,
        kill_after=args.kill_after,
        seed=args.seed,
    )
    totals = asyncio.run(verify(ledger, strict=False))
    for round_no, result in enumerate(results, start=1):
        print(
            f"round {round_no} ({result.workers} worker(s)): {result.acknowledged} acknowledged, "
            f"{result.unacknowledged} cut off and resent, "
            f"{result.in_flight_at_kill} in flight at the kill"
        )
    print(f"database: {totals}")
    print("every acknowledged submission survived; no partial response")


if __name__ == "__main__":
    main()
