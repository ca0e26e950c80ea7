"""How report timings grow with the data: trust report JSON, the public results page, a naive
GROUP BY over the raw answers as the reference, and a streamed CSV export of raw responses.

    python bench/reports.py [--sizes 100000,300000,1000000] [--engines sqlite,postgres]
                            [--pg-sizes 100000,1000000] [--repeat 7] [--build-only]

Databases are built once with `chorus demo --responses N --seed 1` (SQLite files under
--data-dir, PostgreSQL scratch databases `chorus_bench_reports_N`) and reused while their
marker file says they are complete; `--rebuild` starts again. Building 1,000,000 responses takes
many minutes: run `--build-only` in the background first and poll.

Each (engine, N) is measured in a fresh subprocess (its own settings and Piccolo engine), warm:
every operation runs once untimed, then --repeat times; the median and the range are printed.

  trust JSON    reports.trust.trust_report(group, period="month") for the last 24 months, all
                items, then reports.exports.trust_document + json.dumps (what `chorus report
                trust --format json` and the API would send). Per group, and with by="area".
  dashboard     GET /manage/reports/?group=… with a manager's session, through the same client.
  results page  GET /en/results through litestar.testing.TestClient(create_app()) (the public
                page the target names too).
  naive SQL     one GROUP BY over answer JOIN response for the per-month positive/base counts of
                `confidence` (sex workers), through the driver: the reference. Its numbers are
                compared with the trust report's for the same metric.
  CSV export    the application's raw-response exporter (reports.responses, what `chorus export
                responses` and the console's admin download stream): the survey with the most
                responses, its first --csv-rows rows (pages of --csv-page) written to a file;
                wall time, peak Python allocations (tracemalloc, separate run) and peak RSS
                growth, at several row counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import (  # noqa: E402
    CHORUS,
    PROJECT_ROOT,
    base_env,
    pg_available,
    pg_create,
    postmaster_pid,
    print_machine,
    prioritized,
    renice_pg_backends,
    verdict,
)


def renice() -> None:
    """Under `nice -n -10`, give our PostgreSQL backends the same priority (no-op otherwise)."""
    if _is_pg():
        renice_pg_backends(os.environ["DATABASE_URL"].rsplit("/", 1)[1])


DEFAULT_DATA = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/chorus-bench-data"))


# ------------------------------------------------------------------------------ building
def db_location(engine: str, n: int, data_dir: Path) -> tuple[Path, str | None, Path]:
    """(var dir, DATABASE_URL or None, marker file)."""
    var_dir = data_dir / f"{engine}-{n}"
    url = (
        f"postgres://postgres@127.0.0.1:5432/chorus_bench_reports_{n}"
        if engine == "postgres"
        else None
    )
    return var_dir, url, var_dir / "bench-complete.json"


def ensure_db(engine: str, n: int, data_dir: Path, rebuild: bool) -> dict[str, Any]:
    var_dir, url, marker = db_location(engine, n, data_dir)
    if marker.exists() and not rebuild:
        return json.loads(marker.read_text())
    var_dir.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        for name in ("chorus.sqlite3", "chorus.sqlite3-wal", "chorus.sqlite3-shm"):
            (var_dir / name).unlink(missing_ok=True)
    else:
        pg_create(f"chorus_bench_reports_{n}")
    env = base_env(var_dir, url)
    print(
        f"building {engine} N={n:,}: chorus demo --responses {n} --seed 1 "
        f"(CHORUS_VAR_DIR={var_dir}{', DATABASE_URL=' + url if url else ''}) …",
        flush=True,
    )
    started = time.perf_counter()
    with open(var_dir / "demo.log", "wb") as log:
        subprocess.run(
            [CHORUS, "demo", "--responses", str(n), "--seed", "1"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    seconds = time.perf_counter() - started
    info = {
        "engine": engine,
        "n": n,
        "build_seconds": round(seconds, 1),
        "var_dir": str(var_dir),
        "database_url": url,
        "built": time.strftime("%Y-%m-%d %H:%M"),
    }
    marker.write_text(json.dumps(info))
    print(f"  built in {seconds:,.0f} s", flush=True)
    return info


# ------------------------------------------------------------------------- measuring (child)
def timed(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    fn()  # warm
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        c = time.process_time()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return _stats(times, cpu)


def _stats(times: list[float], cpu: list[float]) -> dict[str, Any]:
    """Wall time as a user waits for it, and this process's CPU time (every thread, so
    aiosqlite's included; PostgreSQL's own work is not): on a shared, busy machine the wall
    time includes waiting for a core, the CPU time does not."""
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "cpu_median_ms": statistics.median(cpu),
        "runs": len(times),
        "loadavg": float(Path("/proc/loadavg").read_text().split()[0]),
    }


async def atimed(fn: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, Any]:
    await fn()
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        c = time.process_time()
        t = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return _stats(times, cpu)


def _is_pg() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _sqlite_path() -> str:
    return str(Path(os.environ["CHORUS_VAR_DIR"]) / "chorus.sqlite3")


def naive_sql(months: list[str]) -> tuple[str, list[Any]]:
    from reports.metrics import metrics_for

    metric = next(m for m in metrics_for("worker") if m.question == "confidence")
    positive = ", ".join(f"'{v}'" for v in sorted(metric.positive))
    excluded = ", ".join(f"'{v}'" for v in sorted(metric.excluded))
    sql = (
        "SELECT r.period, "
        f"SUM(CASE WHEN a.value IN ({positive}) THEN 1 ELSE 0 END) AS positive, "
        "COUNT(*) AS base "
        "FROM answer a JOIN response r ON r.id = a.response "
        "WHERE a.survey = 'worker-voice' AND a.question = 'confidence' "
        f"AND a.value IS NOT NULL AND a.value NOT IN ({excluded}) "
        "AND r.period >= {0} AND r.period <= {1} "
        "GROUP BY r.period ORDER BY r.period"
    )
    return sql, [months[0], months[-1]]


def naive_all_sql(months: list[str]) -> str:
    """Every item of both groups at once: GROUP BY question, period, value over raw answers."""
    return (
        "SELECT a.survey, a.question, r.period, a.value, COUNT(*) AS n "
        "FROM answer a JOIN response r ON r.id = a.response "
        "WHERE a.survey IN ('worker-voice', 'community-voice') AND a.value IS NOT NULL "
        "AND r.period >= {0} AND r.period <= {1} "
        "GROUP BY a.survey, a.question, r.period, a.value"
    )


def table_counts() -> dict[str, int]:
    tables = ("response", "answer", "receipt", "answer_count", "trust_score", "text_count")
    if _is_pg():

        async def pg() -> dict[str, int]:
            import asyncpg

            conn = await asyncpg.connect(os.environ["DATABASE_URL"])
            try:
                return {t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in tables}
            finally:
                await conn.close()

        return asyncio.run(pg())
    db = sqlite3.connect(_sqlite_path())
    try:
        return {t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables}
    finally:
        db.close()


def measure(repeat: int) -> dict[str, Any]:
    from chorus.database import engine
    from reports.exports import trust_document
    from reports.periods import month_range
    from reports.trust import trust_report

    out: dict[str, Any] = {"counts": table_counts()}
    months = month_range(None, None)
    out["months"] = [months[0], months[-1]]

    async def trust_phase() -> None:
        db = engine()
        pg = _is_pg()
        if pg:
            await db.start_connection_pool(min_size=1, max_size=10)
            await asyncio.gather(*(trust_report("worker") for _ in range(4)))
            renice()
        try:
            for by in (None, "area"):
                for group in ("worker", "resident"):

                    async def one(group: str = group, by: str | None = by) -> int:
                        report = await trust_report(group, period="month", by=by)
                        return len(json.dumps(trust_document([report]), ensure_ascii=False))

                    key = f"trust_{group}_{by or 'all'}"
                    out[key] = await atimed(one, repeat)
                    out[key]["json_bytes"] = await one()
                    # The database part alone: the two aggregate queries of trust_report.

                async def both(by: str | None = by) -> int:
                    reports = [
                        await trust_report(g, period="month", by=by) for g in ("worker", "resident")
                    ]
                    return len(json.dumps(trust_document(reports), ensure_ascii=False))

                out[f"trust_both_{by or 'all'}"] = await atimed(both, repeat)
            # Credentials for the HTTP routes (this is a scratch database): an API token of
            # scope "reports", and a manager's session for the dashboard.
            from chorus.accounts import create_user
            from chorus.sessions import start_session
            from chorus.tables import ManagerUser
            from chorus.tokens import create_token

            creds["token"], _ = await create_token("bench", "reports", "bench")
            email = "bench-manager@example.org"
            row = await ManagerUser.select(ManagerUser.id).where(ManagerUser.email == email).first()
            if row is None:
                user_id = (await create_user(email, "manager", "bench-password-" + "x" * 20)).id
            else:
                user_id = row["id"]
            creds["session"] = await start_session(user_id)
            # Consistency: the report's `confidence` points against the naive query.
            report = await trust_report("worker", period="month")
            series = next(s for s in report.series if s.metric == "confidence")
            out["report_confidence"] = {p.period: [p.positive, p.base] for p in series.points}
        finally:
            if pg:
                await db.close_connection_pool()

    creds: dict[str, str] = {}
    asyncio.run(trust_phase())

    # The public results page through the ASGI app, lifespan included (PostgreSQL pool).
    from litestar.testing import TestClient

    from chorus.app import create_app

    with TestClient(create_app()) as client:
        client.get("/en/results")
        renice()

        def page() -> int:
            response = client.get("/en/results")
            assert response.status_code == 200, response.status_code
            return len(response.content)

        out["results_page"] = timed(page, repeat)
        out["results_page"]["html_bytes"] = page()

        def http(path: str, **headers: str) -> Callable[[], int]:
            def call() -> int:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code)
                return len(response.content)

            return call

        bearer = {"Authorization": f"Bearer {creds['token']}"}
        for group in ("worker", "resident"):
            for by in (None, "area"):
                path = f"/api/v1/reports/trust?group={group}" + (f"&by={by}" if by else "")
                key = f"api_trust_{group}_{by or 'all'}"
                out[key] = timed(http(path, **bearer), repeat)
                out[key]["bytes"] = http(path, **bearer)()
        client.cookies.set("chorus_session", creds["session"])
        for group in ("worker", "resident"):
            key = f"dashboard_{group}"
            out[key] = timed(http(f"/manage/reports/?group={group}"), repeat)
            out[key]["html_bytes"] = http(f"/manage/reports/?group={group}")()

    # The naive reference through the driver.
    sql, params = naive_sql(months)
    all_sql = naive_all_sql(months)
    if _is_pg():

        async def pg_naive() -> None:
            import asyncpg

            conn = await asyncpg.connect(os.environ["DATABASE_URL"])
            renice()
            try:
                q = sql.format("$1", "$2")
                q_all = all_sql.format("$1", "$2")
                out["naive_one_metric"] = await atimed(lambda: conn.fetch(q, *params), repeat)
                out["naive_all_items"] = await atimed(
                    lambda: conn.fetch(q_all, *params), min(repeat, 3)
                )
                rows = await conn.fetch(q, *params)
                out["naive_confidence"] = {r[0]: [int(r[1]), int(r[2])] for r in rows}
            finally:
                await conn.close()

        asyncio.run(pg_naive())
    else:
        db = sqlite3.connect(_sqlite_path())
        try:
            q = sql.format("?", "?")
            q_all = all_sql.format("?", "?")
            out["naive_one_metric"] = timed(lambda: db.execute(q, params).fetchall(), repeat)
            out["naive_all_items"] = timed(
                lambda: db.execute(q_all, params).fetchall(), min(repeat, 3)
            )
            rows = db.execute(q, params).fetchall()
            out["naive_confidence"] = {r[0]: [int(r[1]), int(r[2])] for r in rows}
        finally:
            db.close()
    # Shown (unsuppressed) report points must equal the naive counts.
    mismatches = [
        period
        for period, (pos, base) in out["report_confidence"].items()
        if base is not None and out["naive_confidence"].get(period) != [pos, base]
    ]
    out["report_matches_naive"] = not mismatches
    out["mismatched_periods"] = mismatches[:5]
    return out


# --------------------------------------------------------------------------- CSV exporter
def largest_survey() -> str:
    """The exportable survey with the most stored responses (the CSV export is per survey)."""
    from reports.responses import exportable_surveys
    from surveys.tables import Response

    async def counts() -> dict[str, int]:
        from piccolo.query.functions.aggregate import Count

        rows = await Response.select(Response.survey, Count(alias="n")).group_by(Response.survey)
        return {row["survey"]: row["n"] for row in rows}

    found = asyncio.run(counts())
    return max((s.slug for s in exportable_surveys()), key=lambda slug: found.get(slug, 0))


async def export_app(slug: str, limit: int, page: int, sink: Any) -> int:
    """reports.responses.response_pages into a text file, stopped after `limit` rows."""
    from reports.responses import response_pages

    written = 0
    pages = response_pages(slug, page_size=page)
    try:
        async for chunk, rows in pages:
            sink.write(chunk)
            written += rows
            if written >= limit:
                break
    finally:
        await pages.aclose()  # cancels the page already asked for
    return written


def csv_child(rows: int, page: int, trace: bool) -> dict[str, Any]:
    """One export in this (fresh) process: time, bytes, peak RSS growth, peak allocations."""
    import tempfile

    from chorus.database import engine

    slug = largest_survey()  # definitions and engine loaded before the baseline
    target = Path(tempfile.mkstemp(prefix="bench-export-", suffix=".csv")[1])

    async def run(sink: Any) -> int:
        db = engine()
        pool = _is_pg()
        if pool:  # as in the web service (and `chorus export responses`): one pooled connection
            await db.start_connection_pool(min_size=1, max_size=2)  # type: ignore[attr-defined]
            renice()
        try:
            return await export_app(slug, rows, page, sink)
        finally:
            if pool:
                await db.close_connection_pool()  # type: ignore[attr-defined]

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with target.open("w", newline="", encoding="utf-8") as sink:
        written = asyncio.run(run(sink))
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = target.stat().st_size
    target.unlink()
    return {
        "survey": slug,
        "rows": written,
        "seconds": seconds,
        "bytes": size,
        "rss_before_kb": rss_before,
        "rss_growth_kb": rss_after - rss_before,
        "traced_peak_bytes": peak,
    }


# ------------------------------------------------------------------------------- parent
def child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def fmt_ms(d: dict[str, Any]) -> str:
    return f"{d['median_ms']:,.0f} ({d['min_ms']:,.0f}–{d['max_ms']:,.0f}; cpu {d['cpu_median_ms']:,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--pg-sizes", default="100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on the PostgreSQL databases before measuring (the "
        "development server has autovacuum off, so a fresh `chorus demo` "
        "database has no planner statistics)",
    )
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        help="autogroup nice for this run and PostgreSQL while measuring "
        "(e.g. -10 on a shared machine; see _common.prioritized)",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--csv-rows", default="10000,50000,100000")
    parser.add_argument("--csv-page", type=int, default=2000)
    parser.add_argument(
        "--only-csv", action="store_true", help="skip the report timings, run only the CSV export"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    if args.csv:
        print(json.dumps(csv_child(args.csv, args.csv_page, args.trace)))
        return

    print_machine()
    plan: list[tuple[str, int]] = []
    for engine in args.engines.split(","):
        sizes = args.sizes if engine == "sqlite" else args.pg_sizes
        if engine == "postgres" and not pg_available():
            print("PostgreSQL not reachable: skipped")
            continue
        plan += [(engine, int(n)) for n in sizes.split(",") if n]
    built = {(e, n): ensure_db(e, n, args.data_dir, args.rebuild) for e, n in plan}
    if args.build_only:
        return
    results: dict[tuple[str, int], dict[str, Any]] = {}
    csv_results: dict[str, list[dict[str, Any]]] = {}
    print(f"# priority: autogroup nice {args.priority}; repeat {args.repeat}")
    with prioritized({"bench": os.getpid(), "postgres": postmaster_pid() or 0}, args.priority):
        measure_all(args, plan, built, results, csv_results)
    print_tables(args, plan, results, csv_results)


def measure_all(
    args: argparse.Namespace,
    plan: list[tuple[str, int]],
    built: dict[tuple[str, int], dict[str, Any]],
    results: dict[tuple[str, int], dict[str, Any]],
    csv_results: dict[str, list[dict[str, Any]]],
) -> None:
    for engine, n in [] if args.only_csv else plan:
        info = built[(engine, n)]
        env = base_env(Path(info["var_dir"]), info["database_url"])
        if args.analyze and engine == "postgres":
            started = time.perf_counter()
            subprocess.run(
                ["psql", info["database_url"], "-qc", "ANALYZE"], check=True, capture_output=True
            )
            print(f"ANALYZE {engine} N={n:,}: {time.perf_counter() - started:.1f} s", flush=True)
        print(
            f"measuring {engine} N={n:,} (load average "
            f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}) …",
            flush=True,
        )
        results[(engine, n)] = child(["--measure", "--repeat", str(args.repeat)], env)
        r = results[(engine, n)]
        print(f"  rows: {r['counts']}")
        for key in (
            "trust_worker_all",
            "trust_resident_all",
            "trust_both_all",
            "trust_worker_area",
            "trust_resident_area",
            "trust_both_area",
            "api_trust_worker_all",
            "api_trust_resident_all",
            "api_trust_worker_area",
            "api_trust_resident_area",
            "dashboard_worker",
            "dashboard_resident",
            "results_page",
            "naive_one_metric",
            "naive_all_items",
        ):
            print(f"  {key:24s} {fmt_ms(r[key])} ms")
        print(f"  report matches naive GROUP BY: {r['report_matches_naive']}", flush=True)
    # CSV export on the largest database of each engine that has enough rows.
    for engine in dict.fromkeys(e for e, _ in plan):
        n = max(n for e, n in plan if e == engine)
        info = built[(engine, n)]
        env = base_env(Path(info["var_dir"]), info["database_url"])
        key = engine
        csv_results[key] = []
        for rows in [int(x) for x in args.csv_rows.split(",")]:
            common = ["--csv", str(rows), "--csv-page", str(args.csv_page)]
            timing = child(common, env)
            traced = child([*common, "--trace"], env)
            timing["traced_peak_bytes"] = traced["traced_peak_bytes"]
            timing["source_n"] = n
            csv_results[key].append(timing)
            print(
                f"  CSV {key} {timing['survey']} {timing['rows']:,} rows from N={n:,}: "
                f"{timing['seconds']:.2f} s, {timing['bytes'] / 1e6:.1f} MB, "
                f"RSS growth {timing['rss_growth_kb'] / 1024:.1f}"
                f" MiB, traced peak {timing['traced_peak_bytes'] / 1e6:.1f} MB",
                flush=True,
            )


def print_tables(
    args: argparse.Namespace,
    plan: list[tuple[str, int]],
    results: dict[tuple[str, int], dict[str, Any]],
    csv_results: dict[str, list[dict[str, Any]]],
) -> None:
    # ---- tables
    print(
        "\nTimings in ms: median of the warm runs (range; median CPU time of this process, "
        "all threads, which on PostgreSQL excludes the server's own work)."
    )
    print("\n| engine | N | responses | answer rows | answer_count rows | trust_score rows |")
    print("|---|---|---|---|---|---|")
    for (engine, n), r in results.items():
        c = r["counts"]
        print(
            f"| {engine} | {n:,} | {c['response']:,} | {c['answer']:,} | "
            f"{c['answer_count']:,} | {c['trust_score']:,} |"
        )
    print("\nIn-process trust_report + trust_document + json.dumps:\n")
    print(
        "| engine | N | worker | resident | worker by area | resident by area | both groups |"
        " both by area |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for (engine, n), r in results.items():
        print(
            f"| {engine} | {n:,} | {fmt_ms(r['trust_worker_all'])} | "
            f"{fmt_ms(r['trust_resident_all'])} | {fmt_ms(r['trust_worker_area'])} | "
            f"{fmt_ms(r['trust_resident_area'])} | {fmt_ms(r['trust_both_all'])} | "
            f"{fmt_ms(r['trust_both_area'])} |"
        )
    print("\nThrough the app (TestClient, in-process ASGI):\n")
    print(
        "| engine | N | API trust worker | API trust resident | API worker by area | "
        "API resident by area | dashboard worker | dashboard resident | /en/results |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (engine, n), r in results.items():
        print(
            f"| {engine} | {n:,} | {fmt_ms(r['api_trust_worker_all'])} | "
            f"{fmt_ms(r['api_trust_resident_all'])} | {fmt_ms(r['api_trust_worker_area'])} | "
            f"{fmt_ms(r['api_trust_resident_area'])} | {fmt_ms(r['dashboard_worker'])} | "
            f"{fmt_ms(r['dashboard_resident'])} | {fmt_ms(r['results_page'])} |"
        )
    print("\nNaive reference over raw answers (driver, no Piccolo):\n")
    print(
        "| engine | N | one metric, per month (confidence) | every item of both groups | "
        "report equals naive counts |"
    )
    print("|---|---|---|---|---|")
    for (engine, n), r in results.items():
        print(
            f"| {engine} | {n:,} | {fmt_ms(r['naive_one_metric'])} | "
            f"{fmt_ms(r['naive_all_items'])} | {r['report_matches_naive']} |"
        )
    print("\nStreamed CSV export of raw responses (reports.responses, one row per response):\n")
    print("| engine | survey | rows | seconds | MB written | RSS growth MiB | traced peak MB |")
    print("|---|---|---|---|---|---|---|")
    for engine, items in csv_results.items():
        for t in items:
            print(
                f"| {engine} | {t['survey']} | {t['rows']:,} | {t['seconds']:.2f} | "
                f"{t['bytes'] / 1e6:.1f} | {t['rss_growth_kb'] / 1024:.1f} | "
                f"{t['traced_peak_bytes'] / 1e6:.1f} |"
            )

    # ---- targets
    print("\nTargets (issue 6):")
    for engine in dict.fromkeys(e for e, _ in plan):
        sizes = sorted(n for e, n in plan if e == engine)
        if (engine, sizes[-1]) not in results:
            continue
        top = results[(engine, sizes[-1])]
        for key in (
            "api_trust_worker_all",
            "api_trust_resident_all",
            "api_trust_worker_area",
            "api_trust_resident_area",
        ):
            ms = top[key]["median_ms"]
            print(
                f"  {engine:8s} {key} at N={sizes[-1]:,}: <=300 ms: {verdict(ms <= 300)} "
                f"({ms:,.0f} ms)"
            )
        for key in ("dashboard_worker", "dashboard_resident", "results_page"):
            ms = top[key]["median_ms"]
            print(
                f"  {engine:8s} {key} at N={sizes[-1]:,}: <=500 ms: {verdict(ms <= 500)} "
                f"({ms:,.0f} ms)"
            )
        if len(sizes) > 1:
            low = results[(engine, sizes[0])]
            growth_n = sizes[-1] / sizes[0]
            for key in (
                "api_trust_worker_all",
                "api_trust_worker_area",
                "dashboard_worker",
                "results_page",
            ):
                g = top[key]["median_ms"] / low[key]["median_ms"]
                print(
                    f"  {engine:8s} {key} grows x{g:.1f} from N={sizes[0]:,} to "
                    f"N={sizes[-1]:,} (x{growth_n:.0f} data): less than linear: "
                    f"{verdict(g < growth_n)}"
                )
    for key, items in csv_results.items():
        for t in items:
            if t["rows"] >= 100_000:
                print(
                    f"  CSV {key} {t['rows']:,} rows <=2 s: {verdict(t['seconds'] <= 2)} "
                    f"({t['seconds']:.2f} s)"
                )
        if len(items) > 1:
            flat = items[-1]["traced_peak_bytes"] <= 2 * items[0]["traced_peak_bytes"]
            print(
                f"  CSV {key} memory flat (peak at {items[-1]['rows']:,} rows <= 2x peak "
                f"at {items[0]['rows']:,}): {verdict(flat)}"
            )
    print(
        "\nraw: "
        + json.dumps(
            {f"{e}-{n}": r for (e, n), r in results.items()}
            | {f"csv-{e}": v for e, v in csv_results.items()}
        )
    )


if __name__ == "__main__":
    main()
