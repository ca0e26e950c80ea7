"""Rate limits without tracking: counts per keyed hash of the address, key rotated daily.

The key lives in process memory, or in Redis with a TTL when REDIS_URL is set so that several
processes share counts; it is never written to disk, so yesterday's hashes cannot be linked
to an address after the key is gone.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chorus.settings import get_settings

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets; 0 when allowed


class Backend(Protocol):
    async def daily_key(self, day: str) -> bytes: ...

    async def hit(self, key: str, window: int) -> tuple[int, int]: ...


class MemoryBackend:
    """Counts in this process only: right for one process on SQLite."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = asyncio.Lock()

    async def daily_key(self, day: str) -> bytes:
        if day not in self._keys:
            self._keys = {day: secrets.token_bytes(32)}  # forget every earlier key
        return self._keys[day]

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        now = time.monotonic()
        async with self._lock:
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            expires, count = self._counts.get(key, (now + window, 0))
            if expires <= now:
                expires, count = now + window, 0
            count += 1
            self._counts[key] = (expires, count)
            return count, max(1, math.ceil(expires - now))


class RedisBackend:
    """Counts shared by every process through Redis; keys expire on their own."""

    def __init__(self, url: str, prefix: str = "chorus") -> None:
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url)
        self._prefix = prefix

    async def daily_key(self, day: str) -> bytes:
        name = f"{self._prefix}:ratekey:{day}"
        await self._redis.set(name, secrets.token_bytes(32), nx=True, ex=DAY_SECONDS * 2)
        value = await self._redis.get(name)
        return bytes(value)

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        name = f"{self._prefix}:rate:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def address_key(self, address: str | None) -> str:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = await self.backend.daily_key(day)
        return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]

    async def check(self, bucket: str, identity: str, limit: int, window: int) -> Verdict:
        count, ttl = await self.backend.hit(f"{bucket}:{identity}", window)
        if count > limit:
            return Verdict(False, ttl)
        return Verdict(True, 0)


_limiter: RateLimiter | None = None


def get_limiter() -> RateLimiter:
    global _limiter
    if _limiter is None:
        settings = get_settings()
        url = settings.redis_url
        _limiter = RateLimiter(RedisBackend(url, settings.redis_prefix) if url else MemoryBackend())
    return _limiter


def reset_limiter() -> None:
    """Forget every count (tests, and a settings change)."""
    global _limiter
    _limiter = None


def client_address(scope: Any) -> str | None:
    # Only ever passed to address_key(): hashed, never stored or logged.
    client = scope.get("client")
    return str(client[0]) if client else None
