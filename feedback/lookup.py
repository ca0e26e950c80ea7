"""Throttling receipt lookups, so codes cannot be guessed by trying many."""

from __future__ import annotations

from chorus.ratelimit import get_limiter
from chorus.settings import get_settings
from feedback.receipts import normalize_code

PREFIX_LENGTH = 5
PREFIX_LIMIT_PER_HOUR = 10


class LookupRefused(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many receipt lookups")
        self.retry_after = retry_after


async def check_lookup_allowed(typed: str, address: str | None) -> None:
    """Count one lookup against the (hashed) address and against the code's first group."""
    limiter = get_limiter()
    verdict = await limiter.check(
        "receipt-address",
        await limiter.address_key(address),
        get_settings().receipt_limit_per_hour,
        3600,
    )
    if not verdict.allowed:
        raise LookupRefused(verdict.retry_after)
    code = normalize_code(typed)
    if code is not None:
        verdict = await limiter.check(
            "receipt-prefix", code[:PREFIX_LENGTH], PREFIX_LIMIT_PER_HOUR, 3600
        )
        if not verdict.allowed:
            raise LookupRefused(verdict.retry_after)
