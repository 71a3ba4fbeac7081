"""Which fact-checks readers open, counted cheaply in Redis for the home page's "most-read tags".

One sorted set per day (claim id -> reads), kept a few weeks. Counting is one round trip per claim page and never
fails the page: with Redis away (or no REDIS_URL, as in `make run`) nothing is counted and the home page falls back
to the tags of the latest fact-checks, saying so.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from factcheck.failsafe import REDIS_DOWN, warn_unavailable
from factcheck.redis import redis_client

from . import selectors_listing

KEY_PREFIX = "public:reads:"
KEEP_DAYS = 31  # a day's counts outlive the longest window asked for (most_read_tags' days)
TOP_CLAIMS = 200  # the most-read claims whose tags are weighed; the long tail changes nothing at the top


def _client():
    url = settings.REDIS_URL
    return redis_client(url) if url else None


def _day_key(day: dt.date) -> str:
    return f"{KEY_PREFIX}{day.isoformat()}"


def record_read(claim_id: int, *, today: dt.date | None = None) -> None:
    """Count one read of a claim page (the claim page calls it for a public claim it served)."""
    client = _client()
    if client is None:
        return
    key = _day_key(today or timezone.now().date())
    try:
        pipe = client.pipeline(transaction=False)
        pipe.zincrby(key, 1, claim_id)
        pipe.expire(key, KEEP_DAYS * 86400)
        pipe.execute()
    except REDIS_DOWN as exc:
        warn_unavailable("read counter (Redis)", exc)


def most_read_claims(*, days: int = 7, limit: int = TOP_CLAIMS, today: dt.date | None = None) -> dict[int, int]:
    """Claim id -> reads over the last ``days`` days (today included), the ``limit`` most read; {} without Redis."""
    client = _client()
    if client is None:
        return {}
    today = today or timezone.now().date()
    keys = [_day_key(today - dt.timedelta(days=n)) for n in range(max(1, min(days, KEEP_DAYS)))]
    top = f"{KEY_PREFIX}top:{today.isoformat()}:{len(keys)}"
    try:
        # Summed and cut server-side in one atomic round trip: only the `limit` most read come back.
        pipe = client.pipeline(transaction=True)
        pipe.zunionstore(top, keys)
        pipe.zrevrange(top, 0, limit - 1, withscores=True)
        pipe.delete(top)
        _stored, found, _deleted = pipe.execute()
    except REDIS_DOWN as exc:
        warn_unavailable("read counter (Redis)", exc)
        return {}
    pairs = sorted(((int(member), int(score)) for member, score in found), key=lambda p: (-p[1], -p[0]))
    return dict(pairs[:limit])


def most_read_tags(*, days: int = 7, limit: int = 12, today: dt.date | None = None) -> tuple[list[str], bool]:
    """(tag names, True) of the most-read public claims of the last ``days`` days, in one query; with no reads
    counted, (the tags of the latest fact-checks, False), so the page can say which it shows."""
    reads = most_read_claims(days=days, today=today)
    if reads:
        tags = selectors_listing.tags_by_reads(reads, limit=limit)
        if tags:
            return tags, True
    return selectors_listing.tags_of_latest(limit=limit), False
