"""Journeys as respondents and the public meet them, in a real Chromium with JavaScript on and
off: a survey to its receipt in English, Romanian and Arabic; a concern and an experience report,
then the receipt (follow-up, withdrawal); the exit control; the public results page.

Every test runs under the harness's watch (conftest.py): a request to another origin, a Content
Security Policy message or an uncaught script error fails it.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import LOCALES, PHONE, Watch, origin_of
from tests.browser.respondent import (
    answer_page,
    complete,
    open_receipt,
    receipt_status,
    what_it_says,
)

pytestmark = pytest.mark.browser

JS = [pytest.param(False, id="no-js"), pytest.param(True, id="js")]
RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}")
EXIT_BODY = "<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"


def t(locale: str, message: str) -> str:
    """The catalog's translation, as the page shows it."""
    from locales.i18n import translations

    text: str = translations(locale).gettext(message)
    return text


def assert_language(page: Any, locale: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == locale
    assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("js", JS)
def test_worker_voice_is_answered_to_its_receipt(
    open_page: Callable[..., Any], shot: Callable[..., Any], locale: str, js: bool
) -> None:
    page = open_page(js=js)
    seen: list[int] = []

    def each_page(current: Any, number: int) -> None:
        seen.append(number)
        assert_language(current, locale)
        assert current.locator("a[data-exit]").is_visible()
        if number == 1:
            shot(current, "first-page")

    code = complete(page, f"/{locale}/surveys/worker-voice", on_page=each_page)

    assert RECEIPT.fullmatch(code), code
    assert len(seen) >= 4, f"only {len(seen)} pages were shown"
    assert_language(page, locale)
    assert t(locale, "Thank you. We have your answers.") in what_it_says(page)
    shot(page, "receipt")

    open_receipt(page, locale, code)
    assert_language(page, locale)
    assert receipt_status(page) == t(locale, "Received")


@pytest.mark.parametrize(
    ("locale", "js"),
    [("en", False), ("ro", True), ("ar", False)],
    ids=["en-no-js", "ro-js", "ar-no-js"],
)
def test_reports_then_the_receipt_follow_up_and_withdrawal(
    open_page: Callable[..., Any], shot: Callable[..., Any], locale: str, js: bool
) -> None:
    page = open_page(js=js)
    concern = complete(page, f"/{locale}/feedback/concern")
    shot(page, "concern-receipt")
    experience = complete(
        page, f"/{locale}/feedback/experience", choose={"consent": "reply_allowed"}
    )
    assert RECEIPT.fullmatch(concern) and RECEIPT.fullmatch(experience)
    assert concern != experience

    # Typed as people type: lower case, no dashes.
    open_receipt(page, locale, experience.replace("-", "").lower())
    assert_language(page, locale)
    assert receipt_status(page) == t(locale, "Received")
    assert t(locale, "No replies yet.") in what_it_says(page)

    follow_up = "Nobody came back to me about it yet."
    page.locator("#text").fill(follow_up)
    with page.expect_navigation():
        page.locator('main button[value="follow_up"]').click()
    assert page.locator('main [role="status"]').inner_text().strip() == t(
        locale, "Thank you. We have added this to what you sent."
    )
    assert follow_up in page.locator("main .msg").inner_text()
    shot(page, "followed-up")

    # Withdrawing needs the box ticked: without it, nothing happens and the page says why.
    with page.expect_navigation():
        page.locator('main button[value="withdraw"]').click()
    assert t(locale, "Tick the box to confirm that you want to withdraw.") in what_it_says(page)
    assert receipt_status(page) == t(locale, "Received")

    page.locator("#confirm").check()
    with page.expect_navigation():
        page.locator('main button[value="withdraw"]').click()
    assert receipt_status(page) == t(locale, "Withdrawn and deleted")
    assert follow_up not in what_it_says(page)
    assert page.locator("main form").count() == 0  # nothing left to add to or withdraw
    shot(page, "withdrawn")

    # Looked up again later, it still says withdrawn; the other report is untouched.
    open_receipt(page, locale, experience)
    assert receipt_status(page) == t(locale, "Withdrawn and deleted")
    open_receipt(page, locale, concern)
    assert receipt_status(page) == t(locale, "Received")


def _route_exit(page: Any, watch: Watch) -> tuple[str, list[Any]]:
    """Answer the exit address with a tiny local page; returns (exit URL, its requests)."""
    exit_url = page.locator("a[data-exit]").get_attribute("href")
    assert exit_url and exit_url.startswith("http")
    watch.allow(exit_url)
    requests: list[Any] = []

    def fulfil(route: Any) -> None:
        requests.append(route.request)
        route.fulfill(status=200, content_type="text/html", body=EXIT_BODY)

    page.route(f"{origin_of(exit_url)}/**", fulfil)
    return exit_url, requests


@pytest.mark.parametrize("how", ["button", "shift-three-times"])
def test_exit_with_javascript_leaves_and_takes_the_page_out_of_history(
    open_page: Callable[..., Any], watch: Watch, shot: Callable[..., Any], how: str
) -> None:
    page = open_page(js=True)
    page.goto("/en/")
    page.goto("/en/surveys/worker-voice")
    survey_url = page.url
    answer_page(page)
    exit_url, requests = _route_exit(page, watch)

    with page.expect_navigation(url=exit_url):
        if how == "button":
            page.locator("a[data-exit]").click()
        else:
            for _ in range(3):
                page.keyboard.press("Shift")
    assert page.url == exit_url
    assert requests[0].headers.get("referer") is None  # nothing tells the site where from
    shot(page, "left")

    page.go_back()
    assert page.url != survey_url, "Back returned to the survey: it was not replaced"
    assert page.url.endswith("/en/")


def test_two_shift_presses_do_not_leave(open_page: Callable[..., Any]) -> None:
    page = open_page(js=True)
    page.goto("/en/surveys/worker-voice")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url.endswith("/en/surveys/worker-voice")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_exit_without_javascript_is_a_plain_link(
    open_page: Callable[..., Any], watch: Watch, locale: str
) -> None:
    page = open_page(js=False)
    page.goto(f"/{locale}/surveys/community-voice")
    link = page.locator("a[data-exit]")
    assert "noreferrer" in (link.get_attribute("rel") or "")
    exit_url, requests = _route_exit(page, watch)
    with page.expect_navigation(url=exit_url):
        link.click()
    assert requests[0].headers.get("referer") is None


@pytest.mark.parametrize(
    ("locale", "js"),
    [("en", True), ("ro", False), ("ar", True)],
    ids=["en-js", "ro-no-js", "ar-js"],
)
def test_the_exit_control_stays_in_view_at_the_bottom_of_a_long_page(
    open_page: Callable[..., Any], shot: Callable[..., Any], locale: str, js: bool
) -> None:
    page = open_page(js=js)
    page.goto(f"/{locale}/surveys/worker-voice")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 2 * PHONE["height"], "the first page is expected to be long on a phone"

    page.mouse.move(PHONE["width"] / 2, PHONE["height"] / 2)
    page.mouse.wheel(0, height * 2)
    for _ in range(50):
        if page.evaluate("window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"):
            break
        page.wait_for_timeout(50)
    assert page.evaluate("window.scrollY") > PHONE["height"]

    box = page.locator("a[data-exit]").bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Nothing covers it: the point at its middle belongs to the link.
    on_top = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y)?.closest('a[data-exit]')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top, "something covers the exit control"
    shot(page, "scrolled-to-bottom")


@pytest.mark.parametrize("js", JS)
def test_the_public_results_page_shows_its_tables_and_charts(
    open_page: Callable[..., Any], shot: Callable[..., Any], js: bool
) -> None:
    page = open_page(js=js, viewport={"width": 1100, "height": 900})
    page.goto("/en/results")
    assert page.locator("main table").count() >= 3  # trust: workers, residents; concerns
    assert page.locator("main table tbody tr").count() > 0, "the demo data gives the tables rows"
    assert page.locator("main table tbody td").count() > 0
    charts = page.locator("main [data-chart]")
    assert charts.count() >= 3
    if not js:
        assert page.locator("main svg").count() == 0
        shot(page, "results")
        return
    for index in range(charts.count()):
        charts.nth(index).locator("svg.main-svg").first.wait_for()
    shot(page, "results")
    # Plotly's "Share chart..." button opens https://cloud.plotly.com and posts the figure to
    # it: it must be switched off, like anything else that would talk to a third party.
    offering = page.evaluate(
        """() => [...document.querySelectorAll('[data-chart]')].filter(node => {
            const c = node._context || {};
            const removed = c.modeBarButtonsToRemove || [];
            return c.displayModeBar !== false && c.showSendToCloud !== false
                && !removed.includes('sendChartToCloud');
        }).map(node => node.getAttribute('data-chart'))"""
    )
    assert offering == [], f"charts offering Plotly's send-to-cloud button: {offering}"


def test_a_manager_reads_and_replies_and_the_respondent_reads_the_reply(
    open_page: Callable[..., Any], shot: Callable[..., Any]
) -> None:
    from tests.browser.console import find_item, sign_in

    marker = "".join(random.choices(string.ascii_lowercase, k=12))
    # Written in Arabic on the Arabic form, answered in English from the English console.
    told = f"استمع إليّ الموظف في مكتب الاستقبال ({marker})"
    respondent = open_page(js=False)
    code = complete(
        respondent,
        "/ar/feedback/experience",
        choose={"consent": "reply_allowed"},
        text=told,
    )

    manager = open_page(js=True, viewport={"width": 1280, "height": 900})
    sign_in(manager)
    shot(manager, "console")
    item = find_item(manager, marker, kind="experience", locale="ar")
    manager.goto(item)
    written = manager.locator("main .free-text", has_text=marker)
    assert written.count() == 1, manager.locator("main").inner_text()
    shot(manager, "item")
    reply = "Thank you for telling us. The desk staff will hear about this in their briefing."
    manager.locator("#body").fill(reply)
    with manager.expect_navigation():
        manager.locator('main form[action$="/reply"] button[type="submit"]').click()
    assert manager.url.endswith("?replied=1")
    assert reply in manager.locator("main").inner_text()
    shot(manager, "replied")

    open_receipt(respondent, "ar", code)
    assert receipt_status(respondent) == t("ar", "Answered")
    answer = respondent.locator("main .msg", has_text=reply)
    assert answer.count() == 1, respondent.locator("main").inner_text()
    assert t("ar", "Reply from the team") in answer.inner_text()
    shot(respondent, "reply-read")

    # Text in another script than the page's keeps its own direction: the English reply on
    # the Arabic receipt page reads left to right (its full stop at its end), the Arabic
    # report in the English console right to left.
    assert direction(answer.locator("p", has_text=reply)) == "ltr", (
        "the English reply is laid out right to left on the Arabic receipt page"
    )
    assert direction(written) == "rtl", "the Arabic report is laid out left to right"


def direction(locator: Any) -> str:
    value: str = locator.evaluate("e => getComputedStyle(e).direction")
    return value
