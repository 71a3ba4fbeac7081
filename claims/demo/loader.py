"""Load the demo data through the claim services, so it looks exactly like data reviewers entered."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from claims.choices import ClaimStatus
from claims.models import Article, Claim
from claims.services import (
    article_upsert,
    claim_approve,
    claim_create,
    claim_update,
    evidence_add,
    second_review_required,
)
from sources.urlnorm import normalize_url

from . import sora_leak

DEMO_REVIEWER = "demo-reviewer"
# The second pair of eyes: approves the demo reviewer's verdicts before they are published, as the second-review rule
# asks (FACTCHECK_REQUIRE_SECOND_REVIEW).
DEMO_EDITOR = "demo-editor"
DEMO_TAG = "demo"
KEY_TAG_PREFIX = "demo:"


@dataclass
class DemoLoadResult:
    article: Article
    article_created: bool
    created: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)


def demo_reviewer_get_or_create(username: str = DEMO_REVIEWER, *, last_name: str = "Reviewer"):
    """The user the demo verdicts are credited to (or, with DEMO_EDITOR, their approver): a Reviewer who cannot log
    in."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name="Demo", last_name=last_name)
        user.set_unusable_password()
        user.save()
    reviewers = Group.objects.get(name="Reviewer")  # made by a migration
    if not user.groups.filter(pk=reviewers.pk).exists():
        user.groups.add(reviewers)
    return user


def key_tag(key: str) -> str:
    return f"{KEY_TAG_PREFIX}{key}"


def _claim_load(
    spec: dict[str, Any], *, article: Article, user, sources: dict[str, dict[str, str]], review_language: str
) -> bool:
    """Create one demo claim with its evidence and walk it to its status; False if it is already there."""
    tag = key_tag(spec["key"])
    # The tag is the natural key: a claim reviewers have since edited is left as they left it.
    if Claim.objects.filter(tags__name=tag).exists():
        return False
    target = spec["status"]
    # Publishing needs evidence, which needs the claim: create it in review, cite, then publish.
    initial = ClaimStatus.IN_REVIEW if target in (ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED) else target
    value = spec.get("value")
    recheck_after = spec.get("recheck_after")
    claim = claim_create(
        user=user,
        text=spec["text"],
        tags=[*spec["tags"], DEMO_TAG, tag],
        article=article,
        quote=spec["quote"],
        language=article.language,
        claimant=spec["claimant"],
        value=Decimal(value) if value is not None else None,
        unit=spec.get("unit", ""),
        verdict=spec["verdict"],
        explanation=spec["explanation"],
        review_language=review_language,
        status=initial,
        recheck_after=date.fromisoformat(recheck_after) if recheck_after else None,
    )
    for item in spec["evidence"]:
        source = sources[item["source"]]
        evidence_add(
            claim=claim,
            url=source["url"],
            user=user,
            stance=item["stance"],
            excerpt=item.get("excerpt", ""),
            note=item.get("note", ""),
            source_title=source["title"],
            publisher=source["publisher"],
        )
    if target in (ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED):
        if second_review_required():
            claim_approve(claim_id=claim.pk, user=demo_reviewer_get_or_create(DEMO_EDITOR, last_name="Editor"))
        claim = claim_update(
            claim_id=claim.pk, user=user, data={"status": ClaimStatus.PUBLISHED}, expected_version=claim.version
        )
    if target == ClaimStatus.RETRACTED:
        claim_update(
            claim_id=claim.pk,
            user=user,
            data={"status": ClaimStatus.RETRACTED},
            expected_version=claim.version,
            correction_note=spec["retraction_note"],  # a retraction is public and says why
        )
    return True


@transaction.atomic
def demo_load(data=sora_leak) -> DemoLoadResult:
    """Load the demo article, its claims, sources and evidence. Running it again changes nothing."""
    user = demo_reviewer_get_or_create()
    fields = dict(data.ARTICLE)
    url = normalize_url(fields.pop("url"))
    # Like the claims, an article already there is left as reviewers left it (`make run` loads the demo each time).
    article = Article.objects.filter(url=url).first()
    created = article is None
    if created:
        fields["published_at"] = datetime.fromisoformat(fields["published_at"])
        article, _ = article_upsert(url=url, **fields)
    result = DemoLoadResult(article=article, article_created=created)
    for spec in data.CLAIMS:
        if _claim_load(spec, article=article, user=user, sources=data.SOURCES, review_language=data.REVIEW_LANGUAGE):
            result.created.append(spec["key"])
        else:
            result.already_present.append(spec["key"])
    return result
