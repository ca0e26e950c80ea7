"""Measure the SQLite writer changes recommended in docs/benchmarks.md without touching the
application: the same API load as bench/submit.py (c), against uvicorn serving
bench/writer_patch.py (chorus.app with the writer patched in-process), for each variant.

    python bench/writer_experiment.py [--duration 15] [--modes none,flock,normal,flock+normal]
                                      [--priority 0]

Every acknowledged receipt is checked in the database afterwards, as in bench/submit.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import submit  # noqa: E402
from _common import (  # noqa: E402
    CHORUS,
    PROJECT_ROOT,
    VENV_BIN,
    base_env,
    free_port,
    pg_create,
    pg_drop,
    print_machine,
    prioritized,
    run_wrk,
    temp_dir,
    wait_http,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--modes", default="none,flock,normal,flock+normal")
    parser.add_argument("--priority", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--target", choices=("api", "form"), default="api")
    args = parser.parse_args()
    print_machine()
    rows = []
    for mode in args.modes.split(","):
        var_dir = temp_dir(f"bench-writer-{mode}-")
        db_name = f"chorus_bench_writer_{os.getpid()}_{len(rows)}"
        url = pg_create(db_name) if args.engine == "postgres" else None
        env = base_env(
            var_dir,
            url,
            CHORUS_SUBMIT_LIMIT="1000000000",
            CHORUS_PROOF_OF_WORK="off",
            BENCH_WRITER_PATCH=mode,
            CHORUS_SERVING="1",
            PYTHONPATH=f"{HERE}:{PROJECT_ROOT}",
        )
        subprocess.run(
            [CHORUS, "migrate"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True
        )
        for key in [k for k in os.environ if k.startswith("CHORUS_") or k == "DATABASE_URL"]:
            del os.environ[key]
        os.environ.update(
            {k: v for k, v in env.items() if k.startswith("CHORUS_") or k == "DATABASE_URL"}
        )
        from chorus.settings import get_settings
        from surveys.registry import get_survey

        get_settings.cache_clear()
        survey = get_survey("worker-voice")
        rng = random.Random(1)
        work = temp_dir("bench-writer-bodies-")
        bodies = work / "api.bodies"
        bodies.write_text(
            "\n".join(
                json.dumps(
                    {
                        "answers": submit.random_answers(
                            survey, rng, None, 0.5, submit.WORKER_TEXTS
                        ),
                        "locale": "en",
                    },
                    separators=(",", ":"),
                )
                for _ in range(4000)
            )
            + "\n"
        )
        port = free_port()
        log = open(var_dir / "server.log", "wb")
        server = subprocess.Popen(
            [
                str(VENV_BIN / "python"),
                "-m",
                "uvicorn",
                "--factory",
                "writer_patch:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz")
            time.sleep(2)
            with prioritized({"server": server.pid, "bench": os.getpid()}, args.priority):
                run_wrk(base + submit.GET_PATH, submit.GET_LUA, 2, args.connections, 1)
                import asyncio

                warm = asyncio.run(submit.warm_posts(base, bodies, 64))
                if args.target == "api":
                    phase = submit.post_phase(
                        f"api-{mode}",
                        base + submit.API_PATH,
                        submit.API_PATH,
                        bodies,
                        "application/json",
                        201,
                        '"receipt"%s*:%s*"([%w%-]+)"',
                        True,
                        args,
                        server.pid,
                    )
                else:
                    states, _, _ = asyncio.run(
                        submit.walk_states(base, 1500 * args.duration, args.connections, 0.5, 1)
                    )
                    form_file = work / "form.bodies"
                    form_file.write_text("\n".join(states) + "\n")
                    phase = submit.post_phase(
                        f"form-{mode}",
                        base + submit.FORM_PATH,
                        submit.FORM_PATH,
                        form_file,
                        "application/x-www-form-urlencoded",
                        200,
                        'class="receipt"[^>]*>%s*([%w%-]+)%s*<',
                        False,
                        args,
                        server.pid,
                    )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            log.close()
        secret = (var_dir / "secret_key").read_bytes().strip()
        stored, _total, _ = submit.stored_receipts(url, var_dir)
        deadlocks = 0
        if url:
            log_path = Path("/var/log/postgresql/postgresql-15-main.log")
            if log_path.exists():
                deadlocks = sum(
                    1
                    for line in log_path.read_text(errors="replace").splitlines()
                    if db_name in line and "deadlock detected" in line
                )
            pg_drop(db_name)
        acked = {submit.code_hash(secret, c) for c in [*phase.receipts, *warm]}
        missing = len(acked - set(stored))
        w = phase.wrk
        rows.append(
            (
                mode,
                phase.accepted_rate,
                w.p50_ms,
                w.p99_ms,
                phase.errors,
                missing,
                len(acked),
                phase.cpu.get("server", 0.0),
                phase.cpu.get("others", 0.0),
                deadlocks,
            )
        )
        print(
            f"{mode}: {phase.accepted_rate:,.0f} accepted/s, p50 {w.p50_ms:.0f} ms, "
            f"p99 {w.p99_ms:.0f} ms, errors {phase.errors}, missing {missing}/{len(acked)}, "
            f"server cores {phase.cpu.get('server', 0):.2f}, deadlocks {deadlocks}",
            flush=True,
        )
    print(f"\n{args.engine}, {args.target}, {args.connections} connections\n")
    print(
        "| writer variant | accepted/s | p50 ms | p99 ms | errors | acknowledged but "
        "missing | server cores | others cores | PostgreSQL deadlocks |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for mode, rate, p50, p99, errors, missing, acked, cores, others, dl in rows:
        print(
            f"| {mode} | {rate:,.0f} | {p50:.0f} | {p99:.0f} | {errors} | {missing}/{acked:,} | "
            f"{cores:.2f} | {others:.2f} | {dl} |"
        )


if __name__ == "__main__":
    main()
