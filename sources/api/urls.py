from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("sources", views.SourceViewSet, basename="api-source")

urlpatterns = router.urls
