"""A respondent in the browser: answer what a form page asks, press its button, read receipts.

Works the same with JavaScript on or off (Playwright's locators do not need the page's
scripts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

TEXT = "They listened to me and took me seriously."
NEXT = 'main form button[name="action"][value="next"]'
#: The answers the journeys give where the first offered one would not do: nobody is in danger
#: (the support panel has its own audit) and, on an experience report, the liaison officer may
#: answer through the receipt. A name a page does not ask is ignored.
CALM = {"danger_now": "no", "consent": "reply_allowed"}


def question_names(page: Any) -> list[str]:
    names: list[str] = page.locator(
        'main form input[type="radio"], main form input[type="checkbox"]'
    ).evaluate_all("els => [...new Set(els.map(e => e.name))]")
    return names


def answer_page(page: Any, *, text: str = TEXT, choose: Mapping[str, str] | None = None) -> None:
    """The chosen (else the first offered) answer to every question on the page."""
    choose = choose or {}
    for name in question_names(page):
        wanted = page.locator(f'main form input[name="{name}"][value="{choose.get(name, "")}"]')
        target = wanted if name in choose and wanted.count() else None
        if target is None:
            target = page.locator(f'main form input[name="{name}"]').first
        target.check()
    for area in page.locator("main form textarea").all():
        area.fill(text)


def press_next(page: Any) -> None:
    with page.expect_navigation():
        page.locator(NEXT).click()


def receipt_code(page: Any) -> str | None:
    found = page.locator("main .receipt")
    return found.inner_text().strip() if found.count() else None


def complete(
    page: Any,
    path: str,
    *,
    choose: Mapping[str, str] | None = None,
    text: str = TEXT,
    on_page: Callable[[Any, int], None] | None = None,
    max_pages: int = 12,
) -> str:
    """Open `path`, answer every page (calling on_page(page, n) on each), return the receipt."""
    page.goto(path)
    for number in range(1, max_pages + 1):
        assert page.locator(NEXT).count() == 1, f"no form on {page.url}: {page.title()}"
        if on_page:
            on_page(page, number)
        answer_page(page, text=text, choose={**CALM, **(choose or {})})
        press_next(page)
        assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
        code = receipt_code(page)
        if code:
            return code
    raise AssertionError(f"{path} did not end within {max_pages} pages")


def open_receipt(page: Any, locale: str, code: str) -> None:
    page.goto(f"/{locale}/receipt")
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.locator('main form button[value="show"]').click()


def receipt_status(page: Any) -> str:
    text: str = page.locator("main dl dd strong").first.inner_text().strip()
    return text


def what_it_says(page: Any) -> str:
    text: str = page.locator("main").inner_text()
    return text
