"""A manager in the browser: sign in through the form, find an item in the inbox, answer it."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from tests.browser.conftest import MANAGER_EMAIL, MANAGER_PASSWORD


def sign_in(page: Any) -> None:
    page.goto("/manage/login")
    page.locator("#email").fill(MANAGER_EMAIL)
    page.locator("#password").fill(MANAGER_PASSWORD)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
    assert page.url.rstrip("/").endswith("/manage"), page.locator("main").inner_text()


def find_item(page: Any, text: str, *, kind: str, locale: str, max_pages: int = 20) -> str:
    """Open the inbox filtered to today's new items of this kind and language, and follow
    the pages until the item whose excerpt shows `text`; returns the item's address."""
    query = urlencode(
        {"kind": kind, "language": locale, "status": "received", "from": date.today().isoformat()}
    )
    page.goto(f"/manage/inbox?{query}")
    for _ in range(max_pages):
        link = page.locator("main table a", has_text=text)
        if link.count():
            href: str = link.first.get_attribute("href")
            return href
        following = page.locator('main a[rel="next"]')
        if not following.count():
            break
        with page.expect_navigation():
            following.first.click()
    raise AssertionError(f"no inbox item shows {text!r}")
