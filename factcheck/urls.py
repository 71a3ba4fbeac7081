from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from factcheck.healthz import healthz
from factcheck.security import SwaggerDocsView

api_v1 = [
    path("", include("claims.api.urls")),
    path("", include("sources.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Answered earlier by factcheck.middleware.HealthzMiddleware; named here so it can be reversed.
    path("healthz", healthz, name="healthz"),
]

# A 500 caused by a lost database (raised outside a view) is a 503 with Retry-After instead.
handler500 = "factcheck.middleware.server_error"
