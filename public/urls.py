"""The readers' site. /claims/<id>/ is also the `url` of our ClaimReview (claims.api.claimreview)."""

from django.urls import path

from .views import archive, captures, changes, claim, corrections, embed, feeds, home, pages, tips

urlpatterns = [
    path("", home.home, name="public-home"),
    path("claims/", archive.archive, name="public-archive"),
    path("claims/<int:claim_id>/", claim.claim_page, name="public-claim"),
    path("claims/<int:claim_id>/sources/<int:capture_id>/", captures.capture_text, name="public-capture"),
    path("claims/<int:claim_id>/embed/", embed.embed, name="public-embed"),  # before the slug, which "embed" fits
    path("claims/<int:claim_id>/<str:slug>/", claim.claim_page, name="public-claim-slug"),
    path("oembed", embed.oembed, name="public-oembed"),
    path("corrections/", corrections.corrections, name="public-corrections"),
    path("about/", pages.page, {"slug": "about"}, name="public-about"),
    path("about/methodology/", pages.page, {"slug": "methodology"}, name="public-methodology"),
    path("about/corrections-policy/", pages.page, {"slug": "corrections-policy"}, name="public-corrections-policy"),
    path("about/funding/", pages.page, {"slug": "funding"}, name="public-funding"),
    path("about/contact/", pages.page, {"slug": "contact"}, name="public-contact"),
    path("tips/", tips.tip_form, name="public-tips"),
    path("feeds/claims.atom", feeds.AtomFeed(), name="public-feed-atom"),
    path("feeds/claims.json", feeds.json_feed, name="public-feed-json"),
    path("feeds/changes.atom", changes.changes_atom, name="public-feed-changes-atom"),
    path("feeds/changes.json", changes.changes_json, name="public-feed-changes-json"),
    path("sitemap.xml", feeds.sitemap, name="public-sitemap"),
    path("sitemap-<str:section>.xml", feeds.sitemap_section, name="public-sitemap-section"),
    path("robots.txt", feeds.robots_txt, name="public-robots"),
]
