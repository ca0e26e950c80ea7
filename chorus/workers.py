"""`chorus serve --workers N`: N processes that share the connections evenly.

uvicorn's own workers all accept from one listening socket, and whichever is awake when
connections arrive takes as many as are waiting. A client that opens its connections at once
and keeps them (a reverse proxy's pool of upstream connections, a load generator) then often
lands nearly all of them on one worker: 29 of 32 was usual here, and then and again all 32,
so that one core served while the other idled and the measured rate halved from one run to
the next (docs/benchmarks.md §1).

Here every worker listens on a socket of its own, all bound to the same address with
SO_REUSEPORT, and the kernel spreads new connections across them by a hash of each
connection's addresses and ports. uvicorn still supervises the workers (restarts one that
dies or hangs, replaces them all on SIGHUP, stops them on SIGTERM): only the creation of each
worker process is ours, so that each gets a new socket. A worker's socket lives and dies with
it; connections queued on it but not yet accepted when it dies are reset, as they would be
with any server restarting.

On systems without SO_REUSEPORT's load balancing (it is Linux's), uvicorn's own workers run.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator

from uvicorn import Config
from uvicorn.supervisors import multiprocess


def balanced() -> bool:
    """Whether the kernel balances connections across SO_REUSEPORT listeners."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listening_socket(config: Config) -> socket.socket:
    """A new listening socket on the configured address, one of the SO_REUSEPORT group."""
    sock = socket.socket(_family(config.host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((config.host, config.port))
        sock.listen(config.backlog)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def check_free(config: Config) -> None:
    """Fail now, as uvicorn would, when something already listens on the address. The
    workers' sockets could not tell: with SO_REUSEPORT they would join another server of the
    same user (an old `chorus serve` left running) and quietly split its traffic with it."""
    with socket.socket(_family(config.host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((config.host, config.port))  # OSError: address already in use


class _Worker(multiprocess.Process):
    """uvicorn's worker process, given a listening socket of its own instead of the shared
    one. (At module level: multiprocessing pickles it, by name, for the new process.)"""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        self._own = listening_socket(config)
        super().__init__(config, [self._own])

    def start(self) -> None:
        super().start()
        # The worker has its own copy now (multiprocessing passes it over on start); the
        # supervisor keeps none, so that the socket closes when its worker exits.
        self._own.close()


@contextlib.contextmanager
def _own_sockets() -> Iterator[None]:
    # uvicorn's supervisor makes its workers through this module-level name (at start, on
    # restart, on SIGHUP); it is the one place where a worker's socket can be chosen.
    original = multiprocess.Process
    multiprocess.Process = _Worker  # type: ignore[misc]
    try:
        yield
    finally:
        multiprocess.Process = original  # type: ignore[misc]


def run(config: Config) -> None:
    """Serve with config.workers balanced worker processes until stopped."""
    try:
        check_free(config)
    except OSError as error:
        print(
            f"chorus: cannot listen on {config.host}:{config.port}: {error.strerror}",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    with _own_sockets():
        multiprocess.Multiprocess(config, sockets=[]).run()
