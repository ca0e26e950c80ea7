"""`chorus serve` as an operator runs it: migrates, answers /healthz, stops on SIGTERM."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chorus import workers
from tests.servers import Server, request, serving

MARKER_AGENT = "ServeMarker/1.0"


def test_serve_answers_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2) as server:
        status, body = request(f"{server.url}/healthz")
        assert status == 200
        assert body == '{"status":"ok"}'
        page_status, page = request(
            f"{server.url}/en/surveys/worker-voice?c=poster",
            headers={"User-Agent": MARKER_AGENT},
        )
        assert page_status == 200
        assert "Exit this page" in page
        server.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        server.process.wait(timeout=20)
        assert time.monotonic() - started < 15
        output = server.output()
    assert MARKER_AGENT not in output
    assert "c=poster" not in output
    assert '"path": "/en/surveys/worker-voice"' in output


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # The command may hold spaces and parentheses: the fields after the last ")".
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def _established_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to `port` each process holds (Linux /proc)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes[target[8:-1]] = pid
    held = dict.fromkeys(pids, 0)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in inodes:
            held[inodes[fields[9]]] += 1
    return held


def _open_connections(port: int, count: int) -> list[http.client.HTTPConnection]:
    """`count` keep-alive connections, each with one answered request, all left open: what
    a reverse proxy's pool of upstream connections looks like to the server."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(count)]
    for connection in connections:  # all connected first, as a pool opens them
        connection.connect()
    for connection in connections:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert response.status == 200
        response.read()
    return connections


def _spread(server: Server, count: int) -> dict[int, int]:
    """Open `count` connections (`_open_connections`), and say how many each of the
    server's processes holds; then close them."""
    connections = _open_connections(server.port, count)
    try:
        return _established_by_process(_children(server.process.pid), server.port)
    finally:
        for connection in connections:
            connection.close()


@pytest.mark.skipif(not workers.balanced(), reason="SO_REUSEPORT balancing is Linux's")
def test_two_workers_share_the_connections_evenly(tmp_path: Path) -> None:
    """uvicorn's shared socket gave one worker nearly every connection of a client that
    opens them together (29 of 32, or all): each worker now has a socket of its own, and
    the kernel shares connections out between them."""
    with serving(tmp_path, workers=2) as server:
        held = _spread(server, 40)
        serving_workers = {pid: n for pid, n in held.items() if n}
        assert sum(serving_workers.values()) == 40, held
        assert len(serving_workers) == 2, held
        # Evenly, give or take chance: fewer than 8 of 40 on one side has a probability of
        # about one in 100,000 when the kernel hashes them fairly.
        assert min(serving_workers.values()) >= 8, held


@pytest.mark.skipif(not workers.balanced(), reason="SO_REUSEPORT balancing is Linux's")
def test_a_killed_worker_is_replaced_and_every_request_is_answered(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2) as server:
        held = _spread(server, 20)
        victim = max(held, key=lambda pid: held[pid])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alive = [pid for pid in _children(server.process.pid) if pid != victim]
            if len(alive) >= len(held):  # its replacement has started
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no worker replaced {victim}:\n{server.output()[-2000:]}")
        deadline = time.monotonic() + 60
        while request(f"{server.url}/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        # New connections reach only live workers: every one is answered, some by the
        # replacement.
        now = _spread(server, 30)
        assert victim not in now
        assert sum(now.values()) == 30, now
        assert any(n for pid, n in now.items() if pid not in held), (held, now)


def test_serve_refuses_an_address_already_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "chorus.cli", "serve", "--port", str(port), "--workers", "2"],
            env={**os.environ, "CHORUS_DB_POOL_SIZE": "2"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert "already in use" in result.stdout + result.stderr
