from math import ceil

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation

from factcheck.security import client_ip

from ..decorators import public_page
from ..forms import TipForm, tip_language_for
from ..links import claim_path
from ..ratelimit import rate_exceeded
from ..selectors_desk import tip_reported_claim
from ..services import tip_client_hash, tip_submit

RATE_SCOPE = "tips"


def _reported_claim(request):
    """The public claim of ?claim=<id> (a reader reporting an error in it), None without one; 404 for anything
    that is not a public claim's id, drafts and claims in review included."""
    raw = request.GET.get("claim")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    claim = tip_reported_claim(claim_id=int(raw))
    if claim is None:
        raise Http404
    return claim


@public_page
def tip_form(request):
    """The tip form: a claim to check, or (?claim=<id>) an error in one of our fact-checks."""
    claim = _reported_claim(request)
    context = {
        "claim": claim,
        "claim_url": claim_path(claim.pk, claim.text) if claim else "",
        "review_language": settings.FACTCHECK_REVIEW_LANGUAGE,
    }
    if request.method != "POST":
        initial = {"language": tip_language_for(translation.get_language())}
        context["form"] = TipForm(initial=initial, error_report=claim is not None)
        return TemplateResponse(request, "public/desk/tips.html", context)

    # Every POST counts, a bot's and an invalid one's too: the limit is on what one client may make us handle.
    client_hash = tip_client_hash(client_ip(request))
    retry_after = rate_exceeded(scope=RATE_SCOPE, ident=client_hash, rate=settings.TIPS_RATE)
    if retry_after is not None:
        context["retry_minutes"] = max(1, ceil(retry_after / 60))
        response = TemplateResponse(request, "public/desk/tips_rate_limited.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    form = TipForm(request.POST, error_report=claim is not None)
    if form.is_bot():
        return TemplateResponse(request, "public/desk/tips_thanks.html", context)  # the same page; nothing stored
    if form.is_valid():
        data = form.cleaned_data
        try:
            tip = tip_submit(
                text=data["text"],
                url=data["url"],
                contact=data["contact"],
                language=data["language"],
                client_hash=client_hash,
                reported_claim=claim,
            )
        except ValidationError as exc:  # the service's own checks: shown as the form's would be
            form.add_error(None, exc)
        else:
            matched = tip.matched_claim if claim is None else None
            context["already_checked"] = matched
            context["already_checked_url"] = claim_path(matched.pk, matched.text) if matched else ""
            return TemplateResponse(request, "public/desk/tips_thanks.html", context)
    context["form"] = form  # with its errors and what the reader typed
    return TemplateResponse(request, "public/desk/tips.html", context)
