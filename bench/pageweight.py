"""Bytes of every respondent page with the assets it loads, raw and compressed.

    python bench/pageweight.py [--locales en,ar] [--demo 20000] [--json]

In-process: litestar.testing.TestClient(create_app()) with CHORUS_VAR_DIR pointing to a fresh
temporary directory (migrated, and filled with `chorus demo --responses N` so that the results
page carries real charts; --demo 0 leaves it empty). For each page and locale:

  raw      the body as the app sends it without Accept-Encoding
  app gz   the body's bytes on the wire with `Accept-Encoding: gzip` (the app's own
           CompressionConfig, gzip level 6, minimum 256 bytes)
  gz -9    gzip level 9 of the raw body, for comparison
  headers  the response header bytes (status line and headers; the CSP is long)

Assets are the stylesheets and scripts each page references (found in its HTML): always
/static/chorus.css and /static/exit.js; the results page also loads /static/charts.js and
/static/vendor/plotly.min.js, listed separately.

Target (issue 3): a survey page's HTML + CSS under 15 KB compressed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import CHORUS, PROJECT_ROOT, base_env, print_machine, temp_dir, verdict  # noqa: E402

PAGES = [
    ("home", "/{lc}/"),
    ("safety", "/{lc}/safety"),
    ("worker-voice p1", "/{lc}/surveys/worker-voice"),
    ("community-voice p1", "/{lc}/surveys/community-voice"),
    ("concern form p1", "/{lc}/feedback/concern"),
    ("experience form p1", "/{lc}/feedback/experience"),
    ("receipt lookup", "/{lc}/receipt"),
    ("results", "/{lc}/results"),
]
SURVEY_PAGES = {"worker-voice p1", "community-voice p1", "concern form p1", "experience form p1"}
ASSET_RE = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def header_bytes(response: Any) -> int:
    line = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
    return len(line) + sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2


def weigh(client: Any, path: str) -> dict[str, Any]:
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    if plain.status_code != 200:
        raise RuntimeError(f"{path}: {plain.status_code}")
    body = plain.content
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    encoding = zipped.headers.get("content-encoding", "")
    if encoding == "gzip" and "content-length" in zipped.headers:
        wire = int(zipped.headers["content-length"])
    elif encoding == "gzip":
        wire = zipped.num_bytes_downloaded
    else:
        wire = len(zipped.content)  # not compressed by the app (e.g. under the minimum size)
    return {
        "raw": len(body),
        "app_gzip": wire,
        "app_encoding": encoding or "none",
        "gzip9": len(gzip.compress(body, 9, mtime=0)),
        "headers": header_bytes(zipped),
        "body": body,
    }


def kb(n: float) -> str:
    return f"{n / 1024:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locales", default="en,ar")
    parser.add_argument(
        "--demo",
        type=int,
        default=20000,
        help="demo responses for a realistic results page (0: empty database)",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()

    var_dir = temp_dir("bench-pageweight-")
    env = base_env(var_dir)
    command = [CHORUS, "demo", "--responses", str(args.demo)] if args.demo else [CHORUS, "migrate"]
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    for key in [k for k in os.environ if k.startswith("CHORUS_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ["CHORUS_VAR_DIR"] = str(var_dir)
    from litestar.testing import TestClient

    from chorus.app import create_app

    print_machine()
    print(
        f"# TestClient(create_app()), CHORUS_VAR_DIR={var_dir}, "
        f"{'chorus demo --responses ' + str(args.demo) if args.demo else 'empty database'}"
    )
    rows: list[dict[str, Any]] = []
    assets: dict[str, dict[str, Any]] = {}
    import logging

    app = create_app()
    logging.disable(logging.INFO)  # the access log and httpx's request lines, on stderr
    with TestClient(app) as client:
        for lc in args.locales.split(","):
            for name, pattern in PAGES:
                path = pattern.format(lc=lc)
                page = weigh(client, path)
                refs = ASSET_RE.findall(page.pop("body").decode())
                for ref in refs:
                    if ref not in assets:
                        assets[ref] = weigh(client, ref)
                        assets[ref].pop("body")
                rows.append({"locale": lc, "page": name, "path": path, "assets": refs, **page})

    css = assets.get("/static/chorus.css")
    js = assets.get("/static/exit.js")
    print("\nAssets (each downloaded once, then cached: max-age=86400):\n")
    print("| asset | raw KB | app gzip KB | gzip -9 KB |")
    print("|---|---|---|---|")
    for ref, a in assets.items():
        print(
            f"| {ref} | {kb(a['raw'])} | {kb(a['app_gzip'])} ({a['app_encoding']}) | "
            f"{kb(a['gzip9'])} |"
        )
    print(
        "\nPages (KB; HTML alone, then HTML + chorus.css + exit.js as a first visit loads "
        "them; results also loads charts.js and plotly.min.js, not counted here):\n"
    )
    print(
        "| locale | page | HTML raw | HTML app gz | HTML gz -9 | headers | HTML+CSS+JS raw | "
        "HTML+CSS+JS app gz | HTML+CSS+JS gz -9 | HTML+CSS app gz | target <15 KB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failures = 0
    for r in rows:
        c_raw = (css["raw"] if css else 0) + (js["raw"] if js else 0)
        c_gz = (css["app_gzip"] if css else 0) + (js["app_gzip"] if js else 0)
        c_9 = (css["gzip9"] if css else 0) + (js["gzip9"] if js else 0)
        html_css_gz = r["app_gzip"] + (css["app_gzip"] if css else 0)
        r["html_css_app_gzip"] = html_css_gz
        target = ""
        if r["page"] in SURVEY_PAGES:
            ok = html_css_gz < 15 * 1024
            failures += not ok
            target = verdict(ok)
        print(
            f"| {r['locale']} | {r['page']} | {kb(r['raw'])} | {kb(r['app_gzip'])} | "
            f"{kb(r['gzip9'])} | {kb(r['headers'])} | {kb(r['raw'] + c_raw)} | "
            f"{kb(r['app_gzip'] + c_gz)} | {kb(r['gzip9'] + c_9)} | {kb(html_css_gz)} | "
            f"{target} |"
        )
    print(
        f"\nTarget (issue 3): survey page HTML + CSS under 15 KB compressed: "
        f"{verdict(failures == 0)} ({failures} survey pages over)"
    )
    if args.json:
        print(json.dumps({"assets": assets, "pages": rows}))


if __name__ == "__main__":
    main()
