from django.conf import settings


def site(request):
    """The desk's name and the readers' time zone, for the base template of every public page."""
    return {
        "site_name": settings.FACTCHECK_ORGANIZATION_NAME,
        "public_time_zone": settings.FACTCHECK_PUBLIC_TIME_ZONE,
    }
