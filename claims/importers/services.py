"""Writes for the importers: an imported article, a ClaimReview as a claim, its appearances and evidence.

Kept beside the parsers rather than appended to claims/services.py: these are only called by the import
command and admin pages, and they reuse claims.services (claim_save, evidence_add, article_upsert) for every
rule a reviewer's own write obeys (status transitions, the publishing rule, history).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.choices import REFUTING_VERDICTS, SUPPORTING_VERDICTS, ClaimStatus, Stance
from claims.models import Appearance, Article, Claim, Evidence, ExternalReview, LinkSuggestion
from claims.services import SECOND_REVIEW, article_upsert, claim_save, evidence_add, snapshot
from claims.similarity import automatic_link, similar_claims
from sources.models import Source
from sources.services import source_find_or_create

from .base import ArticleData, CandidateLink, check_text
from .claimreview import AppearanceData, ClaimReviewData

CREATED, UPDATED, LINKED, SUGGESTED, SKIPPED = "created", "updated", "linked", "suggested", "skipped"
ACTIONS = (CREATED, UPDATED, LINKED, SUGGESTED, SKIPPED)
# What each action is called in a report; the codes stay as they are in the command's table and the logs.
ACTION_LABELS = {
    CREATED: gettext_lazy("created"),
    UPDATED: gettext_lazy("updated"),
    LINKED: gettext_lazy("linked"),
    SUGGESTED: gettext_lazy("suggested"),
    SKIPPED: gettext_lazy("skipped"),
}
SUGGESTIONS_PER_REVIEW = 3


def article_import(*, data: ArticleData) -> tuple[Article, bool]:
    """Create the article read by an importer, or update the one with the same canonical url."""
    fields = data.model_fields()
    check_text(Article, {"url": data.url, **fields})
    return article_upsert(url=data.url, **fields)


@dataclass
class SourcesAdded:
    """What "add as sources" did: the sources it created, and those that were sources already (left as they were)."""

    added: list[Source] = field(default_factory=list)
    existing: list[Source] = field(default_factory=list)


def sources_add(*, links: Iterable[CandidateLink]) -> SourcesAdded:
    """Make sources of the candidate links a reviewer picked (one row per canonical url)."""
    links = [(link.url, link.text[:500]) for link in links]
    for url, title in links:
        check_text(Source, {"url": url, "title": title}, names={"title": f"{url}: text"})
    result = SourcesAdded()
    seen: set[int] = set()
    for url, title in links:
        source, created = source_find_or_create(url=url, title=title)
        if source.pk in seen:
            continue  # two spellings of one page: one source
        seen.add(source.pk)
        (result.added if created else result.existing).append(source)
    return result


@dataclass
class ReviewImportResult:
    action: str  # created, updated, linked or suggested
    claim: Claim
    note: str = ""
    warnings: list[str] = field(default_factory=list)


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
    """Our claim this review of ours was imported as before: the same page and the same claim text (several
    reviews may share a page), or the same claim text and appearance."""
    claim = Claim.objects.filter(evidence__source__url=review.review_url, text=review.claim_text).order_by("id").first()
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


def _publish(claim: Claim, *, user, published_at) -> list[str]:
    """Publish an imported claim of ours; a claim the second-review rule keeps from publishing stays in review, and
    the warning saying why is returned. An imported verdict is credited to nobody (claims.revision), so a reviewer
    importing with ``publish`` is its second reviewer, recorded as its approver; an import without a user is not."""
    if claim.status == ClaimStatus.PUBLISHED:
        return []
    before = snapshot(claim)
    published_at_before = claim.published_at
    claim.status = ClaimStatus.PUBLISHED
    claim.published_at = claim.published_at or published_at
    try:
        claim_save(claim=claim, user=user, before=before)
    except ValidationError as exc:
        if exc.code != SECOND_REVIEW:
            raise
        claim.status, claim.published_at = before["status"], published_at_before  # refused before anything was saved
        return [_("left in review: %(reason)s") % {"reason": " ".join(exc.messages)}]
    return []


# Our field → where a ClaimReview has it, so a refused item names the part of the input to fix.
_REVIEW_NAMES = {
    "text": "claimReviewed",
    "claimant": "itemReviewed.author",
    "language": "inLanguage",
    "original_rating": "reviewRating",
    "explanation": "reviewRating.ratingExplanation (or reviewBody)",
}


def _unstorable_text(value, path: str = "") -> tuple[str, str] | None:
    """(path, text) of the first text in the item's JSON that PostgreSQL cannot store as jsonb (a NUL, a lone
    surrogate); other control characters are fine there."""
    if isinstance(value, str):
        return (path, value) if ("\x00" in value or _LONE_SURROGATE.search(value)) else None
    if isinstance(value, dict):
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index + 1}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        found = _unstorable_text(item, where)
        if found is not None:
            return found
    return None


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


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
    # The item is kept verbatim (ExternalReview.raw): a field dropped above with a warning must still be storable.
    unstorable = _unstorable_text(review.raw)
    if unstorable is not None:
        where, text = unstorable
        check_text(Claim, {"text": text}, names={"text": where})


def review_is_ours(review: ClaimReviewData) -> bool:
    """A review our organisation wrote: its author is FACTCHECK_ORGANIZATION_NAME, or its author's url is on the
    host of FACTCHECK_ORGANIZATION_URL."""
    name = settings.FACTCHECK_ORGANIZATION_NAME.casefold().strip()
    if name and review.publisher.casefold().strip() == name:
        return True
    ours = urlsplit(settings.FACTCHECK_ORGANIZATION_URL).hostname or ""
    theirs = urlsplit(review.publisher_url).hostname or "" if review.publisher_url else ""
    return bool(ours) and theirs.removeprefix("www.") == ours.removeprefix("www.")


def _external_review_values(review: ClaimReviewData) -> dict:
    rating = review.rating
    return {
        "publisher_name": review.publisher,
        "publisher_url": review.publisher_url,
        "rating_text": (rating.rating_text if rating else review.original_rating)[:500],
        "rating_value": rating.rating_value if rating else None,
        "best_rating": rating.best_rating if rating else None,
        "worst_rating": rating.worst_rating if rating else None,
        "score": rating.score if rating else None,
        "verdict": review.verdict,
        "reviewed_at": review.reviewed_at,
        "language": review.language,
        "raw": review.raw,
    }


def _record_review(claim: Claim, review: ClaimReviewData) -> ExternalReview:
    return ExternalReview.objects.create(
        claim=claim, url=review.review_url, claim_reviewed=review.claim_text, **_external_review_values(review)
    )


@transaction.atomic
def claimreview_import(
    *, review: ClaimReviewData, user=None, publish: bool = False, own: bool = False
) -> ReviewImportResult:
    """Import one ClaimReview; nothing it says is dropped.

    Another desk's review is an ExternalReview (identified by its page and its claim text), beside the claim it
    reviews: a claim already holding it, a claim it may be linked to by itself (claims.similarity.automatic_link),
    or a new claim in review with the review's verdict proposed (and suggestions of claims it looks like). With
    `own`, a review our organisation wrote (review_is_ours) is imported as our own fact-check instead, and only
    those are published by `publish`. Importing the same review again changes nothing and writes no history."""
    claimreview_check(review)
    ours = own and review_is_ours(review)
    warnings = list(review.warnings)
    if own and not ours:
        warnings.append(
            _("not by us (author %(author)s): kept as another desk's review")
            % {"author": review.publisher or "unknown"}
        )
    if publish and not ours:
        warnings.append(_("not published: an import publishes only our own reviews (--own)"))
    if ours:
        result = _import_own(review, user=user, publish=publish)
    else:
        result = _import_external(review, user=user)
    result.warnings = warnings + result.warnings
    return result


def _import_external(review: ClaimReviewData, *, user) -> ReviewImportResult:
    known = (
        ExternalReview.objects.select_for_update()
        .filter(url=review.review_url, claim_reviewed=review.claim_text)
        .select_related("claim")
        .first()
    )
    if known is not None:
        return _refresh_external(known, review)
    # A claim imported before reviews were kept as records: it cites this page and states this very claim.
    legacy = (
        Claim.objects.filter(evidence__source__url=review.review_url, text=review.claim_text).order_by("id").first()
    )
    if legacy is not None:
        _record_review(legacy, review)
        _add_appearances(legacy, review.appearances)
        return ReviewImportResult(UPDATED, legacy, _("the review is now kept beside the claim"))
    candidates = similar_claims(text=review.claim_text, limit=SUGGESTIONS_PER_REVIEW)
    # The link rule once per candidate: it decides the link, and otherwise says why each was not linked.
    judged = [
        (
            candidate,
            automatic_link(
                text=review.claim_text,
                language=review.language,
                other_text=candidate.claim.text,
                other_language=candidate.claim.language,
                score=candidate.score,
            ),
        )
        for candidate in candidates
    ]
    for candidate, rule in judged:
        if rule.allowed:
            _record_review(candidate.claim, review)
            added = _add_appearances(candidate.claim, review.appearances)
            note = _("linked to claim %(claim)s (score %(score).2f); %(added)s appearance(s) added") % {
                "claim": candidate.claim.pk,
                "score": candidate.score,
                "added": added,
            }
            return ReviewImportResult(LINKED, candidate.claim, note)
    claim = _create_claim(review, user=user, language=review.claim_language or review.language)
    _record_review(claim, review)
    LinkSuggestion.objects.bulk_create(
        LinkSuggestion(claim=claim, similar_to=c.claim, score=c.score, reason="; ".join(rule.reasons)[:255])
        for c, rule in judged
    )
    suggested = [
        _("looks like claim %(claim)s (score %(score).2f; not linked: %(reasons)s)")
        % {"claim": c.claim.pk, "score": c.score, "reasons": "; ".join(rule.reasons)}
        for c, rule in judged
    ]
    if suggested:
        return ReviewImportResult(SUGGESTED, claim, "; ".join(suggested))
    return ReviewImportResult(CREATED, claim, "")


def _refresh_external(known: ExternalReview, review: ClaimReviewData) -> ReviewImportResult:
    """The same review again: its record takes what changed (a corrected rating, a new date); the claim beside it
    is ours to decide and is not touched."""
    values = _external_review_values(review)
    changed = [name for name, value in values.items() if getattr(known, name) != value]
    if changed:
        for name in changed:
            setattr(known, name, values[name])
        known.save(update_fields=[*changed, "updated_at"])
    added = _add_appearances(known.claim, review.appearances)
    parts = [_("review changed: %(fields)s") % {"fields": ", ".join(changed)} if changed else _("nothing changed")]
    if added:
        parts.append(_("%(added)s appearance(s) added") % {"added": added})
    return ReviewImportResult(UPDATED, known.claim, "; ".join(parts))


def _create_claim(review: ClaimReviewData, *, user, language: str, review_language: str = "") -> Claim:
    claim = Claim(
        text=review.claim_text,
        claimant=review.claimant,
        language=language,
        verdict=review.verdict,
        original_rating=review.original_rating,
        explanation=_explanation(review),
        status=ClaimStatus.IN_REVIEW,
        reviewed_at=review.reviewed_at,
        claimed_at=review.claim_date,
        article=_article_for(review.appearances[0]) if review.appearances else None,
    )
    if review_language:
        claim.review_language = review_language
    # The verdict is the fact-checker's, not the importing user's: stamp no reviewer for it.
    before = {"verdict": claim.verdict, "explanation": claim.explanation, "status": claim.status, "version": 0}
    claim_save(claim=claim, user=user, before=before, evidence_count=0)
    _cite_review(claim, review, user=user)
    _add_appearances(claim, review.appearances[1:])
    return claim


def _import_own(review: ClaimReviewData, *, user, publish: bool) -> ReviewImportResult:
    """One of our own reviews (a desk migrating its archive): our claim, our verdict, no ExternalReview."""
    existing = _existing_claim(review)
    if existing is not None:
        return _update(existing, review, user=user, publish=publish)
    language = review.claim_language or review.language
    claim = _create_claim(review, user=user, language=language, review_language=review.language)
    warnings = _publish(claim, user=user, published_at=review.reviewed_at) if publish else []
    return ReviewImportResult(CREATED, claim, "", warnings=warnings)


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
                ("language", review.claim_language or review.language),
                ("reviewed_at", review.reviewed_at),
                ("claimed_at", review.claim_date),
                ("review_language", review.language),
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
    warnings = _publish(claim, user=user, published_at=review.reviewed_at) if publish else []
    parts = [_("changed %(fields)s") % {"fields": ", ".join(changed)} if changed else _("no field changed")]
    if added:
        parts.append(_("%(added)s appearance(s) added") % {"added": added})
    return ReviewImportResult(UPDATED, claim, "; ".join(parts), warnings=warnings)


# --- a reviewer's decisions on links: merge or dismiss a suggestion, split a wrong link ----------------------


def _move_appearances(*, from_claim: Claim, to_claim: Claim, urls: Iterable[str] | None = None) -> int:
    """Move appearances (all, or those at `urls`) to another claim; one the target already has is dropped."""
    moving = from_claim.appearances.all() if urls is None else from_claim.appearances.filter(url__in=list(urls))
    moved = 0
    # The target's urls read once, not per appearance; kept current as appearances arrive.
    held = set(to_claim.appearances.exclude(url="").values_list("url", flat=True))
    if to_claim.article_id:
        held.add(to_claim.article.url)
    for appearance in moving:
        if appearance.url and appearance.url in held:
            appearance.delete()
            continue
        appearance.claim = to_claim
        appearance.save(update_fields=["claim"])
        held.add(appearance.url)
        moved += 1
    return moved


@transaction.atomic
def link_suggestion_merge(*, suggestion: LinkSuggestion, user) -> Claim:
    """The imported claim is the claim it looks like after all: its other desks' reviews, appearances and cited
    sources move to that claim, and the imported claim, which nobody has published, is deleted (its history keeps
    it). A published claim is never merged away: unpublish it first."""
    claim = Claim.objects.select_for_update().get(pk=suggestion.claim_id)
    target = Claim.objects.select_for_update().get(pk=suggestion.similar_to_id)
    if claim.status in (ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED):
        raise ValidationError(_("Claim %(claim)s is public; it cannot be merged away.") % {"claim": claim.pk})
    claim.external_reviews.update(claim=target)
    if claim.article_id and claim.article_id != target.article_id:
        Appearance.objects.get_or_create(
            claim=target,
            url=claim.article.url,
            defaults={"article": claim.article, "appeared_at": claim.article.published_at},
        )
    _move_appearances(from_claim=claim, to_claim=target)
    cited = set(target.evidence.values_list("source_id", flat=True))
    for evidence in claim.evidence.exclude(source_id__in=cited):
        evidence_add(
            claim=target,
            url=evidence.source.url,
            user=user,
            stance=evidence.stance,
            excerpt=evidence.excerpt,
            note=evidence.note,
        )
    claim.delete()
    return target


def link_suggestion_dismiss(*, suggestion: LinkSuggestion, user) -> LinkSuggestion:
    """They are different claims: the suggestion is closed and not offered again."""
    suggestion.decision = LinkSuggestion.Decision.DISMISSED
    suggestion.decided_by = user if getattr(user, "pk", None) else None
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["decision", "decided_by", "decided_at"])
    return suggestion


def _review_of_record(record: ExternalReview) -> ClaimReviewData | None:
    """The review a record was imported from, read again from its JSON (for the appearances it brought)."""
    from .claimreview import find_claimreviews, parse_claimreview

    for _label, obj, _raw in find_claimreviews(record.raw):
        try:
            return parse_claimreview(obj)
        except ValidationError:
            return None
    return None


@transaction.atomic
def external_review_split(*, review: ExternalReview, user) -> Claim:
    """Undo a wrong link: the review becomes a claim of its own (in review, its verdict proposed), taking the
    appearances it brought; the claim it was linked to keeps everything else. The pair is remembered as different,
    so the suggestion is not offered again."""
    review = ExternalReview.objects.select_for_update().select_related("claim").get(pk=review.pk)
    linked_to = review.claim
    # A claim made from this review cites its page; a claim it was linked to does not (linking adds no evidence).
    made_from_it = linked_to.evidence.filter(source__url=review.url).exists()
    if made_from_it and not linked_to.external_reviews.exclude(pk=review.pk).exists():
        raise ValidationError(_("This review is already its own claim."))
    parsed = _review_of_record(review)
    claim = Claim(
        text=review.claim_reviewed,
        claimant=parsed.claimant if parsed else "",
        language=(parsed.claim_language if parsed else "") or review.language,
        verdict=review.verdict,
        original_rating=review.rating_text[:255],
        explanation=_explanation(parsed) if parsed else "",
        status=ClaimStatus.IN_REVIEW,
        reviewed_at=review.reviewed_at,
        claimed_at=parsed.claim_date if parsed else None,
    )
    before = {"verdict": claim.verdict, "explanation": claim.explanation, "status": claim.status, "version": 0}
    claim_save(claim=claim, user=user, before=before, evidence_count=0)
    review.claim = claim
    review.save(update_fields=["claim", "updated_at"])
    if parsed is not None:
        _move_appearances(from_claim=linked_to, to_claim=claim, urls=[a.url for a in parsed.appearances])
        _add_appearances(claim, parsed.appearances)
        _cite_review(claim, parsed, user=user)
    LinkSuggestion.objects.update_or_create(
        claim=claim,
        similar_to=linked_to,
        defaults={
            "score": 0.0,
            "reason": _("split by a reviewer"),
            "decision": LinkSuggestion.Decision.DISMISSED,
            "decided_by": user if getattr(user, "pk", None) else None,
            "decided_at": timezone.now(),
        },
    )
    return claim
