"""Helpers shared by the benchmark scripts (not part of the test suite).

Everything here is about measuring honestly on a small shared machine: what the machine is,
how busy it was while we measured (other people's processes included), and how much CPU our
own server and load generator used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CHORUS = str(VENV_BIN / "chorus") if (VENV_BIN / "chorus").exists() else "chorus"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


# --------------------------------------------------------------------------------- machine
def machine() -> dict[str, str]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


FINGERPRINT_FILES = (
    "chorus/app.py",
    "chorus/database.py",
    "chorus/middleware.py",
    "surveys/storage.py",
    "surveys/rollups.py",
    "surveys/flow.py",
    "surveys/api.py",
    "surveys/state.py",
    "feedback/pipeline.py",
    "reports/trust.py",
    "reports/concerns.py",
    "reports/controllers.py",
)


def code_fingerprint() -> str:
    """Which version of the code was measured (the tree changes while we work): a short hash
    of the files on the hot paths, and the newest modification time among them."""
    import hashlib

    digest = hashlib.sha1()
    newest = 0.0
    for name in FINGERPRINT_FILES:
        path = PROJECT_ROOT / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    stamp = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%H:%M:%S UTC")
    return f"{digest.hexdigest()[:10]} (newest hot-path file modified {stamp})"


def print_machine() -> None:
    m = machine()
    print(
        f"# machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, "
        f"{m['date']}, load average {m['loadavg']}, nice {os.nice(0)}"
    )
    print(f"# code: {code_fingerprint()}")


# ------------------------------------------------------------------------------------- CPU
def _system_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return total - idle, total


def _pid_jiffies(pid: int) -> int:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = raw.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def descendants(pid: int) -> list[int]:
    """pid and every process below it (uvicorn's master, its workers, their helpers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(raw.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


@dataclass
class CpuSample:
    wall: float
    system_busy: int
    system_total: int
    per_pid: dict[int, int]


class CpuMeter:
    """CPU used by a set of process trees over an interval, and by the whole machine."""

    def __init__(self, roots: Mapping[str, int]) -> None:
        self.roots = dict(roots)
        self._start: dict[str, CpuSample] = {}

    def _sample(self, root: int) -> CpuSample:
        busy, total = _system_jiffies()
        return CpuSample(
            time.perf_counter(), busy, total, {p: _pid_jiffies(p) for p in descendants(root)}
        )

    def start(self) -> None:
        self._start = {name: self._sample(pid) for name, pid in self.roots.items()}

    def stop(self, extra_seconds: Mapping[str, float] | None = None) -> dict[str, float]:
        """Cores used on average by each tree, by the whole machine, and by everything else."""
        result: dict[str, float] = {}
        first = next(iter(self._start.values()))
        end_busy, end_total = _system_jiffies()
        wall = time.perf_counter() - first.wall
        ncpu = os.cpu_count() or 1
        for name, pid in self.roots.items():
            before = self._start[name].per_pid
            after = {p: _pid_jiffies(p) for p in descendants(pid)}
            used = sum(after[p] - before.get(p, 0) for p in after)
            result[name] = used / CLK_TCK / wall
        for name, seconds in (extra_seconds or {}).items():
            result[name] = seconds / wall
        machine_cores = (end_busy - first.system_busy) / max(1, end_total - first.system_total)
        result["machine"] = machine_cores * ncpu
        result["others"] = max(
            0.0, result["machine"] - sum(v for k, v in result.items() if k != "machine")
        )
        return result


# ------------------------------------------------------------------------------- priority
def _autogroup_nice(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split("nice")[1])
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def prioritized(pids: Mapping[str, int], level: int) -> Iterator[dict[str, int]]:
    """Raise the scheduling weight of these processes' session groups for a while.

    Linux groups processes by session (sched_autogroup_enabled=1 here), and plain `nice` only
    ranks processes inside one group: on a shared machine every other user's session gets the
    same share of the CPU as the benchmark's. Writing a nice value to /proc/PID/autogroup
    weights the whole group instead. Restored afterwards. level 0 does nothing."""
    saved: dict[int, int] = {}
    if level:
        for pid in pids.values():
            before = _autogroup_nice(pid)
            if before is None:
                continue
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/autogroup").write_text(str(level))
                saved[pid] = before
    try:
        yield {name: pid for name, pid in pids.items() if pid in saved}
    finally:
        for pid, before in saved.items():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/autogroup").write_text(str(before))


# ---------------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(var_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env["CHORUS_VAR_DIR"] = str(var_dir)
    env["CHORUS_ENV"] = "development"
    if database_url:
        env["DATABASE_URL"] = database_url
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
        except Exception as error:
            last = error
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url}: {last}")


@contextlib.contextmanager
def serving(
    env: Mapping[str, str], workers: int = 2, port: int | None = None, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [CHORUS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=dict(env),
        cwd=PROJECT_ROOT,
        stdout=out,
        stderr=out,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=90)
        # Wait until every worker has started (each answers /healthz on its own).
        deadline = time.monotonic() + 30
        while len(descendants(process.pid)) < workers + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        yield base, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ PostgreSQL
def pg_available() -> bool:
    return (
        shutil.which("createdb") is not None
        and subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True, check=False
        ).returncode
        == 0
    )


def pg_create(name: str) -> str:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True
    )
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process (its backends are its children), if local."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"/postgres") and b"-D" in cmd and stat:
            return int(entry.name)
    return None


def renice_pg_backends(database: str) -> list[int]:
    """Give the PostgreSQL backends serving `database` (ours alone) this process's niceness,
    so that a benchmark run under `nice -n -10` does not leave its database behind."""
    level = os.nice(0)
    if level >= 0:
        return []
    result = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    pids = [int(x) for x in result.stdout.split() if x.isdigit()]
    for pid in pids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, level)
    return pids


def pg_drop(name: str) -> None:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name],
        check=False,
        capture_output=True,
    )


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ------------------------------------------------------------------ a small loopback client
class RawClient:
    """HTTP/1.1 keep-alive over asyncio streams: several times faster than httpx, which
    matters when the warm-up walks tens of thousands of form pages. Loopback only."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: Any = None
        self.writer: Any = None

    async def _connect(self) -> None:
        import asyncio

        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            if self.writer is None:
                await self._connect()
            head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
            if body or method == "POST":
                head.append(f"Content-Length: {len(body)}")
            if content_type:
                head.append(f"Content-Type: {content_type}")
            for name, value in (headers or {}).items():
                head.append(f"{name}: {value}")
            try:
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                raw = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, OSError, EOFError, Exception):
                await self.close()
                if attempt:
                    raise
                continue
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            found = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    found[name.strip().lower()] = value.strip()
            if found.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        await self.reader.readuntil(b"\r\n")
                        break
                    parts.append(await self.reader.readexactly(size))
                    await self.reader.readexactly(2)
                data = b"".join(parts)
            else:
                data = await self.reader.readexactly(int(found.get("content-length", "0")))
            if found.get("connection", "").lower() == "close":
                await self.close()
            return status, found, data
        raise RuntimeError("unreachable")


# ---------------------------------------------------------------------------------- wrk
WRK_DONE_LUA = r"""
function done(summary, latency, requests)
  local f = io.open(os.getenv("BENCH_OUT"), "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%f,"bytes":%d}',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, summary.bytes))
  f:close()
  if extra_done then extra_done() end
end
"""


@dataclass
class WrkResult:
    requests: int
    duration: float
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu_seconds: float  # the load generator's own CPU time
    raw: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.requests / self.duration if self.duration else 0.0


def run_wrk(
    url: str,
    script: str,
    duration: float,
    connections: int,
    threads: int,
    env: Mapping[str, str] | None = None,
    timeout: str = "10s",
) -> WrkResult:
    import json

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: apt-get update && apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    lua = work / "script.lua"
    lua.write_text(script + WRK_DONE_LUA)
    out = work / "out.json"
    run_env = {**os.environ, **(env or {}), "BENCH_OUT": str(out), "BENCH_THREADS": str(threads)}
    log = open(work / "stdout", "wb")
    process = subprocess.Popen(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{int(round(duration))}s",
            f"--timeout={timeout}",
            "-s",
            str(lua),
            url,
        ],
        env=run_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    if process.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed: {(work / 'stdout').read_text()[-2000:]}")
    data = json.loads(out.read_text())
    errors = {k: int(data[k]) for k in ("connect", "read", "write", "status", "timeout")}
    return WrkResult(
        requests=int(data["requests"]),
        duration=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        raw={**data, "workdir": str(work), "stdout": (work / "stdout").read_text()},
    )
