"""Writes for the importers: an imported article, a ClaimReview as a claim, its appearances and evidence.

Kept beside the parsers rather than appended to claims/services.py: these are only called by the import
command and admin pages, and they reuse claims.services (claim_save, evidence_add, article_upsert) for every
rule a reviewer's own write obeys (status transitions, the publishing rule, history).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from claims.choices import REFUTING_VERDICTS, SUPPORTING_VERDICTS, ClaimStatus, Stance
from claims.models import Appearance, Article, Claim, Evidence
from claims.services import article_upsert, claim_save, evidence_add, snapshot
from claims.similarity import similar_claims
from sources.models import Source
from sources.services import source_get_or_create

from .base import ArticleData, CandidateLink, check_text
from .claimreview import AppearanceData, ClaimReviewData

CREATED, UPDATED, LINKED, SKIPPED = "created", "updated", "linked", "skipped"


def article_import(*, data: ArticleData) -> tuple[Article, bool]:
    """Create the article read by an importer, or update the one with the same canonical url."""
    fields = data.model_fields()
    check_text(Article, {"url": data.url, **fields})
    return article_upsert(url=data.url, **fields)


def sources_add(*, links: Iterable[CandidateLink]) -> list[Source]:
    """Make sources of the candidate links a reviewer picked (one row per canonical url)."""
    links = [(link.url, link.text[:500]) for link in links]
    for url, title in links:
        check_text(Source, {"url": url, "title": title}, names={"title": f"{url}: text"})
    return [source_get_or_create(url=url, title=title) for url, title in links]


@dataclass
class ReviewImportResult:
    action: str  # created, updated or linked
    claim: Claim
    note: str = ""


def _stance(verdict: str) -> str:
    if verdict in SUPPORTING_VERDICTS:
        return Stance.SUPPORTS
    if verdict in REFUTING_VERDICTS:
        return Stance.REFUTES
    return Stance.CONTEXT


def _explanation(review: ClaimReviewData) -> str:
    if review.explanation:
        return review.explanation
    by = f" by {review.publisher}" if review.publisher else ""
    rating = f"“{review.original_rating}”" if review.original_rating else "without a rating"
    return f"Rated {rating}{by} in a ClaimReview: {review.review_url}"


def _note(review: ClaimReviewData) -> str:
    return f"ClaimReview: {review.original_rating or review.verdict}"


def _existing_claim(review: ClaimReviewData) -> Claim | None:
    """The claim this review was imported as before: same review url, or same claim text and appearance."""
    claim = Claim.objects.filter(evidence__source__url=review.review_url).order_by("id").first()
    if claim is not None or not review.appearances:
        return claim
    urls = [a.url for a in review.appearances]
    return (
        Claim.objects.filter(text=review.claim_text)
        .filter(Q(article__url__in=urls) | Q(appearances__url__in=urls))
        .order_by("id")
        .first()
    )


def _article_for(appearance: AppearanceData) -> Article:
    article = Article.objects.filter(url=appearance.url).first()
    if article is not None:
        return article
    fields = {"title": appearance.title, "published_at": appearance.published_at}
    return article_upsert(url=appearance.url, **{k: v for k, v in fields.items() if v})[0]


def _add_appearances(claim: Claim, appearances: Iterable[AppearanceData]) -> int:
    added = 0
    own = claim.article.url if claim.article_id else None
    for appearance in appearances:
        if appearance.url == own:
            continue
        _, created = Appearance.objects.get_or_create(
            claim=claim,
            url=appearance.url,
            defaults={
                "appeared_at": appearance.published_at,
                "quote": appearance.quote,
                "article": Article.objects.filter(url=appearance.url).first(),
            },
        )
        added += created
    return added


def _publish(claim: Claim, *, user, published_at) -> None:
    if claim.status == ClaimStatus.PUBLISHED:
        return
    before = snapshot(claim)
    claim.status = ClaimStatus.PUBLISHED
    claim.published_at = claim.published_at or published_at
    claim_save(claim=claim, user=user, before=before)


# Our field → where a ClaimReview has it, so a refused item names the part of the input to fix.
_REVIEW_NAMES = {
    "text": "claimReviewed",
    "claimant": "itemReviewed.author",
    "language": "inLanguage",
    "original_rating": "reviewRating",
    "explanation": "reviewRating.ratingExplanation (or reviewBody)",
}


def claimreview_check(review: ClaimReviewData) -> None:
    """Every value the import would write, held to the API's text rules and lengths (claims.validators), before
    anything is read or written with it: a ParseError naming the ClaimReview field at fault."""
    claim = {"text": review.claim_text, "claimant": review.claimant, "language": review.language}
    check_text(Claim, {**claim, "original_rating": review.original_rating}, names=_REVIEW_NAMES)
    source = {"url": review.review_url, "title": review.headline, "publisher": review.publisher}
    check_text(Source, source, names={"title": "headline", "publisher": "author"})
    for appearance in review.appearances:
        names = {"url": f"{appearance.where}.url", "quote": f"{appearance.where}.text"}
        check_text(Appearance, {"url": appearance.url, "quote": appearance.quote}, names=names)
        check_text(Article, {"title": appearance.title}, names={"title": f"{appearance.where}.headline"})
    # Last, the values made of several fields, so that a bad part is named by its own field above.
    check_text(Claim, {"explanation": _explanation(review)}, names=_REVIEW_NAMES)
    check_text(Evidence, {"note": _note(review)}, names={"note": "reviewRating"})


@transaction.atomic
def claimreview_import(*, review: ClaimReviewData, user=None, publish: bool = False) -> ReviewImportResult:
    """Create or update the claim a ClaimReview describes; link it to a near-identical claim instead of
    creating a duplicate. Imported claims land in review unless `publish` (the review url is the evidence)."""
    claimreview_check(review)
    existing = _existing_claim(review)
    if existing is not None:
        return _update(existing, review, user=user, publish=publish)
    link = similar_claims(text=review.claim_text, threshold=settings.SIMILAR_CLAIMS_LINK_THRESHOLD, limit=1)
    if link:
        target = link[0]
        added = _add_appearances(target.claim, review.appearances)
        note = (
            f"looks like claim {target.claim.pk} (score {target.score:.2f}): {added} appearance(s) added to it, "
            "no new claim"
        )
        return ReviewImportResult(LINKED, target.claim, note)
    suggestion = similar_claims(text=review.claim_text, limit=1)
    claim = Claim(
        text=review.claim_text,
        claimant=review.claimant,
        language=review.language,
        verdict=review.verdict,
        original_rating=review.original_rating,
        explanation=_explanation(review),
        status=ClaimStatus.IN_REVIEW,
        reviewed_at=review.reviewed_at,
        article=_article_for(review.appearances[0]) if review.appearances else None,
    )
    # The verdict is the fact-checker's, not the importing user's: stamp no reviewer for it.
    before = {"verdict": claim.verdict, "explanation": claim.explanation, "status": claim.status, "version": 0}
    claim_save(claim=claim, user=user, before=before, evidence_count=0)
    _cite_review(claim, review, user=user)
    _add_appearances(claim, review.appearances[1:])
    if publish:
        _publish(claim, user=user, published_at=review.reviewed_at)
    note = ""
    if suggestion:
        note = f"looks like claim {suggestion[0].claim.pk} (score {suggestion[0].score:.2f})"
    return ReviewImportResult(CREATED, claim, note)


def _cite_review(claim: Claim, review: ClaimReviewData, *, user) -> None:
    """The review itself is evidence for the claim: its url becomes a source."""
    evidence_add(
        claim=claim,
        url=review.review_url,
        user=user,
        stance=_stance(review.verdict),
        note=_note(review),
        source_title=review.headline,
        publisher=review.publisher,
    )


def _update(claim: Claim, review: ClaimReviewData, *, user, publish: bool) -> ReviewImportResult:
    claim = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    before = snapshot(claim)
    values = {"text": review.claim_text, "verdict": review.verdict, "original_rating": review.original_rating}
    values.update(
        {
            k: v
            for k, v in (
                ("claimant", review.claimant),
                ("language", review.language),
                ("reviewed_at", review.reviewed_at),
            )
            if v
        }
    )
    if not claim.explanation:
        values["explanation"] = _explanation(review)
    if claim.article_id is None and review.appearances:
        values["article"] = _article_for(review.appearances[0])
    changed = [name for name, value in values.items() if getattr(claim, name) != value]
    for name in changed:
        setattr(claim, name, values[name])
    if changed:
        before = {**before, "verdict": claim.verdict, "explanation": claim.explanation}
        claim_save(claim=claim, user=user, before=before)
    if not claim.evidence.filter(source__url=review.review_url).exists():
        _cite_review(claim, review, user=user)
    added = _add_appearances(claim, review.appearances)
    if publish:
        _publish(claim, user=user, published_at=review.reviewed_at)
    parts = [f"changed {', '.join(changed)}" if changed else "no field changed"]
    if added:
        parts.append(f"{added} appearance(s) added")
    return ReviewImportResult(UPDATED, claim, "; ".join(parts))
