"""Browser harness: one real `chorus serve`, Debian's headless Chromium driven by Playwright.

Every page a test opens is watched: a request to any origin other than the server's is
aborted (nothing leaves the machine) and fails the test, and so does a Content Security Policy
message or an uncaught script error in the console. Screenshots of key pages go to
test-artifacts/screenshots/<test>-<step>.png.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.servers import Server, serving

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_JS = HERE / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("CHORUS_CHROMIUM", "/usr/bin/chromium")
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
#: A small phone: the respondents' usual screen, and long pages to scroll.
PHONE = {"width": 390, "height": 780}
#: Console text that means the browser blocked something under the page's policy.
CSP_TEXT = ("Content Security Policy", "Refused to")
#: Locales the journeys and the audit run in: English, Romanian and Arabic (right to left).
LOCALES = ("en", "ro", "ar")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watch:
    """What the pages of one test did: requests, console messages, script errors."""

    origin: str
    allowed: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def allow(self, origin: str) -> None:
        """Let one more origin through (a test that routes it to a local body itself)."""
        self.allowed.add(origin_of(origin))

    def on_request(self, request: Any) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        self.requests.append(f"{request.method} {url}")
        if origin_of(url) != self.origin and origin_of(url) not in self.allowed:
            self.foreign.append(f"{request.method} {url} ({request.resource_type})")

    def route(self, route: Any) -> None:
        url = route.request.url
        if origin_of(url) == self.origin or url.startswith(("data:", "blob:")):
            route.fallback()
        else:
            route.abort("blockedbyclient")

    def on_console(self, message: Any) -> None:
        text = message.text
        if any(marker in text for marker in CSP_TEXT):
            self.csp.append(f"{message.type}: {text} (at {message.location.get('url', '?')})")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(str(error))

    def watch_page(self, page: Any) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)

    def problems(self) -> list[str]:
        found = []
        if self.foreign:
            found.append("requests to another origin:\n  " + "\n  ".join(self.foreign))
        if self.csp:
            found.append("Content Security Policy violations:\n  " + "\n  ".join(self.csp))
        if self.errors:
            found.append("uncaught script errors:\n  " + "\n  ".join(self.errors))
        return found


MANAGER_EMAIL = "browser-manager@force.example"
MANAGER_PASSWORD = "a long browser test passphrase"


def _import_app() -> None:
    """The app's heavy imports, done while the server starts."""
    for module in ("chorus.accounts", "surveys.demo"):
        importlib.import_module(module)


def _seed() -> None:
    """Demo data (so the results page has figures to show) and a manager to sign in as."""
    from chorus.accounts import create_user
    from surveys.demo import run_demo

    async def seed() -> None:
        await run_demo(responses=400, seed=11, if_empty=False)
        await create_user(MANAGER_EMAIL, "manager", MANAGER_PASSWORD)

    asyncio.run(seed())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `chorus serve` on the test database (it migrates it), then demo data and a manager.

    The submission and receipt limits are raised: the suite sends far more than one person
    would from one address in an hour (the limits have their own tests). The seeding runs in
    a thread of its own so that it never meets the event loop of the suite's async tests.
    """
    env = {"CHORUS_SUBMIT_LIMIT": "100000", "CHORUS_RECEIPT_LIMIT": "100000"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        warm = pool.submit(_import_app)
        with serving(tmp_path_factory.mktemp("browser-server"), env=env, name="browser") as up:
            warm.result()
            pool.submit(_seed).result()
            yield up


class Chromium:
    """One headless Chromium, launched again if it has gone (a crash on a loaded machine
    should cost one test, not every test after it)."""

    def __init__(self, playwright: Any, executable: str) -> None:
        self.playwright = playwright
        self.executable = executable
        self.current: Any = None

    def get(self) -> Any:
        if self.current is None or not self.current.is_connected():
            self.current = self.playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_ARGS, timeout=60_000
            )
        return self.current

    def close(self) -> None:
        if self.current is not None and self.current.is_connected():
            self.current.close()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Chromium]:
    """Chromium for this package's tests. Playwright's sync API keeps an event loop running
    while it is open, so it is closed when these tests are done, before the suite's async
    tests need the thread's loop again."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        pytest.fail(
            f"Chromium is needed for the browser tests and is not at {CHROMIUM}: "
            "apt-get install -y --no-install-recommends chromium (.ci/run does this)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        holder = Chromium(playwright, executable)
        yield holder
        holder.close()


@pytest.fixture
def browser(chromium: Chromium) -> Any:
    return chromium.get()


@pytest.fixture
def watch(server: Server) -> Iterator[Watch]:
    """The request and console log of this test's pages; any problem fails the test."""
    seen = Watch(origin=server.url)
    yield seen
    problems = seen.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def watched_context(browser: Any, server: Server, watch: Watch, *, js: bool, **options: Any) -> Any:
    """A fresh browser context whose pages the watch sees, and which cannot leave the machine."""
    options.setdefault("viewport", PHONE)
    context = browser.new_context(
        java_script_enabled=js, base_url=server.url, service_workers="block", **options
    )
    context.set_default_timeout(10_000)
    context.route("**/*", watch.route)
    context.on("request", watch.on_request)
    context.on("page", watch.watch_page)
    return context


@pytest.fixture
def open_page(browser: Any, server: Server, watch: Watch) -> Iterator[Callable[..., Any]]:
    """open_page(js=True, **context options) -> a watched Page in a fresh context."""
    contexts: list[Any] = []

    def make(*, js: bool = True, **options: Any) -> Any:
        context = watched_context(browser, server, watch, js=js, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """shot(page, step): save a full-page screenshot as <test>-<step>.png."""
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def save(page: Any, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{test}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', step)}.png"
        wide, width, tall, rtl = page.evaluate(
            """[document.documentElement.scrollWidth, window.innerWidth,
                document.documentElement.scrollHeight, document.dir === 'rtl']"""
        )
        if wide <= width + 1:
            page.screenshot(path=str(path), full_page=True)
        else:
            # A page wider than the screen (a bug the audit reports): the screen's width of it,
            # from the side the text starts on, rather than a huge mostly empty image.
            clip = {"x": wide - width if rtl else 0, "y": 0, "width": width, "height": tall}
            page.screenshot(path=str(path), full_page=True, clip=clip)
        return path

    return save


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")
