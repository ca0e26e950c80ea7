"""Strict form decoding: malformed encoding or invalid UTF-8 is a clear 400, never a guess."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from litestar import Request
from litestar.exceptions import ClientException

MAX_FIELDS = 300


async def read_form(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise ClientException(status_code=415, detail="unsupported form encoding")
    body = await request.body()  # Litestar enforces the body size limit here (413)
    try:
        return parse_qs(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise ClientException(status_code=400, detail="malformed form") from None
