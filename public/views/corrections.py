from django.http import Http404


def corrections(request):
    raise Http404  # replaced by the corrections log
