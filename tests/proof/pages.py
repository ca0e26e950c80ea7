"""A respondent with JavaScript off, over any transport: read each page's form, answer it,
press the button (tests.surveys.walk does the same for the async in-process client)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conftest import state_of
from tests.surveys.walk import RECEIPT, answers_for

#: (status, html) for a GET of a path, and for a form POST of (path, fields).
Get = Callable[[str], tuple[int, str]]
Post = Callable[[str, dict[str, object]], tuple[int, str]]


@dataclass
class Walk:
    receipt: str
    #: Every form page seen on the way, in order: its html (state included).
    pages: list[str] = field(default_factory=list)
    thanks: str = ""


def walk(
    get: Get,
    post: Post,
    path: str,
    *,
    text: str = "They listened to me and took me seriously.",
    choose: dict[str, str] | None = None,
    max_pages: int = 10,
) -> Walk:
    status, html = get(path)
    assert status == 200, html[:2000]
    action = path.split("?", 1)[0]
    pages = []
    for _ in range(max_pages):
        pages.append(html)
        data: dict[str, object] = dict(answers_for(html, text, choose))
        data.update(state=state_of(html), action="next")
        status, html = post(action, data)
        assert status == 200, html[:2000]
        found = RECEIPT.search(html)
        if found:
            return Walk(found.group(1), pages, html)
    raise AssertionError(f"{path}: the questionnaire did not end")
