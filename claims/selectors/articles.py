"""Articles, as far as the user may see their claims."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ..models import Article
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
