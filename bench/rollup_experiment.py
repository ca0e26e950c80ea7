"""What the trust report's query would cost with a different roll-up shape (an experiment for
the recommendations in docs/benchmarks.md; it changes nothing in the application's database).

    python bench/rollup_experiment.py --var-dir /tmp/chorus-bench-data/sqlite-1000000 [--repeat 5]

The report (reports/trust.py `_answer_counts`) sums `answer_count`, whose key holds every
breakdown at once (period x area x work_setting x locale x channel): with a million responses
that table has more rows than there are cells anyone reads. Here, in a separate SQLite file
ATTACHed beside the (read-only) benchmark database, three variants are built from the same
data and the report's query is timed on each, for the worker items over the last 24 months,
overall and by area:

  current      answer_count as it is (index on period only)
  covering     a copy of answer_count with an index on (survey, question, period, value,
               area, n): same rows, read in index order, no table lookups
  marginal     one roll-up row per (survey, question, value, period) and breakdown value,
               for each single breakdown (none, area, work_setting, locale, channel): the
               report only ever breaks down by one dimension at a time
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

DIMS = ("area", "work_setting", "locale", "channel")


def timed(db: sqlite3.Connection, sql: str, params: list[object], repeat: int) -> tuple[float, int]:
    rows = db.execute(sql, params).fetchall()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        rows = db.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="experiment file (default: temp)")
    args = parser.parse_args()
    import os
    import tempfile

    os.environ["CHORUS_VAR_DIR"] = str(args.var_dir)
    from reports.metrics import metrics_for
    from reports.periods import month_range

    source = args.var_dir / "chorus.sqlite3"
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-rollup-")) / "experiment.sqlite3"
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    db.execute(f"ATTACH DATABASE '{work}' AS x")
    months = month_range(None, None)
    questions = [m.question for m in metrics_for("worker")]
    marks = ", ".join("?" for _ in questions)
    have = {r[0] for r in db.execute("SELECT name FROM x.sqlite_master WHERE type='table'")}
    started = time.perf_counter()
    if "answer_count" not in have:
        db.execute("CREATE TABLE x.answer_count AS SELECT * FROM main.answer_count")
        db.execute(
            "CREATE INDEX x.answer_count_report ON answer_count "
            "(survey, question, period, value, area, n)"
        )
    if "answer_margin" not in have:
        db.execute(
            "CREATE TABLE x.answer_margin (survey TEXT, question TEXT, value TEXT, "
            "period TEXT, dim TEXT, dim_value TEXT, n INTEGER)"
        )
        db.execute(
            "INSERT INTO x.answer_margin SELECT survey, question, value, period, '', '', "
            "SUM(n) FROM main.answer_count GROUP BY survey, question, value, period"
        )
        for dim in DIMS:
            db.execute(
                f"INSERT INTO x.answer_margin SELECT survey, question, value, period, "
                f"'{dim}', {dim}, SUM(n) FROM main.answer_count "
                f"GROUP BY survey, question, value, period, {dim}"
            )
        db.execute(
            "CREATE UNIQUE INDEX x.answer_margin_key ON answer_margin "
            "(survey, dim, question, period, value, dim_value)"
        )
    db.commit()
    build = time.perf_counter() - started
    counts = {
        "current": db.execute("SELECT COUNT(*) FROM main.answer_count").fetchone()[0],
        "marginal": db.execute("SELECT COUNT(*) FROM x.answer_margin").fetchone()[0],
    }
    base = [*questions, months[0], months[-1]]
    current = (
        "SELECT question, period, value{dim}, SUM(n) AS n FROM {table} "
        f"WHERE survey = 'worker-voice' AND question IN ({marks}) "
        "AND period >= ? AND period <= ? GROUP BY question, period, value{dim}"
    )
    marginal = (
        "SELECT question, period, value, dim_value, SUM(n) AS n FROM x.answer_margin "
        f"WHERE survey = 'worker-voice' AND dim = ? AND question IN ({marks}) "
        "AND period >= ? AND period <= ? GROUP BY question, period, value, dim_value"
    )
    print(
        f"# {source}: answer_count {counts['current']:,} rows; marginal roll-up "
        f"{counts['marginal']:,} rows (built in {build:.1f} s)"
    )
    print("\n| variant | overall ms | rows out | by area ms | rows out |")
    print("|---|---|---|---|---|")
    results = {}
    for name, table in (
        ("current (answer_count, index on period)", "main.answer_count"),
        ("covering index (survey, question, period, value, area, n)", "x.answer_count"),
    ):
        overall = timed(db, current.format(dim="", table=table), base, args.repeat)
        by_area = timed(db, current.format(dim=", area", table=table), base, args.repeat)
        results[name] = (overall, by_area)
    overall = timed(db, marginal, ["", *base], args.repeat)
    by_area = timed(db, marginal, ["area", *base], args.repeat)
    results["marginal roll-ups (one per breakdown)"] = (overall, by_area)
    for name, ((o_ms, o_rows), (a_ms, a_rows)) in results.items():
        print(f"| {name} | {o_ms:,.1f} | {o_rows:,} | {a_ms:,.1f} | {a_rows:,} |")
    # The marginal table gives the same sums as the current one.
    same = sorted(db.execute(current.format(dim="", table="main.answer_count"), base)) == sorted(
        (q, p, v, n) for q, p, v, _, n in db.execute(marginal, ["", *base])
    )
    print(f"\nmarginal roll-up gives the same counts as answer_count: {same}")
    print(f"experiment file: {work}")


if __name__ == "__main__":
    main()
