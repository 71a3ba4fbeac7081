from django.http import Http404


def home(request):
    raise Http404  # replaced by the home page
