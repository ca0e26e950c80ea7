"""Slow-network page weight: each respondent page loaded in Chromium over a throttled link.

    python bench/slownet.py [--kbps 400] [--rtt 400] [--locale en]

Starts `chorus serve` on a scratch SQLite database, then, for every respondent page, opens a
fresh browser context (an empty cache, as a first visit), throttles the network through the
Chrome DevTools Protocol (about 400 kbit/s both ways, 400 ms round trip), loads the page and
prints the bytes transferred and the time to first contentful paint. Target: every
respondent page usable (first contentful paint) within 2 seconds on that link.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = (
    "/{l}/",
    "/{l}/safety",
    "/{l}/surveys/worker-voice",
    "/{l}/surveys/community-voice",
    "/{l}/feedback/concern",
    "/{l}/feedback/experience",
    "/{l}/receipt",
    "/{l}/results",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Paint entries are buffered, but may be queued just after "load": observe them.
FCP_SCRIPT = """() => new Promise(resolve => {
  const seen = performance.getEntriesByName('first-contentful-paint')[0];
  if (seen) { resolve(seen.startTime); return; }
  new PerformanceObserver(list => {
    const entry = list.getEntriesByName('first-contentful-paint')[0];
    if (entry) { resolve(entry.startTime); }
  }).observe({type: 'paint', buffered: true});
  setTimeout(() => resolve(null), 10000);
})"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--rtt", type=int, default=400, help="round trip, milliseconds")
    parser.add_argument("--locale", default="en")
    args = parser.parse_args()
    port = _free_port()
    var = tempfile.mkdtemp(prefix="chorus-slownet-")
    env = {
        **os.environ,
        "CHORUS_VAR_DIR": var,
        "DATABASE_URL": f"sqlite:///{Path(var) / 'chorus.sqlite3'}",
    }
    chorus = str(Path(sys.executable).parent / "chorus")
    subprocess.run(
        [chorus, "demo", "--responses", "3000"], env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [chorus, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        bytes_per_second = args.kbps * 1000 / 8
        print(f"link: {args.kbps} kbit/s, {args.rtt} ms round trip; locale {args.locale}")
        print(f"{'page':34} {'bytes':>9} {'FCP ms':>8} {'load ms':>8}  verdict")
        worst = 0.0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            for template in PAGES:
                path = template.format(l=args.locale)
                context = browser.new_context()
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": args.rtt,
                        "downloadThroughput": bytes_per_second,
                        "uploadThroughput": bytes_per_second,
                    },
                )
                received = {"bytes": 0}

                def count(event: dict[str, float], tally: dict[str, int] = received) -> None:
                    tally["bytes"] += int(event["encodedDataLength"])

                cdp.on("Network.loadingFinished", count)
                started = time.perf_counter()
                page.goto(base + path, wait_until="load", timeout=120_000)
                load_ms = (time.perf_counter() - started) * 1000
                fcp = page.evaluate(FCP_SCRIPT)
                fcp_ms = float(fcp) if fcp is not None else float("nan")
                worst = max(worst, fcp_ms)
                verdict = "PASS" if fcp_ms <= 2000 else "FAIL"
                print(
                    f"{path:34} {received['bytes']:>9,} {fcp_ms:>8.0f} {load_ms:>8.0f}  {verdict}"
                )
                context.close()
            browser.close()
        print(f"worst first contentful paint: {worst:.0f} ms (target 2000 ms)")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
