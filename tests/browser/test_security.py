"""The security sweep's browser half: on every respondent, public and sign-in page, with
JavaScript on and off and in each test locale, the console shows no Content Security Policy
violation and no request goes to another origin (the harness's watch fails the test otherwise).
The watch itself is tested first, so that a quiet sweep means something.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import LOCALES, Watch, watched_context
from tests.servers import Server

pytestmark = pytest.mark.browser

JS = [pytest.param(False, id="no-js"), pytest.param(True, id="js")]


def test_the_watch_sees_a_policy_violation_a_foreign_request_and_a_script_error(
    browser: Any, server: Server
) -> None:
    watch = Watch(origin=server.url)
    context = watched_context(browser, server, watch, js=True)
    try:
        page = context.new_page()
        page.goto("/en/")
        # An inline script, as an injected one would be: the policy refuses it.
        page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.ran = true'; document.body.append(s); }"""
        )
        assert page.evaluate("window.ran === undefined")
        page.evaluate("() => setTimeout(() => { throw new Error('boom from the page'); })")
        page.wait_for_timeout(200)
        # A link followed to another site: the watch aborts it and records it.
        with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto("https://tracker.example/pixel")
    finally:
        context.close()
    problems = "\n".join(watch.problems())
    assert "Content Security Policy" in problems
    assert "https://tracker.example/pixel" in problems
    assert "boom from the page" in problems


def directives(header: str) -> dict[str, list[str]]:
    found = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def _pages(locale: str) -> list[str]:
    return [
        f"/{locale}/",
        f"/{locale}/safety",
        f"/{locale}/surveys/worker-voice",
        f"/{locale}/surveys/community-voice",
        f"/{locale}/feedback/concern",
        f"/{locale}/feedback/experience",
        f"/{locale}/receipt",
        f"/{locale}/results",
        f"/{locale}/no-such-page",
    ]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("js", JS)
def test_no_page_breaks_its_policy_or_calls_another_origin(
    open_page: Callable[..., Any], watch: Watch, locale: str, js: bool
) -> None:
    page = open_page(js=js)
    for path in [*_pages(locale), "/", "/manage/login"]:
        response = page.goto(path)
        assert response is not None
        policy = directives(response.headers.get("content-security-policy", ""))
        assert policy.get("script-src") == ["'self'"], f"{path}: {policy}"
        # Only the results page allows inline styles (Plotly inserts a <style> element).
        styles = ["'self'", "'unsafe-inline'"] if path.endswith("/results") else ["'self'"]
        assert policy.get("style-src") == styles, f"{path}: {policy}"
        assert policy.get("default-src") == ["'none'"], f"{path}: {policy}"
        if js and path.endswith("/results"):
            page.locator("main [data-chart] svg.main-svg").first.wait_for()
        page.wait_for_load_state("load")
    assert watch.requests, "the watch saw no request at all"
