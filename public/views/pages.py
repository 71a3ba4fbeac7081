from django.http import Http404


def page(request, slug):
    raise Http404  # replaced by the desk's pages
