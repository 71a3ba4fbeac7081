from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation

from ..decorators import public_page
from ..markdown import render_markdown
from ..models import PageSlug
from ..selectors_desk import page_get


@public_page
def page(request, slug):
    """One of the desk's pages (staff edit them in the admin) in the reader's language, else in English."""
    found = page_get(slug=slug, language=translation.get_language())
    if found is None:
        raise Http404
    context = {
        "page": found,
        "body": render_markdown(found.body),
        "pages": [(choice.url_name, choice.label, choice.value == slug) for choice in PageSlug],
    }
    return TemplateResponse(request, "public/desk/page.html", context)
