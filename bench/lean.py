"""An experiment, not the product: the claims list written lean inside the same Django project.

Same settings, middleware, throttle-free anonymous access, selectors and ORM as the API; the difference is
the read path: one ``values()`` query (tags gathered by an ARRAY subquery instead of a prefetch), dicts built
by hand, orjson for the bytes; no model instances, no DRF serializer. It answers ``/api/v1/claims/`` (no
filter) and ``/api/v1/claims/{id}/`` so the bench can show how much of the API's time those layers cost.

Served by gunicorn as ``bench.lean:application`` with DJANGO_SETTINGS_MODULE=bench.lean (settings below).
"""

from __future__ import annotations

from factcheck.settings import *  # noqa: F403 - the project's settings, then one override

ROOT_URLCONF = "bench.lean"


def _claims_list(request):
    import orjson
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef
    from django.http import HttpResponse

    from claims.models import Tag
    from claims.selectors.attention import with_needs_attention
    from claims.selectors.claims import CLAIM_LIST_FIELDS
    from claims.selectors.visibility import claims_visible

    tags = ArraySubquery(Tag.objects.filter(claims=OuterRef("pk")).order_by("name").values("name"))
    rows = list(
        with_needs_attention(claims_visible(user=request.user))
        .order_by("-id")
        .values(
            *(f for f in CLAIM_LIST_FIELDS if f not in ("article_url", "article_title")),
            "article__url",
            "article__title",
        )
        .annotate(tag_names=tags)[:51]
    )
    prefix = request.build_absolute_uri("/api/v1/claims/")
    results = []
    for r in rows[:50]:
        aid = r.pop("article_id")
        url, title = r.pop("article__url"), r.pop("article__title")
        r["api_url"] = f"{prefix}{r['id']}/"
        r["retracted"] = r["status"] == "retracted"
        r["value"] = None if r["value"] is None else str(r["value"])
        r["article"] = {"id": aid, "url": url, "title": title} if aid else None
        r["tags"] = r.pop("tag_names")
        r["rank"] = None
        results.append(r)
    body = {"next": f"{prefix}?cursor=…" if len(rows) > 50 else None, "previous": None, "results": results}
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def __getattr__(name: str):
    # Lazily, because this module is imported first as the settings, before Django is set up.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path("api/v1/claims/", _claims_list), path("", include("factcheck.urls"))]
    if name == "application":
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    raise AttributeError(name)
