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

from bench.crash import Ledger, run_rounds, server_env, verify

WORKERS = (1, 2, 1)  # uvicorn workers, one entry per round
KILL_AFTER = 25  # receipts back before the kill


async def test_acknowledged_submissions_survive_sigkill_whole(db: None, tmp_path: Path) -> None:
    ledger = Ledger()
    results = await asyncio.to_thread(
        run_rounds,
        ledger,
        server_env(),
        tmp_path,
        workers=WORKERS,
        clients=8,
        kill_after=KILL_AFTER,
        seed=7,
    )
    totals = await verify(ledger, strict=True)
    print(
        "\n".join(
            f"round {n} ({r.workers} worker(s)): {r.acknowledged} acknowledged, "
            f"{r.unacknowledged} cut off and resent, {r.in_flight_at_kill} in flight"
            for n, r in enumerate(results, start=1)
        )
    )
    print(f"database: {totals}")
    assert len(results) == len(WORKERS)
    for result in results:
        # The kill came in the middle: receipts had come back, and requests were in flight.
        assert result.acknowledged >= KILL_AFTER, result
        assert result.in_flight_at_kill >= 1, result
    # Every submission ever sent is stored, once, whole (the cut-off ones after their resend).
    assert totals["receipts"] == totals["responses"] == len(ledger.submissions)
    assert sum(r.unacknowledged for r in results) >= 1, results
