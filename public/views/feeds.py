from django.http import Http404


class AtomFeed:
    def __call__(self, request):
        raise Http404  # replaced by the Atom feed


def json_feed(request):
    raise Http404  # replaced by the JSON Feed


def sitemap(request):
    raise Http404  # replaced by the sitemap


def robots_txt(request):
    raise Http404  # replaced by robots.txt
