"""Accepted submissions per second against `chorus serve --workers 2`, beside the GET rate.

    python bench/submit.py [--duration 20] [--connections 32] [--engines sqlite,postgres]

For each engine, on a fresh database (SQLite in a temporary CHORUS_VAR_DIR; PostgreSQL in a
scratch database made with createdb and dropped afterwards) this starts the real server and,
for a fixed time each, drives it with wrk (C, one thread, keep-alive, 32 connections):

  (a) GET  /en/surveys/worker-voice                               (the survey's first page)
  (c) POST /api/v1/surveys/worker-voice/responses  {"answers": …}  accepted = 201 + receipt
  (b) POST /en/feedback/concern  with the LAST page's signed state accepted = 200 + receipt

For (b), every request carries its own last-page state (its own one-time token), built before
the timed run by walking the two-page form over HTTP (GET page 1, POST page 1's answers, keep
page 2's state). A state is never sent twice during the run, so no replay is counted; if the
states run out, the thread stops and the figure is marked as a lower bound.

Rate limiting is switched off in effect (CHORUS_SUBMIT_LIMIT=1000000000) and proof of work is
off (CHORUS_PROOF_OF_WORK=off), so both measure the service, not its guards.

Afterwards (server stopped) every acknowledged receipt code is hashed with the server's key and
looked up: it must exist with its Response row. Responses stored without an acknowledgement
(requests cut off when wrk stops) are reported separately.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import sqlite3
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    CpuMeter,
    RawClient,
    WrkResult,
    base_env,
    pg_available,
    pg_create,
    pg_drop,
    postmaster_pid,
    print_machine,
    prioritized,
    renice_pg_backends,
    run_wrk,
    serving,
    temp_dir,
    verdict,
)

GET_PATH = "/en/surveys/worker-voice"
FORM_PATH = "/en/feedback/concern"
API_PATH = "/api/v1/surveys/worker-voice/responses"

CONCERN_TEXTS = [
    "Cars slow down next to women on the corner most nights and the drivers shout at them.",
    "There were used needles in the alley behind the shops again this week.",
    "Loud arguments and car doors slamming after midnight, it wakes the children.",
    "A man was following people near the station and taking photos of them.",
    "I think the girls in the flat above are being controlled by the man who collects money.",
    "Nothing much, but the street lights by the park have been broken for a month.",
    "The officers who came were kind and listened, thank you.",
    "Someone threatened my neighbour when she asked them to move their car.",
]
WORKER_TEXTS = [
    "Let us report online without giving a name.",
    "Officers should not use condoms as evidence.",
    "A liaison officer who is always the same person would help.",
    "Stop raids, they make us less safe.",
]

POST_LUA = r"""
local nthreads = tonumber(os.getenv("BENCH_THREADS"))
local counter = 0
local all_threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(all_threads, thread)
end
function init(args)
  bodies = {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
  idx = tid + 1
  path = os.getenv("BENCH_PATH")
  headers = {["Content-Type"] = os.getenv("BENCH_CTYPE")}
  cycle = os.getenv("BENCH_CYCLE") == "1"
  want = tonumber(os.getenv("BENCH_WANT"))
  pattern = os.getenv("BENCH_PATTERN")
  receipts = {}
  statuses = {}
  samples = {}
  accepted = 0
  other = 0
  probes = 0
  exhausted = 0
end
function request()
  if idx > #bodies then
    if cycle then
      idx = tid + 1
    else
      exhausted = 1
      probes = probes + 1
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
  end
  local body = bodies[idx]
  idx = idx + nthreads
  return wrk.format("POST", path, headers, body)
end
function response(status, hdrs, body)
  local code = nil
  if status == want then code = string.match(body, pattern) end
  if code then
    accepted = accepted + 1
    receipts[accepted] = code
  else
    other = other + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if #samples < 3 and status ~= 200 then samples[#samples + 1] = string.sub(body, 1, 600) end
  end
end
function extra_done()
  local f = io.open(os.getenv("BENCH_RECEIPTS"), "w")
  local acc, oth, prb, exh = 0, 0, 0, 0
  local st = {}
  local smp = {}
  for _, t in ipairs(all_threads) do
    acc = acc + t:get("accepted")
    oth = oth + t:get("other")
    prb = prb + t:get("probes")
    exh = exh + t:get("exhausted")
    for _, code in ipairs(t:get("receipts")) do f:write(code, "\n") end
    for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
    for _, s in ipairs(t:get("samples")) do smp[#smp + 1] = s end
  end
  f:close()
  local g = io.open(os.getenv("BENCH_COUNTS"), "w")
  local parts = {}
  for k, v in pairs(st) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  local sm = {}
  for _, s in ipairs(smp) do
    sm[#sm + 1] = '"' .. string.gsub(string.gsub(s, '[\\"]', '\\%0'), '[%c]', ' ') .. '"'
  end
  g:write(string.format('{"accepted":%d,"other":%d,"probes":%d,"exhausted":%d,' ..
    '"statuses":{%s},"samples":[%s]}', acc, oth, prb, exh, table.concat(parts, ","),
    table.concat(sm, ",")))
  g:close()
end
"""

GET_LUA = r"""
wrk.method = "GET"
"""


@dataclass
class Phase:
    name: str
    wrk: WrkResult
    accepted: int = 0
    receipts: list[str] = field(default_factory=list)
    other_statuses: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    exhausted: bool = False
    probes: int = 0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        e = self.wrk.errors
        # wrk's "status" errors are 4xx/5xx; a 200 without a receipt is also not accepted.
        non_accepted = sum(v for k, v in self.other_statuses.items() if k != "200")
        soft = self.other_statuses.get("200", 0) - self.probes
        if self.name == "get":
            return e["connect"] + e["read"] + e["write"] + e["timeout"] + e["status"]
        return e["connect"] + e["read"] + e["write"] + e["timeout"] + non_accepted + max(0, soft)

    @property
    def accepted_rate(self) -> float:
        if self.name == "get":
            return self.wrk.rate
        return self.accepted / self.wrk.duration


# ----------------------------------------------------------------------------- answers
def _visible(question: Any, answers: dict[str, Any]) -> bool:
    cond = question.show_if
    if cond is None:
        return True
    given = answers.get(cond.question)
    chosen = {given} if isinstance(given, str) else set(given or [])
    return bool(chosen & set(cond.any_of))


def random_answers(
    survey: Any, rng: random.Random, pages: range | None, text_share: float, texts: list[str]
) -> dict[str, Any]:
    from surveys.forms import options_for

    answers: dict[str, Any] = {}
    for index in pages if pages is not None else range(len(survey.pages)):
        for question in survey.pages[index].questions:
            if not _visible(question, answers):
                continue
            if question.kind == "text":
                if rng.random() < text_share:
                    answers[question.id] = rng.choice(texts)
                continue
            if not question.required and rng.random() < 0.08:
                continue  # skipped, as people do
            values = [o.value for o in options_for(question)]
            if question.id == "danger_now":
                values = ["no", "no", "no", "no", "prefer_not", "yes"]
            if question.kind == "multiple":
                answers[question.id] = rng.sample(values[:-1], k=rng.randint(1, 2))
            else:
                answers[question.id] = rng.choice(values)
    return answers


def form_body(state: str, answers: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = [("state", state)]
    for key, value in answers.items():
        for item in [value] if isinstance(value, str) else value:
            pairs.append((key, item))
    pairs += [("website", ""), ("action", "next")]
    return urllib.parse.urlencode(pairs)


STATE_RE = None


def extract_state(html: bytes) -> str | None:
    import re

    global STATE_RE
    if STATE_RE is None:
        STATE_RE = re.compile(rb'name="state" value="([^"]+)"')
    found = STATE_RE.search(html)
    return found.group(1).decode() if found else None


async def walk_states(
    base: str, count: int, concurrency: int, text_share: float, seed: int
) -> tuple[list[str], dict[str, int], float]:
    """Walk /en/feedback/concern up to its last page `count` times; return the bodies of the
    final POST (each with its own state and token), problems seen, and the walk's rate."""
    from surveys.registry import get_survey

    survey = get_survey("concern")
    assert survey is not None and len(survey.pages) >= 2
    last = len(survey.pages) - 1
    host, port = base.removeprefix("http://").split(":")
    rng = random.Random(seed)
    bodies: list[str] = []
    problems: Counter[str] = Counter()
    remaining = count

    async def one(client: RawClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, _, html = await client.request("GET", FORM_PATH)
            state = extract_state(html) if status == 200 else None
            if state is None:
                problems[f"GET {status}"] += 1
                continue
            answers = random_answers(survey, rng, range(0, 1), text_share, CONCERN_TEXTS)
            for page in range(1, last + 1):
                body = form_body(state, answers)
                status, _, html = await client.request(
                    "POST", FORM_PATH, body.encode(), "application/x-www-form-urlencoded"
                )
                state = extract_state(html) if status == 200 else None
                if state is None:
                    problems[f"POST page {page} {status}"] += 1
                    break
                answers = (
                    random_answers(survey, rng, range(page, page + 1), text_share, CONCERN_TEXTS)
                    if page < last
                    else {}
                )
            else:
                final = random_answers(
                    survey, rng, range(last, last + 1), text_share, CONCERN_TEXTS
                )
                bodies.append(form_body(state, final))

    clients = [RawClient(host, int(port)) for _ in range(concurrency)]
    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in clients))
    elapsed = time.perf_counter() - started
    for c in clients:
        await c.close()
    return bodies, dict(problems), len(bodies) / elapsed


async def warm_posts(base: str, bodies_file: Path, count: int) -> list[str]:
    """A few API submissions over 8 connections (so both workers get some) before timing."""
    import re

    host, port = base.removeprefix("http://").split(":")
    bodies = bodies_file.read_text().split("\n")[:count]
    codes: list[str] = []

    async def lane(items: list[str]) -> None:
        client = RawClient(host, int(port))
        for body in items:
            status, _, data = await client.request(
                "POST", API_PATH, body.encode(), "application/json"
            )
            found = re.search(rb'"receipt"\s*:\s*"([\w-]+)"', data)
            if status != 201 or not found:
                raise RuntimeError(f"warm-up submission failed: {status} {data[:300]!r}")
            codes.append(found.group(1).decode())
        await client.close()

    await asyncio.gather(*(lane(bodies[i::8]) for i in range(8)))
    return codes


# ------------------------------------------------------------------------------- phases
def post_phase(
    name: str,
    url: str,
    path: str,
    bodies_file: Path,
    ctype: str,
    want: int,
    pattern: str,
    cycle: bool,
    args: argparse.Namespace,
    server_pid: int,
) -> Phase:
    work = bodies_file.parent
    env = {
        "BENCH_BODIES": str(bodies_file),
        "BENCH_PATH": path,
        "BENCH_CTYPE": ctype,
        "BENCH_CYCLE": "1" if cycle else "0",
        "BENCH_WANT": str(want),
        "BENCH_PATTERN": pattern,
        "BENCH_RECEIPTS": str(work / f"{name}.receipts"),
        "BENCH_COUNTS": str(work / f"{name}.counts.json"),
    }
    meter = CpuMeter(roots(server_pid))
    meter.start()
    result = run_wrk(url, POST_LUA, args.duration, args.connections, args.threads, env)
    cpu = meter.stop({"loadgen": result.cpu_seconds})
    counts = json.loads((work / f"{name}.counts.json").read_text())
    receipts = [line for line in (work / f"{name}.receipts").read_text().split() if line]
    return Phase(
        name=name,
        wrk=result,
        accepted=len(set(receipts)),
        receipts=receipts,
        other_statuses=counts["statuses"],
        samples=counts["samples"],
        exhausted=bool(counts["exhausted"]),
        probes=int(counts["probes"]),
        cpu=cpu,
    )


def roots(server_pid: int) -> dict[str, int]:
    found = {"server": server_pid}
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pm = postmaster_pid()
        if pm:
            found["postgres"] = pm  # every backend, other users' included
    return found


def get_phase(url: str, args: argparse.Namespace, server_pid: int) -> Phase:
    meter = CpuMeter(roots(server_pid))
    meter.start()
    result = run_wrk(url, GET_LUA, args.duration, args.connections, args.threads)
    cpu = meter.stop({"loadgen": result.cpu_seconds})
    return Phase(name="get", wrk=result, accepted=result.requests, cpu=cpu)


# -------------------------------------------------------------------------------- verify
def code_hash(secret: bytes, code: str) -> str:
    # The same keyed hash as feedback.receipts.code_hash (checked below against the app's).
    return hmac.new(
        secret, b"receipt-lookup\0" + code.replace("-", "").encode(), hashlib.sha256
    ).hexdigest()


def stored_receipts(database_url: str | None, var_dir: Path) -> tuple[dict[str, str], int, int]:
    """code_hash -> survey for every stored response, the Response count, and how many
    responses have no answer row at all."""
    sql_pairs = (
        "SELECT rc.code_hash, rs.survey FROM receipt rc JOIN response rs ON rs.receipt = rc.id"
    )
    sql_count = "SELECT COUNT(*) FROM response"
    sql_empty = (
        "SELECT COUNT(*) FROM response rs WHERE NOT EXISTS "
        "(SELECT 1 FROM answer a WHERE a.response = rs.id)"
    )
    if database_url is None:
        db = sqlite3.connect(var_dir / "chorus.sqlite3")
        try:
            pairs = dict(db.execute(sql_pairs).fetchall())
            total = db.execute(sql_count).fetchone()[0]
            empty = db.execute(sql_empty).fetchone()[0]
        finally:
            db.close()
        return pairs, int(total), int(empty)

    async def pg() -> tuple[dict[str, str], int, int]:
        import asyncpg

        conn = await asyncpg.connect(database_url)
        try:
            pairs = {r[0]: r[1] for r in await conn.fetch(sql_pairs)}
            total = await conn.fetchval(sql_count)
            empty = await conn.fetchval(sql_empty)
        finally:
            await conn.close()
        return pairs, int(total), int(empty)

    return asyncio.run(pg())


# ----------------------------------------------------------------------------------- run
def run_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = temp_dir(f"bench-submit-{engine}-")
    db_name = f"chorus_bench_submit_{os.getpid()}"
    database_url = pg_create(db_name) if engine == "postgres" else None
    env = base_env(
        var_dir,
        database_url,
        CHORUS_SUBMIT_LIMIT="1000000000",
        CHORUS_RECEIPT_LIMIT="1000000000",
        CHORUS_PROOF_OF_WORK="off",
    )
    # The bench process reads the same definitions and key as the server it starts.
    for key in [k for k in os.environ if k.startswith("CHORUS_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith("CHORUS_") or k == "DATABASE_URL"}
    )
    from chorus.settings import get_settings

    get_settings.cache_clear()
    from surveys.registry import get_survey

    survey = get_survey("worker-voice")
    assert survey is not None
    rng = random.Random(args.seed)
    work = temp_dir("bench-submit-bodies-")
    api_file = work / "api.bodies"
    api_file.write_text(
        "\n".join(
            json.dumps(
                {
                    "answers": random_answers(survey, rng, None, args.text_share, WORKER_TEXTS),
                    "locale": "en",
                },
                separators=(",", ":"),
            )
            for _ in range(4000)
        )
        + "\n"
    )
    log = var_dir / "server.log"
    print(
        f"\n## {engine}: chorus serve --workers {args.workers} "
        f"({'DATABASE_URL=' + database_url if database_url else 'SQLite in ' + str(var_dir)})"
    )
    phases: dict[str, Phase] = {}
    walk_info: dict[str, Any] = {}
    if True:
        with (
            serving(env, workers=args.workers, log=log) as (base, process),
            prioritized(
                {
                    "server": process.pid,
                    "bench and wrk": os.getpid(),
                    **({"postgres": pm} if database_url and (pm := postmaster_pid()) else {}),
                },
                args.priority,
            ) as boosted,
        ):
            if boosted:
                print(
                    f"   session groups given autogroup nice {args.priority}: {', '.join(boosted)}"
                )
            secret = (var_dir / "secret_key").read_bytes().strip()
            from feedback.receipts import code_hash as app_code_hash

            assert app_code_hash("ABCDEFGHJK0123456789") == code_hash(
                secret, "ABCDE-FGHJK-01234-56789"
            )
            # Warm up: templates compiled, connections opened, TextBlob's lexicon loaded, in
            # both workers. The warm-up submissions' receipts are verified like the others.
            run_wrk(base + GET_PATH, GET_LUA, 2, args.connections, args.threads)
            warm_codes = asyncio.run(warm_posts(base, api_file, 64))
            if database_url:
                # Pool connections opened by now (32 concurrent requests in the warm-up).
                run_wrk(base + "/healthz", GET_LUA, 2, args.connections, args.threads)
                reniced = renice_pg_backends(db_name)
                if reniced:
                    print(
                        f"   PostgreSQL backends of {db_name} given nice {os.nice(0)}: "
                        f"{len(reniced)}"
                    )
            phases["get"] = get_phase(base + GET_PATH, args, process.pid)
            report_phase(phases["get"])
            phases["api"] = post_phase(
                "api",
                base + API_PATH,
                API_PATH,
                api_file,
                "application/json",
                201,
                '"receipt"%s*:%s*"([%w%-]+)"',
                True,
                args,
                process.pid,
            )
            report_phase(phases["api"])
            # Enough one-time states for the whole run: the form path may be faster than the
            # API (a concern has fewer answers than a survey), so plan on the GET rate too.
            pace = max(phases["api"].accepted_rate * 1.5, phases["get"].accepted_rate)
            want = max(args.states, int(pace * args.duration) + 1000)
            print(
                f"   walking {want:,} concern forms to their last page "
                f"(GET page 1, POST page 1) for distinct one-time states …",
                flush=True,
            )
            bodies, problems, walk_rate = asyncio.run(
                walk_states(base, want, args.connections, args.text_share, args.seed)
            )
            walk_info = {"states": len(bodies), "problems": problems, "rate": walk_rate}
            print(f"   {len(bodies):,} states at {walk_rate:,.0f} walks/s; problems: {problems}")
            form_file = work / "form.bodies"
            form_file.write_text("\n".join(bodies) + "\n")
            phases["form"] = post_phase(
                "form",
                base + FORM_PATH,
                FORM_PATH,
                form_file,
                "application/x-www-form-urlencoded",
                200,
                'class="receipt"[^>]*>%s*([%w%-]+)%s*<',
                False,
                args,
                process.pid,
            )
            report_phase(phases["form"])
    # Verification, server stopped.
    stored, total, empty = stored_receipts(database_url, var_dir)
    checks: dict[str, Any] = {"stored_responses": total, "responses_without_answers": empty}
    for name, survey_slug in (("api", "worker-voice"), ("form", "concern")):
        acked = {code_hash(secret, c) for c in phases[name].receipts}
        if name == "api":
            acked |= {code_hash(secret, c) for c in warm_codes}
        stored_here = {h for h, s in stored.items() if s == survey_slug}
        checks[name] = {
            "acknowledged": len(acked),
            "acknowledged_replies": len(phases[name].receipts),
            "stored": len(stored_here),
            "missing": len(acked - stored_here),
            "stored_not_acknowledged": len(stored_here - acked),
        }
    server_errors = sum(
        1
        for line in log.read_text(errors="replace").splitlines()
        if '"status": 500' in line or '"level": "error"' in line
    )
    checks["server_log_errors"] = server_errors
    print(f"   verify: {json.dumps(checks)}")
    if engine == "postgres" and not args.keep:
        pg_drop(db_name)
    return {
        "engine": engine,
        "phases": phases,
        "checks": checks,
        "walk": walk_info,
        "var_dir": str(var_dir),
        "log": str(log),
    }


def report_phase(p: Phase) -> None:
    w = p.wrk
    extra = ""
    if p.name != "get":
        extra = f" accepted {p.accepted:,} ({p.accepted_rate:,.0f}/s)"
        if p.exhausted:
            extra += " [states ran out: lower bound]"
        if p.other_statuses:
            extra += f" other statuses {p.other_statuses}"
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in p.cpu.items())
    if p.accepted_rate:
        cpu += (
            f"; server CPU per accepted request {1000 * p.cpu['server'] / p.accepted_rate:.1f} ms"
        )
    print(
        f"   {p.name:5s}: {w.requests:,} requests in {w.duration:.1f}s = {w.rate:,.0f} req/s,"
        f" p50 {w.p50_ms:.1f} ms, p99 {w.p99_ms:.1f} ms, max {w.max_ms:.0f} ms,"
        f" wrk errors {w.errors}{extra}; cores used: {cpu}",
        flush=True,
    )
    for sample in p.samples[:2]:
        print(f"      sample non-accepted body: {sample[:300]!r}")


def summary(results: list[dict[str, Any]]) -> None:
    print(
        "\n| engine | GET req/s | form accepted/s | API accepted/s | form % of GET | "
        "API % of GET | p50/p99 GET ms | p50/p99 form ms | p50/p99 API ms | errors | "
        "acked stored |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ph = r["phases"]
        g, f, a = ph["get"], ph["form"], ph["api"]
        missing = r["checks"]["api"]["missing"] + r["checks"]["form"]["missing"]
        acked = r["checks"]["api"]["acknowledged"] + r["checks"]["form"]["acknowledged"]
        errors = g.errors + f.errors + a.errors
        print(
            f"| {r['engine']} | {g.accepted_rate:,.0f} | {f.accepted_rate:,.0f}"
            f"{' (lower bound)' if f.exhausted else ''} | {a.accepted_rate:,.0f} | "
            f"{100 * f.accepted_rate / g.accepted_rate:.0f}% | "
            f"{100 * a.accepted_rate / g.accepted_rate:.0f}% | "
            f"{g.wrk.p50_ms:.1f}/{g.wrk.p99_ms:.1f} | {f.wrk.p50_ms:.1f}/{f.wrk.p99_ms:.1f} | "
            f"{a.wrk.p50_ms:.1f}/{a.wrk.p99_ms:.1f} | {errors} | "
            f"{acked - missing:,}/{acked:,} |"
        )
    print(
        "\nCPU while measuring (average cores busy; the machine has "
        f"{os.cpu_count()}): server = chorus serve and its workers, wrk = the load generator, "
        "others = every other process on the machine"
    )
    print(
        "\n| engine | phase | server cores | PostgreSQL cores | wrk cores | others cores | "
        "server CPU ms per accepted request |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        for name in ("get", "form", "api"):
            p = r["phases"][name]
            per = 1000 * p.cpu["server"] / p.accepted_rate if p.accepted_rate else float("nan")
            print(
                f"| {r['engine']} | {name} | {p.cpu['server']:.2f} | "
                f"{p.cpu.get('postgres', 0):.2f} | {p.cpu['loadgen']:.2f} | "
                f"{p.cpu['others']:.2f} | {per:.2f} |"
            )
    print("\nTargets (issue 3):")
    for r in results:
        ph = r["phases"]
        g = ph["get"].accepted_rate
        for name in ("form", "api"):
            p = ph[name]
            rate = p.accepted_rate
            ck = r["checks"][name]
            print(
                f"  {r['engine']:8s} {name:4s}: >=1,000 accepted/s: {verdict(rate >= 1000)} "
                f"({rate:,.0f}); >=40% of GET: {verdict(rate >= 0.4 * g)} "
                f"({100 * rate / g:.0f}%); zero errors: {verdict(p.errors == 0)} "
                f"({p.errors}); every acknowledged stored: {verdict(ck['missing'] == 0)} "
                f"({ck['acknowledged'] - ck['missing']:,}/{ck['acknowledged']:,})"
            )
        print(
            f"  {r['engine']:8s} get : zero errors: {verdict(ph['get'].errors == 0)} "
            f"({ph['get'].errors})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--states",
        type=int,
        default=5000,
        help="minimum last-page states to walk for the form phase",
    )
    parser.add_argument(
        "--text-share", type=float, default=0.5, help="share of submissions with a free-text answer"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch DB")
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        help="autogroup nice for the server, wrk and PostgreSQL while measuring "
        "(e.g. -10 on a shared machine; see _common.prioritized)",
    )
    args = parser.parse_args()
    print_machine()
    print(f"# priority: autogroup nice {args.priority}")
    print(
        f"# wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, "
        f"server: chorus serve --workers {args.workers}, CHORUS_SUBMIT_LIMIT=1000000000, "
        f"text answers in {args.text_share:.0%} of submissions"
    )
    results = []
    for engine in args.engines.split(","):
        if engine == "postgres" and not pg_available():
            print("PostgreSQL not reachable on 127.0.0.1:5432: skipped")
            continue
        results.append(run_engine(engine, args))
    summary(results)


if __name__ == "__main__":
    main()
