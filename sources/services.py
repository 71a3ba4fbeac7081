"""Writes to sources. The link checker's writes live beside it (health.py)."""

from django.db import IntegrityError, transaction

from .models import Source
from .urlnorm import normalize_url


def source_get_or_create(*, url: str, title: str = "", publisher: str = "") -> Source:
    """The source for this url in canonical form, created on first use."""
    canonical = normalize_url(url)
    source = Source.objects.filter(url=canonical).first()
    if source is not None:
        return source
    try:
        with transaction.atomic():
            return Source.objects.create(url=canonical, title=title, publisher=publisher)
    except IntegrityError:  # created by a concurrent request between our read and write
        return Source.objects.get(url=canonical)
