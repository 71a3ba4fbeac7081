from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from factcheck.healthz import healthz
from factcheck.security import SwaggerDocsView

api_v1 = [
    path("", include("claims.api.urls")),
    path("", include("sources.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Answered earlier by factcheck.middleware.HealthzMiddleware; named here so it can be reversed.
    path("healthz", healthz, name="healthz"),
    # The language switch of every public page: a form without a CSRF token (choosing a language is harmless to
    # forge), so the pages it sits on can be cached and answered with 304.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("public.urls")),
]

# A 500 caused by a lost database (raised outside a view) is a 503 with Retry-After instead.
handler500 = "factcheck.middleware.server_error"
