"""Accessibility: axe-core (vendored, tests/browser/vendor) with the WCAG 2.0, 2.1 and 2.2 A and AA
rules on every respondent, public and manager page and state, in English and Arabic; no page
scrolls sideways on a phone (WCAG 1.4.10); and a survey completed with Tab, Space and Enter
alone, JavaScript on and off, with a visible focus that nothing covers (WCAG 2.4.7, 2.4.11).

axe is put into the page with page.evaluate: the app's Content-Security-Policy forbids inline
scripts, and evaluate is not subject to it. axe needs script timers, so it runs in contexts with
JavaScript on; the pages without JavaScript are the same HTML, and the one page whose DOM
differs (results, where scripts draw charts) is also audited with its scripts blocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser.conftest import PHONE
from tests.browser.respondent import (
    CALM,
    NEXT,
    answer_page,
    open_receipt,
    press_next,
    receipt_code,
)

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    tags: v.tags.filter(t => t.startsWith("wcag")),
    nodes: v.nodes.map(n => ({
      target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary}))}));
}"""
WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"
AUDIT_LOCALES = ("en", "ar")


@dataclass
class Audit:
    """Findings from every page of one test, reported together when the test ends."""

    axe_source: str
    findings: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page: Any, label: str) -> None:
        where = f"{label} ({page.url.split('/', 3)[-1]})"
        self.pages.append(where)
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(self.axe_source)
        for v in page.evaluate(RUN_AXE, TAGS):
            lines = [
                f"{where}: {v['id']} ({v['impact']}) {v['help']} "
                f"[{', '.join(v['tags'])}] {v['url']}"
            ]
            for node in v["nodes"][:5]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    at {node['target']}: {node['html']}\n      {summary}")
            if len(v["nodes"]) > 5:
                lines.append(f"    ... and {len(v['nodes']) - 5} more elements")
            self.findings.append("\n".join(lines))
        scroll_width, width = page.evaluate(WIDTHS)
        if scroll_width > width + 1:
            self.findings.append(
                f"{where}: reflow (WCAG 1.4.10) the page is {scroll_width}px wide on a "
                f"{width}px screen: it scrolls sideways"
            )

    def assert_clean(self) -> None:
        assert self.pages, "nothing was audited"
        if self.findings:
            pytest.fail(
                f"{len(self.findings)} accessibility finding(s) on {len(self.pages)} pages:\n"
                + "\n".join(self.findings),
                pytrace=False,
            )


@pytest.fixture
def audit(axe_source: str) -> Audit:
    return Audit(axe_source)


def t(locale: str, message: str) -> str:
    from locales.i18n import translations

    text: str = translations(locale).gettext(message)
    return text


@pytest.mark.parametrize("locale", AUDIT_LOCALES)
def test_public_pages(open_page: Callable[..., Any], audit: Audit, locale: str) -> None:
    page = open_page(js=True)
    for path, label in [
        (f"/{locale}/", "home"),
        (f"/{locale}/safety", "browsing safely"),
        (f"/{locale}/receipt", "receipt lookup"),
        (f"/{locale}/no-such-page", "404"),
        (f"/{locale}/surveys/no-such-survey", "404 survey"),
    ]:
        page.goto(path)
        audit.check(page, label)

    page.goto(f"/{locale}/receipt")
    page.locator("#code").fill("NOT-A-REAL-CODE")
    with page.expect_navigation():
        page.locator('main button[value="show"]').click()
    assert page.locator(".error-summary").count() == 1
    audit.check(page, "receipt lookup, unknown code")

    # Results as drawn without JavaScript (its scripts refused), on the phone ...
    page.route("**/*.js", lambda route: route.abort())
    page.goto(f"/{locale}/results")
    audit.check(page, "results as without JavaScript")
    page.unroute("**/*.js")
    # ... and with its charts, on a wider screen.
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"/{locale}/results")
    charts = page.locator("main [data-chart]")
    for index in range(charts.count()):
        charts.nth(index).locator("svg.main-svg").first.wait_for()
    audit.check(page, "results, charts drawn")
    audit.assert_clean()


def _walk(page: Any, audit: Audit, path: str, name: str, choose: dict[str, str]) -> str:
    """Audit each page of a form; on the page with a text box, first the error summary."""
    page.goto(path)
    shown_error = False
    for number in range(1, 12):
        audit.check(page, f"{name} page {number}")
        answer_page(page, choose=choose)
        areas = page.locator("main form textarea")
        if areas.count() and not shown_error:
            # Too long (the browser's maxlength taken away, as a pasted answer could be).
            areas.first.evaluate("e => e.removeAttribute('maxlength')")
            areas.first.fill("x" * 2100)
            press_next(page)
            summary = page.locator(".error-summary")
            assert summary.count() == 1, f"{name}: no error summary for a too long answer"
            assert page.title().startswith(t(page_locale(page), "Error:"))
            target = summary.locator("a").first.get_attribute("href")
            assert target and page.locator(target).count() == 1, f"{target} leads nowhere"
            audit.check(page, f"{name} page {number}, error summary")
            shown_error = True
            answer_page(page, choose=choose)
        press_next(page)
        code = receipt_code(page)
        if code:
            audit.check(page, f"{name} thank-you page")
            return code
    raise AssertionError(f"{path} did not end")


def page_locale(page: Any) -> str:
    lang: str = page.locator("html").get_attribute("lang")
    return lang


@pytest.mark.parametrize("locale", AUDIT_LOCALES)
@pytest.mark.parametrize("slug", ["worker-voice", "community-voice"])
def test_every_survey_page(
    open_page: Callable[..., Any], audit: Audit, locale: str, slug: str
) -> None:
    page = open_page(js=True)
    # community-voice's first answers include "worried someone is in danger": the thank-you
    # page then shows the support panel, which is audited too.
    choose = CALM if slug == "worker-voice" else {}
    _walk(page, audit, f"/{locale}/surveys/{slug}", slug, choose)
    if slug == "community-voice":
        assert page.locator(".panel.danger").count() == 1
    audit.assert_clean()


@pytest.mark.parametrize("locale", AUDIT_LOCALES)
def test_report_forms_and_the_receipt(
    open_page: Callable[..., Any], audit: Audit, locale: str
) -> None:
    page = open_page(js=True)
    # A concern sent with nothing chosen: the required questions are named in the summary.
    page.goto(f"/{locale}/feedback/concern")
    press_next(page)
    assert page.locator(".error-summary li").count() >= 2
    audit.check(page, "concern, nothing answered")
    _walk(page, audit, f"/{locale}/feedback/concern", "concern", {"danger_now": "yes"})
    code = _walk(
        page,
        audit,
        f"/{locale}/feedback/experience",
        "experience",
        {**CALM, "consent": "reply_allowed"},
    )

    open_receipt(page, locale, code)
    audit.check(page, "receipt")
    page.locator("#text").fill("Nobody came back to me.")
    with page.expect_navigation():
        page.locator('main button[value="follow_up"]').click()
    audit.check(page, "receipt, follow-up added")
    with page.expect_navigation():
        page.locator('main button[value="withdraw"]').click()
    assert page.locator(".error-summary").count() == 1
    audit.check(page, "receipt, withdrawal not confirmed")
    page.locator("#confirm").check()
    with page.expect_navigation():
        page.locator('main button[value="withdraw"]').click()
    audit.check(page, "receipt, withdrawn")
    audit.assert_clean()


def test_manager_pages(open_page: Callable[..., Any], audit: Audit) -> None:
    from tests.browser.conftest import MANAGER_EMAIL
    from tests.browser.console import sign_in

    page = open_page(js=True, viewport={"width": 1280, "height": 900})
    page.goto("/manage/login")
    audit.check(page, "sign in")
    page.locator("#email").fill(MANAGER_EMAIL)
    page.locator("#password").fill("not the password at all")
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
    audit.check(page, "sign in, wrong password")
    sign_in(page)
    audit.check(page, "console home")
    page.goto("/manage/inbox")
    audit.check(page, "inbox")
    first = page.locator('main table a[href^="/manage/inbox/"]').first
    with page.expect_navigation():
        first.click()
    audit.check(page, "inbox item")
    phone = open_page(js=True)
    sign_in(phone)
    phone.goto("/manage/inbox")
    audit.check(phone, "inbox on a phone")
    audit.assert_clean()


KEYS_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const style = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  const bar = document.querySelector('.exit-bar');
  const b = bar ? bar.getBoundingClientRect() : null;
  const covered = !!b && !e.closest('.exit-bar') && r.top >= b.top && r.bottom <= b.bottom;
  return {
    tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
    value: e.value || '', cls: e.className || '', text: (e.textContent || '').trim().slice(0, 40),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    ring: style.boxShadow !== 'none', covered,
    inView: r.bottom > 0 && r.top < window.innerHeight,
  };
}"""


@pytest.mark.parametrize(("locale", "js"), [("en", True), ("ar", False)], ids=["en-js", "ar-no-js"])
def test_a_survey_is_completed_with_tab_space_and_enter_alone(
    open_page: Callable[..., Any], shot: Callable[..., Any], locale: str, js: bool
) -> None:
    page = open_page(js=js)
    page.goto(f"/{locale}/surveys/community-voice")
    problems: list[str] = []

    # The first Tab shows the skip link; Enter on it moves on to the content.
    page.keyboard.press("Tab")
    first = page.evaluate(KEYS_FOCUS)
    assert first and "skip" in first["cls"], first
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.keyboard.press("Enter")

    for number in range(1, 10):
        answered: set[str] = set()
        typed = False
        for _ in range(300):
            page.keyboard.press("Tab")
            focus = page.evaluate(KEYS_FOCUS)
            if focus is None:
                continue
            what = f"page {number}: <{focus['tag']} {focus['name'] or focus['text']}>"
            if not (focus["outline"] or focus["ring"]):
                problems.append(f"{what} has no visible focus indicator (WCAG 2.4.7)")
            if focus["covered"] or not focus["inView"]:
                problems.append(f"{what} is hidden when focused (WCAG 2.4.11)")
            if focus["type"] in ("radio", "checkbox") and focus["name"] not in answered:
                page.keyboard.press("Space")
                answered.add(focus["name"])
            elif focus["tag"] == "textarea" and not typed:
                page.keyboard.type("more street lights please")
                typed = True
            elif focus["tag"] == "button" and focus["value"] == "next":
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                break
        else:
            raise AssertionError(f"page {number}: Tab never reached the Continue button")
        assert page.locator(".error-summary").count() == 0
        if receipt_code(page):
            break
    else:
        raise AssertionError("the survey did not end")
    assert page.locator(NEXT).count() == 0
    shot(page, "receipt")
    assert not problems, "\n".join(problems)
