from django.http import Http404


def embed(request, claim_id):
    raise Http404  # replaced by the verdict card


def oembed(request):
    raise Http404  # replaced by the oEmbed endpoint
