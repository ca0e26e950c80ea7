"""Field errors for the JSON API: 422 with one translated message per field."""

from __future__ import annotations

import msgspec
from litestar.exceptions import HTTPException


class ErrorBody(msgspec.Struct):
    status_code: int
    detail: str
    errors: dict[str, str] | None = None


class FieldErrors(HTTPException):
    status_code = 422

    def __init__(self, detail: str, errors: dict[str, str]) -> None:
        super().__init__(detail=detail)
        self.errors = errors
