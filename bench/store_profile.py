"""The cost of one submission without any contention: surveys.storage.store_submission called
one at a time in-process, on a fresh database, with cProfile's breakdown.

    python bench/store_profile.py [--engine sqlite|postgres] [--count 400] [--text-share 0.5]
                                  [--concurrency 1]

With --concurrency above 1, that many store_submission calls run at once (asyncio.gather),
as the requests of one server worker do: on SQLite this shows the write-lock contention
(busy handler sleeps) that the server sees under load.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import CHORUS, PROJECT_ROOT, base_env, pg_create, pg_drop, temp_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--text-share", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    var_dir = temp_dir("bench-store-")
    db_name = f"chorus_bench_store_{os.getpid()}"
    url = pg_create(db_name) if args.engine == "postgres" else None
    env = base_env(var_dir, url)
    subprocess.run([CHORUS, "migrate"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    for key in [k for k in os.environ if k.startswith("CHORUS_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith("CHORUS_") or k == "DATABASE_URL"}
    )
    import submit

    from chorus.database import engine
    from surveys.forms import check_all
    from surveys.registry import get_survey
    from surveys.storage import store_submission

    survey = get_survey("worker-voice")
    assert survey is not None
    rng = random.Random(1)
    answer_sets = []
    for _ in range(args.count + 20):
        raw = submit.random_answers(survey, rng, None, args.text_share, submit.WORKER_TEXTS)
        answers, errors = check_all(survey, raw)
        assert not errors, errors
        answer_sets.append(answers)

    async def one(answers: dict) -> None:
        await store_submission(
            survey, answers, locale="en", channel=None, token=f"bench:{secrets.token_urlsafe(16)}"
        )

    async def run() -> tuple[float, float, str]:
        db = engine()
        if url:
            await db.start_connection_pool(min_size=1, max_size=10)
        try:
            for answers in answer_sets[:20]:  # warm
                await one(answers)
            profiler = cProfile.Profile()
            cpu0, t0 = time.process_time(), time.perf_counter()
            if not args.no_profile:
                profiler.enable()
            work = answer_sets[20:]
            if args.concurrency == 1:
                for answers in work:
                    await one(answers)
            else:
                queue = list(work)

                async def lane() -> None:
                    while queue:
                        await one(queue.pop())

                await asyncio.gather(*(lane() for _ in range(args.concurrency)))
            if not args.no_profile:
                profiler.disable()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            text = io.StringIO()
            if not args.no_profile:
                stats = pstats.Stats(profiler, stream=text)
                stats.sort_stats("cumulative").print_stats(30)
                stats.sort_stats("tottime").print_stats(20)
            return wall, cpu, text.getvalue()
        finally:
            if url:
                await db.close_connection_pool()

    wall, cpu, profile = asyncio.run(run())
    n = args.count
    print(
        f"{args.engine}: {n} submissions, concurrency {args.concurrency}, "
        f"text in {args.text_share:.0%}: {n / wall:,.0f}/s, {1000 * wall / n:.2f} ms wall "
        f"and {1000 * cpu / n:.2f} ms CPU (this process, all threads) each"
        f"{' (under cProfile)' if not args.no_profile else ''}"
    )
    print(profile)
    if url:
        pg_drop(db_name)


if __name__ == "__main__":
    main()
