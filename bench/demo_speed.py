"""How fast `chorus demo` fills a database: `python bench/demo_speed.py --responses 100000`.

By default a fresh SQLite file in a temporary directory (removed afterwards); with
`--database-url postgres://...` an existing, empty PostgreSQL database instead. Prints wall
time, CPU time (this process and the SQLite writer process) and rows per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    # Settings are read once, at first use: the environment must be set before any import.
    var_dir = Path(tempfile.mkdtemp(prefix="chorus-demo-bench-"))
    os.environ["CHORUS_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{var_dir / 'chorus.sqlite3'}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        run(args.responses, args.seed)
    finally:
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def run(responses: int, seed: int) -> None:
    from chorus.cli import migrate
    from chorus.settings import get_settings
    from surveys.demo import run_demo
    from surveys.tables import Response

    migrate()
    engine = "PostgreSQL" if get_settings().is_postgres else "SQLite"

    async def timed() -> None:
        if await Response.exists():
            raise SystemExit("the database already has responses; give an empty one")
        started = time.perf_counter()
        summary = await run_demo(responses=responses, seed=seed, if_empty=False)
        wall = time.perf_counter() - started
        own = resource.getrusage(resource.RUSAGE_SELF)
        writer = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows = (
            summary.total
            + summary.answers
            + summary.receipts
            + summary.messages
            + summary.rollup_rows
        )
        print(summary)
        print(
            f"{engine}: {summary.total:,} responses, {rows:,} rows in {wall:.1f} s: "
            f"{summary.total / wall:,.0f} responses/s, {rows / wall:,.0f} rows/s"
        )
        print(
            f"CPU: this process {own.ru_utime + own.ru_stime:.1f} s, "
            f"writer process {writer.ru_utime + writer.ru_stime:.1f} s; "
            f"peak memory {own.ru_maxrss / 1024:,.0f} MB"
        )

    asyncio.run(timed())


if __name__ == "__main__":
    main()
