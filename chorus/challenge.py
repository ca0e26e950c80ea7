"""A self-hosted proof-of-work challenge (ALTCHA-style): a client must spend a moment of CPU
per submission, which costs a person nothing and a spammer a lot, with no tracking at all.

The server hands out a signed challenge (a salt with an expiry, and the SHA-256 of the salt
followed by a secret number up to `maxnumber`); the client finds the number by trying them in
turn and sends it back. Nothing is stored but the spent challenges, for their lifetime, so a
solution cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from chorus.ratelimit import get_limiter
from chorus.settings import get_settings

ALGORITHM = "SHA-256"
LIFETIME_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Challenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


def _sign(challenge: str) -> str:
    return hmac.new(get_settings().secret_key, challenge.encode(), hashlib.sha256).hexdigest()


def new_challenge(now: float | None = None) -> Challenge:
    maximum = get_settings().proof_of_work_max
    expires = int((now or time.time()) + LIFETIME_SECONDS)
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    number = secrets.randbelow(maximum + 1)
    digest = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
    return Challenge(ALGORITHM, digest, maximum, salt, _sign(digest))


def solve(challenge: Challenge) -> int:
    """What a client does (used by tests and the API documentation)."""
    for number in range(challenge.maxnumber + 1):
        if hashlib.sha256(f"{challenge.salt}{number}".encode()).hexdigest() == challenge.challenge:
            return number
    raise ValueError("no solution")


def encode_solution(challenge: Challenge, number: int) -> str:
    payload = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


async def verify_solution(encoded: str | None, now: float | None = None) -> bool:
    """Whether `encoded` solves a challenge we issued, unexpired and not used before."""
    if not encoded or len(encoded) > 1000:
        return False
    try:
        payload = json.loads(base64.b64decode(encoded, validate=True))
        digest = str(payload["challenge"])
        salt = str(payload["salt"])
        number = int(payload["number"])
        signature = str(payload["signature"])
    except (ValueError, KeyError, TypeError):
        return False
    if payload.get("algorithm") != ALGORITHM or not hmac.compare_digest(signature, _sign(digest)):
        return False
    _, _, expiry = salt.partition("?expires=")
    if not expiry.isdigit() or int(expiry) < (now or time.time()):
        return False
    if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() != digest:
        return False
    # Spent once: the first use counts 1, any replay more.
    verdict = await get_limiter().check("pow-spent", digest, 1, LIFETIME_SECONDS)
    return verdict.allowed
