"""Articles, as far as the user may see their claims."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from sources.urlnorm import normalize_url

from ..models import Article, Evidence
from .attention import with_needs_attention
from .visibility import claims_visible, user_sees_drafts


def article_list(*, user) -> QuerySet[Article]:
    """Articles with at least one claim the user may see (all articles for reviewers)."""
    return restrict_articles(Article.objects.defer("body"), user=user).order_by("-id")


def restrict_articles(articles: QuerySet[Article], *, user) -> QuerySet[Article]:
    """``articles`` narrowed to those with at least one claim this user may see (the API's rule and the admin's)."""
    if user_sees_drafts(user):
        return articles
    return articles.filter(Exists(claims_visible(user=user).filter(article_id=OuterRef("pk"))))


def article_get(*, article_id: int, user) -> Article:
    """One article with the claims the user may see (Article.DoesNotExist if it has none)."""
    claims = with_needs_attention(claims_visible(user=user).defer("search_vector").prefetch_related("tags"))
    return (
        article_list(user=user).prefetch_related(Prefetch("claims", queryset=claims.order_by("id"))).get(pk=article_id)
    )


@dataclass(frozen=True)
class CandidateLinkRow:
    """A link found in the article's text at import, as the claim page offers it for evidence."""

    url: str
    text: str
    cited: bool  # the claim already cites it


def article_candidate_links(*, article_id: int | str | None, claim_id: int | None, user) -> list[CandidateLinkRow]:
    """The links found in the article's text at import (Article.candidate_links), each marked when the claim already
    cites it; none when the user may not see the article. Two queries at most."""
    if not article_id:
        return []
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        return []  # a hand-typed ?article= on the add form: the form's own field says what is wrong
    links = restrict_articles(Article.objects.filter(pk=article_id), user=user).values_list(
        "candidate_links", flat=True
    )
    links = next(iter(links), None)
    if not links:
        return []
    cited = set()
    if claim_id is not None:
        cited = set(Evidence.objects.filter(claim_id=claim_id).values_list("source__url", flat=True))
    rows = []
    for link in links:
        url = link.get("url", "")
        try:
            canonical = normalize_url(url)
        except ValidationError:
            continue
        rows.append(CandidateLinkRow(url=canonical, text=link.get("text", ""), cited=canonical in cited))
    return rows
