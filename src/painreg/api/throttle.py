"""Rate limits per token that hold across every worker of the server.

A fixed window counted in Django's cache alias ``api`` (``settings.CACHES``):
``add`` starts the window's counter, ``incr`` counts, both atomic on Redis,
so several gunicorn workers (or servers) share one count. Decision: not
django-ninja's throttles, which read a list of timestamps, append and write
it back; two workers doing that at once both pass, so the limit leaks by the
number of workers. Without Redis configured the alias is the process's own
memory (one worker's count: the demo).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches


def rate() -> tuple[int, int]:
    """(requests, seconds) allowed per token."""
    return settings.PAINREG_API_RATE


def hit(key: str) -> tuple[bool, int]:
    """Count one request of ``key``; (allowed, seconds until the window ends)."""
    limit, window = rate()
    now = int(time.time())
    start = now - now % window
    cache_key = f"painreg:api:rate:{key}:{start}"
    cache = caches["api"]
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 5)
        count = 1
    return count <= limit, start + window - now
