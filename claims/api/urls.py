from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .bundle import ClaimEvidenceBundleView
from .review import ClaimNoteDetailView
from .similar import SimilarClaimsView

router = SimpleRouter()
router.register("claims", views.ClaimViewSet, basename="api-claim")
router.register("articles", views.ArticleViewSet, basename="api-article")

urlpatterns = [
    path("claims/export/", views.ClaimExportView.as_view(), name="api-claim-export"),
    path(
        "claims/<int:claim_id>/evidence/<int:evidence_id>/",
        views.EvidenceDetailView.as_view(),
        name="api-evidence-detail",
    ),
    path(
        "claims/<int:claim_id>/notes/<int:note_id>/",
        ClaimNoteDetailView.as_view(),
        name="api-claim-note-detail",
    ),
    path(
        "claims/<int:claim_id>/evidence.wacz",
        ClaimEvidenceBundleView.as_view(),
        name="api-claim-evidence-bundle",
    ),
    path("claimreview/", views.ClaimReviewFeedView.as_view(), name="api-claimreview-feed"),
    path("claims/<int:pk>/similar/", SimilarClaimsView.as_view(), name="api-claim-similar"),
    *router.urls,
]
