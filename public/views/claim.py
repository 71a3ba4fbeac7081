from django.http import Http404


def claim_page(request, claim_id, slug=None):
    raise Http404  # replaced by the claim page
