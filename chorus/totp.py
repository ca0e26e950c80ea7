"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30 s), from the stdlib."""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
#: Steps either side of now that are accepted: a phone's clock may be a little off.
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits in base 32, as authenticator apps expect them."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at(secret: str, step: int) -> str:
    """RFC 4226 HOTP for counter `step` (RFC 6238 uses the time step as the counter)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def verify(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to, or None. A step at or before `last_step` is refused,
    so a code seen over someone's shoulder cannot be used again."""
    typed = "".join(ch for ch in code if not ch.isspace())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    now_step = current_step(now)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
