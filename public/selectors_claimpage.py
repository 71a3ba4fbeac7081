"""What the claim page and its verdict card read: the API's claim detail row, as an anonymous reader may see it, and
the digest that changes whenever anything in that row changes (the page cache's key and the ETag)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from claims.models import Claim
from claims.selectors.claims import claim_detail_digest, claim_detail_row

READER = AnonymousUser()


def claim_page_digest(*, claim_id: int) -> str | None:
    """One indexed statement: the digest of the public claim's detail row and latest history record; None when the
    claim is not public (draft, in review, missing)."""
    return claim_detail_digest(claim_id=claim_id, user=READER)


def claim_page_row(*, claim_id: int) -> dict | None:
    """The public claim's detail row (claims.selectors.claims.claim_detail_row); None when it is not public."""
    try:
        return claim_detail_row(claim_id=claim_id, user=READER)
    except Claim.DoesNotExist:
        return None
