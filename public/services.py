"""Every write of the public site's own rows: tips from readers, and what reviewers do with them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from claims.links import site_url
from claims.models import Claim
from claims.services import article_upsert, claim_create
from claims.validators import validate_model_text
from notifications.choices import EventType
from notifications.outbox import event_record
from sources.urlnorm import normalize_url

from .models import Tip, TipKind, TipStatus
from .selectors_desk import tip_already_checked

# Salt of the HMAC that stands for a client's address (the key is derived from SECRET_KEY by salted_hmac): the
# rate limit can count a client's tips, nobody can read an address back, and a rotated SECRET_KEY forgets them all.
CLIENT_HASH_SALT = "public.tips.client"


def tip_client_hash(address: str) -> str:
    """What is kept of a client's address: an HMAC-SHA256 of it, hex (64 characters)."""
    return salted_hmac(CLIENT_HASH_SALT, address or "", algorithm="sha256").hexdigest()


@transaction.atomic
def tip_submit(
    *,
    text: str,
    url: str = "",
    contact: str = "",
    language: str = "",
    client_hash: str = "",
    reported_claim: Claim | None = None,
) -> Tip:
    """Store a reader's tip: an error report on `reported_claim` when given, else a claim to check, linked to the
    public fact-check it already matches (if one does). ValidationError names the field at fault."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the claim you want us to check.")]}, code="required")
    validate_model_text(Tip, {"text": text, "contact": contact, "language": language})
    if url:
        try:
            url = normalize_url(url)
        except ValidationError as exc:
            raise ValidationError({"url": exc.messages}) from exc
    if reported_claim is not None:
        kind, matched = TipKind.ERROR_REPORT, reported_claim
    else:
        kind, matched = TipKind.CLAIM, tip_already_checked(text=text)
    tip = Tip(
        text=text,
        url=url,
        contact=contact,
        language=language,
        kind=kind,
        matched_claim=matched,
        client_hash=client_hash,
    )
    tip.full_clean(exclude=["matched_claim"])
    tip.save()
    tip_event_record(tip)
    return tip


def tip_event_record(tip: Tip) -> None:
    """The desk's tip.received event, in the tip's transaction. The reader's contact address is not in it: the desk
    reads it in the admin, behind a login, not in every subscriber's logs."""
    event_record(
        type=EventType.TIP_RECEIVED,
        order_key=f"tip:{tip.pk}",
        object_ids={"tip": tip.pk, **({"claim": tip.matched_claim_id} if tip.matched_claim_id else {})},
        language=tip.language,
        payload={
            "tip": {
                "id": tip.pk,
                "kind": tip.kind,
                "text": tip.text,
                "url": tip.url,
                "language": tip.language,
                "has_contact": bool(tip.contact),
                "matched_claim_id": tip.matched_claim_id,
                "created_at": tip.created_at,
                "admin_url": site_url(reverse("admin:public_tip_change", args=[tip.pk])),
            }
        },
    )


@transaction.atomic
def tip_turn_into_claim(*, tip_id: int, user) -> Claim:
    """A draft claim from the tip's text, url (its article) and language; the tip is marked and linked to it.
    Twice is once: a tip already turned into a claim gives that claim back."""
    tip = Tip.objects.select_for_update().get(pk=tip_id)
    if tip.status == TipStatus.TURNED_INTO_CLAIM and tip.matched_claim_id:
        return tip.matched_claim
    article = article_upsert(url=tip.url)[0] if tip.url else None
    claim = claim_create(user=user, text=tip.text, language=tip.language, article=article)
    tip.status = TipStatus.TURNED_INTO_CLAIM
    tip.matched_claim = claim
    tip.save(update_fields=["status", "matched_claim"])
    return claim


def tips_set_status(*, tip_ids: Iterable[int], status: TipStatus) -> int:
    """Mark tips reviewed or discarded; tips already turned into a claim keep that status. Returns how many."""
    if status == TipStatus.TURNED_INTO_CLAIM:
        raise ValidationError("A tip becomes a claim through tip_turn_into_claim, which makes the claim.")
    return Tip.objects.filter(pk__in=list(tip_ids)).exclude(status=TipStatus.TURNED_INTO_CLAIM).update(status=status)
