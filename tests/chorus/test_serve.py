"""`chorus serve` as an operator runs it: migrates, answers /healthz, stops on SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.servers import request, serving

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
