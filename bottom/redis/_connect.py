"""Opening redis-py's asyncio client, with the extra's install hint.  Private."""

from __future__ import annotations

from typing import Any

from .records import RedisUnavailable

__all__ = ["open_redis", "redis_errors", "retry_errors"]


def _module() -> Any:
    try:
        import redis.asyncio as aioredis
    except ImportError:
        raise ImportError('bottom.redis needs redis-py: pip install "bottom[redis]"') from None
    return aioredis


def redis_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis is unreachable right now"."""
    import redis.exceptions as errors
    return (errors.ConnectionError, errors.TimeoutError, ConnectionError, OSError)


def retry_errors() -> tuple[type[BaseException], ...]:
    """:func:`redis_errors` and Redis' error replies (NOGROUP after a restart
    that lost the consumer groups): a loop retries after any of them."""
    import redis.exceptions as errors
    return (*redis_errors(), errors.ResponseError)


async def open_redis(url: str, *, key: str) -> Any:
    """A connected ``redis.asyncio.Redis`` for ``url``, checked with PING.

    :raises RedisUnavailable: naming ``key`` (what the caller came for)
        and the URL (its password masked), when Redis does not answer.
    """
    aioredis = _module()
    client = aioredis.Redis.from_url(url, socket_connect_timeout=5.0,
                                     health_check_interval=10)
    try:
        await client.ping()
    except redis_errors() as exc:
        await client.aclose()
        raise RedisUnavailable(f"Redis at {_masked(url)} is unreachable: {exc}",
                               key=key) from exc
    return client


def _masked(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}{sep}{user}:***@{host}" if user else f"{scheme}{sep}***@{host}"
