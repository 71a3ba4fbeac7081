"""Sending webhooks: the link checker's safe client (sources.fetch.SafeClient.post), with the webhooks' limits.

Every POST goes through the fetcher's address guard: each address the host resolves to must be public or inside
LINKCHECK_ALLOW_NETWORKS, the connection goes to those checked addresses only, and no redirect is followed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings

from sources.fetch import FetchConfig, PostResult, Resolve, SafeClient, parse_networks, resolve_once, system_resolve

from .models import RESPONSE_EXCERPT_BYTES

USER_AGENT = "factcheck-webhooks/1.0"


def webhook_user_agent() -> str:
    """Who is calling, and where to learn about it (the wire format's User-Agent)."""
    site = settings.FACTCHECK_SITE_URL
    return f"{USER_AGENT} (+{site})" if site else USER_AGENT


def webhook_fetch_config(**overrides) -> FetchConfig:
    """The safe client's settings for webhooks: their own deadline, connect timeout, answer cap and concurrency;
    the link checker's allow list (one rule for where the worker may connect); never a redirect."""
    values = {
        "connect_timeout": settings.WEBHOOK_CONNECT_TIMEOUT,
        "read_timeout": settings.WEBHOOK_DEADLINE,
        "deadline": settings.WEBHOOK_DEADLINE,
        "max_body_bytes": settings.WEBHOOK_MAX_RESPONSE_BYTES,
        "max_redirects": 0,
        "user_agent": webhook_user_agent(),
        "allow_networks": parse_networks(settings.LINKCHECK_ALLOW_NETWORKS),
        "concurrency": settings.WEBHOOK_CONCURRENCY,
        "host_concurrency": settings.WEBHOOK_HOST_CONCURRENCY,
    }
    values.update(overrides)
    return FetchConfig(**values)


class HostSlots:
    """At most ``per_host`` POSTs in flight to one host from this process: a receiver is not flooded by a burst,
    and one slow receiver holds only its own slots (the fetcher takes the host's slot before the global one)."""

    def __init__(self, per_host: int) -> None:
        self.per_host = max(per_host, 1)
        self._slots: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore = self._slots.setdefault(host.lower(), asyncio.Semaphore(self.per_host))
        async with semaphore:
            yield

    async def pace(self, host: str) -> None:
        return None


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: Callable[[], Mapping[str, str]]  # called as the POST starts: the signature carries that time


async def post_many(
    outgoing: Sequence[Outgoing],
    *,
    config: FetchConfig | None = None,
    resolve: Resolve | None = None,
    start_by: float | None = None,
) -> list[PostResult]:
    """POST each, concurrently within the limits, in one client: each host is resolved once for the batch. A POST
    whose turn comes after ``start_by`` (monotonic) is not sent (its result's ``started_at`` is None)."""
    config = config or webhook_fetch_config()
    limiter = HostSlots(config.host_concurrency)
    async with SafeClient(config, limiter=limiter, resolve=resolve_once(resolve or system_resolve)) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        item.url, item.body, item.headers, excerpt_bytes=RESPONSE_EXCERPT_BYTES, start_by=start_by
                    )
                    for item in outgoing
                )
            )
        )
