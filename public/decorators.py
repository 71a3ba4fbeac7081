"""What every page of the readers' site shares: its Content-Security-Policy, the readers' time zone, the language
it is in."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

# No script at all (nothing on the site needs one; the ld+json block is data, which CSP does not run), styles and
# images from us only, forms posting to us only, and no framing except where a view says so (the embed).
PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def public_page(view=None, *, csp: str = PUBLIC_CSP):
    """Decorates a view of the readers' site: times render in FACTCHECK_PUBLIC_TIME_ZONE, the response carries
    PUBLIC_CSP (or `csp`), Content-Language and Vary on the headers that chose the language."""

    def decorate(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            with timezone.override(settings.FACTCHECK_PUBLIC_TIME_ZONE):
                response = func(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                    response.render()  # inside the zone: a TemplateResponse renders its times now
            response.headers.setdefault("Content-Security-Policy", csp)
            response.headers.setdefault("Content-Language", translation.get_language())
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response

        return wrapped

    return decorate(view) if view is not None else decorate
