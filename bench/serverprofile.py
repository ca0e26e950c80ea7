"""Where the server's CPU goes under load: py-spy on every `chorus serve` worker while wrk runs.

    python bench/serverprofile.py --target api|form|get [--engine sqlite|postgres] [--duration 15]

Starts `chorus serve --workers 2` on a fresh database (as bench/submit.py does, rate limits out
of the way), drives one endpoint with wrk, and samples each worker with
`py-spy record --nonblocking --format raw` (on-CPU samples only, all threads, so aiosqlite's
connection threads count). Prints the share of samples by category, by function (self and
inclusive), and by Chorus function (inclusive). Needs py-spy in the virtualenv
(`pip install py-spy`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import submit  # noqa: E402
from _common import (  # noqa: E402
    base_env,
    descendants,
    pg_create,
    pg_drop,
    postmaster_pid,
    prioritized,
    run_wrk,
    serving,
    temp_dir,
)

#: (label, pattern over one frame). Each sample goes to the first category matched walking
#: from the leaf frame towards the root, so the shares add up to 100%.
CATEGORIES = [
    (
        "SQLite busy handler: sleeping for the write lock",
        r"sqlite3InvokeBusyHandler|sqliteDefaultBusyCallback",
    ),
    ("SQLite fsync at commit", r"fdatasync|fsync|unixSync"),
    (
        "aiosqlite: open a connection (one per query/transaction)",
        r"connector \(aiosqlite|sqlite3\.connect|openDatabase",
    ),
    (
        "SQLite library (execute, commit; the aiosqlite thread)",
        r"libsqlite3|pysqlite|_connection_worker_thread|aiosqlite",
    ),
    ("asyncpg", r"asyncpg"),
    ("Piccolo (query building, results)", r"piccolo/"),
    (
        "free text: redaction, TextBlob sentiment, key phrases",
        r"textblob|feedback/(sentiment|phrases|redaction|pipeline|safeguarding)",
    ),
    ("Jinja rendering (incl. markupsafe escaping)", r"jinja2|markupsafe|\.html\)"),
    ("itsdangerous (signed form state)", r"itsdangerous"),
    ("hmac / hashlib", r"hmac\.py|hashlib|_hashlib"),
    ("argon2", r"argon2"),
    ("logging (access log)", r"logging/|chorus/logs\.py"),
    ("stdlib json (log lines, phrases)", r"json/"),
    ("gzip", r"gzip|zlib"),
    ("i18n: Babel, gettext, locales/i18n.py", r"babel/|gettext|locales/i18n"),
    ("Chorus code (other)", r"\((chorus|surveys|feedback|reports)/"),
    ("Litestar / msgspec", r"litestar/|msgspec"),
    ("uvicorn / httptools / uvloop", r"uvicorn/|httptools|uvloop"),
    ("asyncio / threading", r"asyncio/|threading\.py|concurrent/"),
]


def summarise(raw_files: list[Path], top: int) -> str:
    stacks: Counter[str] = Counter()
    for path in raw_files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[stack] += int(count)
    total = sum(stacks.values())
    if not total:
        return "no samples"
    out = [f"{total:,} samples from {len(raw_files)} worker processes"]
    out.append("\nBy category (each sample counted once, at its deepest matching frame):")
    compiled = [(label, re.compile(pattern)) for label, pattern in CATEGORIES]
    by_category: Counter[str] = Counter()
    for stack, count in stacks.items():
        label = "other"
        # Waiting for SQLite's lock or for the disk shows up under unnamed sqlite frames:
        # these two are decided on the whole stack first.
        for name, rx in compiled[:2]:
            if rx.search(stack):
                label = name
                break
        for frame in reversed(stack.split(";")) if label == "other" else ():
            hit = next((name for name, rx in compiled if rx.search(frame)), None)
            if hit:
                label = hit
                break
        by_category[label] += count
    for label, n in by_category.most_common():
        out.append(f"  {100 * n / total:5.1f}%  {label}")
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    chorus: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        own[_short(frames[-1])] += count
        seen = set()
        for frame in frames:
            name = _short(frame)
            if name in seen:
                continue
            seen.add(name)
            inclusive[name] += count
            if re.search(r"\((?:/work/main/)?(chorus|surveys|feedback|reports|locales)/", frame):
                chorus[name] += count
    out.append("\nSelf time, top functions:")
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    out.append("\nInclusive time, Chorus functions:")
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in chorus.most_common(top)]
    out.append("\nInclusive time, all functions:")
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(out)


def _short(frame: str) -> str:
    frame = frame.replace("/work/main/.venv/lib/python3.11/site-packages/", "")
    frame = frame.replace("/work/main/", "")
    frame = re.sub(r"/root/\.pyenv/versions/[^/]+/lib/python3\.11/", "", frame)
    return re.sub(r":\d+\)$", ")", frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("api", "form", "get"), default="api")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=97, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--states", type=int, default=8000)
    parser.add_argument(
        "--idle", action="store_true", help="also sample waiting threads (wall-clock view, not CPU)"
    )
    parser.add_argument("--native", action="store_true", help="include C frames (sqlite3 …)")
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        help="autogroup nice while measuring (see _common.prioritized)",
    )
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    var_dir = temp_dir("bench-profile-")
    db_name = f"chorus_bench_profile_{os.getpid()}"
    url = pg_create(db_name) if args.engine == "postgres" else None
    env = base_env(
        var_dir,
        url,
        CHORUS_SUBMIT_LIMIT="1000000000",
        CHORUS_RECEIPT_LIMIT="1000000000",
        CHORUS_PROOF_OF_WORK="off",
    )
    for key in [k for k in os.environ if k.startswith("CHORUS_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith("CHORUS_") or k == "DATABASE_URL"}
    )
    from surveys.registry import get_survey

    survey = get_survey("worker-voice")
    rng = random.Random(1)
    work = temp_dir("bench-profile-bodies-")
    try:
        with (
            serving(env, workers=2, log=var_dir / "server.log") as (base, process),
            prioritized(
                {
                    "server": process.pid,
                    "bench": os.getpid(),
                    **({"postgres": postmaster_pid() or 0} if url else {}),
                },
                args.priority,
            ),
        ):
            run_wrk(base + submit.GET_PATH, submit.GET_LUA, 2, args.connections, 1)
            if args.target == "api":
                bodies = [
                    submit.json.dumps(
                        {
                            "answers": submit.random_answers(
                                survey, rng, None, 0.5, submit.WORKER_TEXTS
                            ),
                            "locale": "en",
                        },
                        separators=(",", ":"),
                    )
                    for _ in range(2000)
                ]
                path, ctype, want, pattern, cycle = (
                    submit.API_PATH,
                    "application/json",
                    201,
                    '"receipt"%s*:%s*"([%w%-]+)"',
                    True,
                )
            elif args.target == "form":
                bodies, _, _ = asyncio.run(submit.walk_states(base, args.states, 32, 0.5, 1))
                path, ctype, want, pattern, cycle = (
                    submit.FORM_PATH,
                    "application/x-www-form-urlencoded",
                    200,
                    'class="receipt"[^>]*>%s*([%w%-]+)%s*<',
                    False,
                )
            body_file = work / "bodies"
            if args.target != "get":
                body_file.write_text("\n".join(bodies) + "\n")
            workers = [
                p
                for p in descendants(process.pid)
                if p != process.pid and b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
            ]
            spies = []
            raws = []
            for pid in workers:
                raw = work / f"{pid}.txt"
                raws.append(raw)
                spies.append(
                    subprocess.Popen(
                        [
                            py_spy,
                            "record",
                            "--pid",
                            str(pid),
                            "--duration",
                            str(args.duration),
                            "--rate",
                            str(args.rate),
                            *([] if args.native else ["--nonblocking"]),
                            "--format",
                            "raw",
                            "--output",
                            str(raw),
                            *(["--idle"] if args.idle else []),
                            *(["--native"] if args.native else []),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=open(work / f"{pid}.err", "wb"),
                    )
                )
            if args.target == "get":
                result = run_wrk(
                    base + submit.GET_PATH, submit.GET_LUA, args.duration, args.connections, 1
                )
                print(f"GET: {result.rate:,.0f} req/s")
            else:
                env_w = {
                    "BENCH_BODIES": str(body_file),
                    "BENCH_PATH": path,
                    "BENCH_CTYPE": ctype,
                    "BENCH_CYCLE": "1" if cycle else "0",
                    "BENCH_WANT": str(want),
                    "BENCH_PATTERN": pattern,
                    "BENCH_RECEIPTS": str(work / "receipts"),
                    "BENCH_COUNTS": str(work / "counts.json"),
                }
                result = run_wrk(
                    base + path, submit.POST_LUA, args.duration, args.connections, 1, env_w
                )
                counts = submit.json.loads((work / "counts.json").read_text())
                print(
                    f"{args.target}: {counts['accepted'] / result.duration:,.0f} accepted/s "
                    f"({result.rate:,.0f} req/s, p50 {result.p50_ms:.0f} ms, "
                    f"p99 {result.p99_ms:.0f} ms)"
                )
            for spy in spies:
                spy.wait(timeout=60)
    finally:
        if url:
            pg_drop(db_name)
    print(summarise([r for r in raws if r.exists()], args.top))
    for err in work.glob("*.err"):
        text = err.read_text(errors="replace").strip()
        if "Error" in text or "error" in text:
            print(f"py-spy {err.stem}: {text[-500:]}")


if __name__ == "__main__":
    main()
