from django.http import Http404


def archive(request):
    raise Http404  # replaced by the archive
