"""An acknowledged submission survives SIGKILL of `chorus serve`, and nothing is half-stored.

Three rounds on the suite's database (SQLite file or PostgreSQL): serve, submit from eight
client threads, SIGKILL the whole process group once receipts are coming back and requests
are in flight, serve again, and check every receipt and every response (bench/crash.py has
the details and runs more rounds on demand). One round uses two uvicorn workers, so the kill
has to reach the worker processes too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.crash import Ledger, run_round, server_env, verify

ROUNDS = (1, 2, 1)  # uvicorn workers per round


async def test_acknowledged_submissions_survive_sigkill_whole(db: None, tmp_path: Path) -> None:
    ledger = Ledger()
    summary = []
    for round_no, workers in enumerate(ROUNDS, start=1):
        result = await asyncio.to_thread(
            run_round,
            ledger,
            server_env(),
            tmp_path,
            round_no=round_no,
            workers=workers,
            clients=8,
            kill_after=25,
            seed=7,
        )
        totals = await verify(ledger, strict=True)
        summary.append((result, totals))
        # The kill happened in the middle: receipts had come back, and others had not.
        assert result.acknowledged >= 25, result
        assert result.in_flight_at_kill >= 1, result
    print(
        "\n".join(
            f"round {n} ({r.workers} worker(s)): {r.acknowledged} acknowledged, "
            f"{r.unacknowledged} cut off and resent, {r.in_flight_at_kill} in flight; {t}"
            for n, (r, t) in enumerate(summary, start=1)
        )
    )
    assert totals["receipts"] == len(ledger.submissions)
    # Over the rounds, at least one request was cut off by a kill (the usual case: several).
    assert sum(r.unacknowledged for r, _ in summary) >= 1
