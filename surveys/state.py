"""Answers carried between pages in a signed form field: no cookie, no server-side session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

from chorus.settings import get_settings
from surveys.forms import Answers


class StateError(Exception):
    """The page state was changed, belongs to another survey, or is too old."""


@dataclass(slots=True)
class FormState:
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    page: int = 0
    channel: str | None = None
    answers: Answers = field(default_factory=dict)


def _serializer(slug: str) -> URLSafeTimedSerializer:
    # The salt ties a state to its survey: one survey's state cannot be replayed into another.
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"chorus-form:{slug}")


def dump_state(slug: str, state: FormState) -> str:
    payload = {"t": state.token, "p": state.page, "c": state.channel, "a": state.answers}
    return str(_serializer(slug).dumps(payload))


def load_state(slug: str, raw: str | None) -> FormState:
    if not raw or len(raw) > 60_000:
        raise StateError("missing")
    try:
        data: Any = _serializer(slug).loads(raw, max_age=get_settings().state_max_age_seconds)
    except BadData:
        raise StateError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise StateError("invalid")
    answers = data.get("a")
    page = data.get("p")
    if not isinstance(answers, dict) or not isinstance(page, int):
        raise StateError("invalid")
    channel = data.get("c")
    return FormState(
        token=data["t"],
        page=page,
        channel=channel if isinstance(channel, str) else None,
        answers=answers,
    )
