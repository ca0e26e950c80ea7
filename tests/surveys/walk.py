"""A respondent with JavaScript off: read each page's form, answer it, press the button."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import state_of

_INPUT = re.compile(r'<input type="(radio|checkbox)" name="([a-z_0-9]+)" value="([a-z_0-9]+)"')
_TEXTAREA = re.compile(r'<textarea id="[^"]+" name="([a-z_0-9]+)"')
RECEIPT = re.compile(r'class="receipt"[^>]*>([^<]+)<')


def answers_for(html: str, text: str, choose: dict[str, str] | None = None) -> dict[str, Any]:
    """The first offered answer to every question on the page (or the one in `choose`)."""
    data: dict[str, Any] = {}
    for _kind, name, value in _INPUT.findall(html):
        data.setdefault(name, value)
    for name in _TEXTAREA.findall(html):
        data[name] = text
    data.update({k: v for k, v in (choose or {}).items() if k in data})
    return data


async def complete(
    client: Any,
    path: str,
    *,
    text: str = "They listened to me and took me seriously.",
    choose: dict[str, str] | None = None,
    max_pages: int = 10,
) -> tuple[str, str]:
    """Answer every page; returns (receipt code, thank-you page html)."""
    html = (await client.get(path)).text
    action = path.split("?", 1)[0]
    for _ in range(max_pages):
        data = answers_for(html, text, choose)
        data.update(state=state_of(html), action="next")
        response = await client.post(action, data=data)
        assert response.status_code == 200, response.text[:2000]
        html = response.text
        found = RECEIPT.search(html)
        if found:
            return found.group(1), html
    raise AssertionError("the survey did not end")
