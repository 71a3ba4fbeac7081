from django.http import Http404


def tip_form(request):
    raise Http404  # replaced by the tip form
