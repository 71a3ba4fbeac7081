"""The X-Factcheck-Signature header: Stripe's scheme. The receiver recomputes HMAC-SHA256 over "<t>.<body>" with
the subscription's secret and refuses an old ``t``, so a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v1"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header's value, ``t=<unix time>,v1=<hex>``, signed now unless told when."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},{SIGNATURE_VERSION}={signature(secret, body, timestamp)}"
