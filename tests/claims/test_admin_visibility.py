"""The admin follows the API's visibility rule (issue 14, item 2).

A staff user in the Researcher group read every draft in the admin while their API token got a 404. Each test
goes through one admin path with the test client as such a researcher and finds no draft text, then shows that a
reviewer still reads it there. Everything only reviewers may read carries the marker ZQXLEAK.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from tests import factories

# Claims walked to publication by one reviewer: a one-person desk (second review has tests of its own).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_person_desk")]

MARK = b"zqxleak"
SECRET_SOURCE = "https://zqxleak-insider.example.org/contact"
LOOK_ALIKE = "The mayor of Exampletown spent a million dollars on a golden bridge over the river"


@pytest.fixture
def world(reviewer):
    """A draft in an article and citing a source that only it cites; a published claim sharing its article and
    source with another draft; a published claim with a re-review in its history."""
    draft = factories.ClaimFactory(
        text="ZQXLEAK draft statement.",
        explanation="ZQXLEAK note from an insider",
        article=factories.ArticleFactory(title="ZQXLEAK draft-only article"),
    )
    services.claim_set_tags(claim=draft, tags=["zqxleak-topic"])
    secret = factories.EvidenceFactory(
        claim=draft,
        source=factories.SourceFactory(url=SECRET_SOURCE, title="ZQXLEAK insider page"),
        note="ZQXLEAK evidence note",
        excerpt="ZQXLEAK excerpt",
    )
    factories.LinkCheckFactory(source=secret.source, final_url="https://zqxleak-insider.example.org/final")

    shared_article = factories.ArticleFactory(title="Shared article")
    published = factories.PublishedClaimFactory(text=LOOK_ALIKE + ".", article=shared_article)
    services.claim_set_tags(claim=published, tags=["public-topic"])
    public_source = published.evidence.get().source
    sibling = factories.ClaimFactory(text=f"ZQXLEAK: {LOOK_ALIKE}, said the insider.", article=shared_article)
    factories.EvidenceFactory(claim=sibling, source=public_source, note="ZQXLEAK sibling note")

    corrected = factories.PublishedClaimFactory(text="Corrected statement.", explanation="First public text.")
    services.claim_update(claim_id=corrected.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=corrected.pk, user=reviewer, data={"explanation": "ZQXLEAK named the source"})
    services.claim_update(
        claim_id=corrected.pk,
        user=reviewer,
        data={"explanation": "Second public text.", "verdict": Verdict.MOSTLY_FALSE, "status": "published"},
        correction_note="Second public text.",
    )
    return {
        "draft": draft,
        "secret": secret,
        "published": published,
        "public_source": public_source,
        "shared_article": shared_article,
        "sibling": sibling,
        "corrected": Claim.objects.get(pk=corrected.pk),
    }


@pytest.fixture
def researcher_client():
    client = Client()  # each role its own client (and session): tests compare the two side by side
    client.force_login(factories.ResearcherFactory(username="ruth", is_staff=True))
    return client


@pytest.fixture
def reviewer_client(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client


def page(client, name: str, *args, **params):
    response = client.get(reverse(name, args=args), params)
    return response.status_code, response.content.lower()


def autocomplete(client, model_name: str, field_name: str, term: str) -> list[str]:
    app_label = "sources" if model_name == "linkcheck" else "claims"
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200, response.content[:300]
    return [r["text"] for r in response.json()["results"]]


# --- lists --------------------------------------------------------------------------------------------------------

LISTS = [
    "admin:claims_claim_changelist",
    "admin:claims_evidence_changelist",
    "admin:claims_article_changelist",
    "admin:claims_tag_changelist",
    "admin:sources_source_changelist",
    "admin:sources_linkcheck_changelist",
]


@pytest.mark.parametrize("name", LISTS)
def test_lists_show_a_researcher_no_draft(researcher_client, reviewer_client, world, name):
    status, html = page(researcher_client, name)
    assert status == 200
    assert MARK not in html
    searched = researcher_client.get(reverse(name), {"q": "zqxleak"})  # the search box echoes the term: count rows
    assert searched.context["cl"].result_count == 0


@pytest.mark.parametrize("name", LISTS)
def test_lists_show_a_reviewer_the_drafts(reviewer_client, world, name):
    status, html = page(reviewer_client, name)
    assert status == 200
    assert MARK in html


def test_list_counts_count_only_what_a_researcher_may_see(researcher_client, world):
    """An article or source public claims cite is listed, counting those claims only; the drafts beside them are
    not counted (as the API: articles and sources with a claim the user may see)."""
    articles = researcher_client.get(reverse("admin:claims_article_changelist")).context["cl"].result_list
    counts = {a.pk: a.claim_count for a in articles}
    assert counts[world["shared_article"].pk] == 1
    assert world["draft"].article_id not in counts
    sources = researcher_client.get(reverse("admin:sources_source_changelist")).context["cl"].result_list
    counts = {s.pk: s.claim_count for s in sources}
    assert counts[world["public_source"].pk] == 1
    assert world["secret"].source_id not in counts
    tags = researcher_client.get(reverse("admin:claims_tag_changelist")).context["cl"].result_list
    assert [t.name for t in tags] == ["public-topic"]
    statuses = researcher_client.get(reverse("admin:claims_claim_changelist"), {"status__exact": "draft"})
    assert list(statuses.context["cl"].result_list) == []


# --- change pages, inlines and the panels that list other claims -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("admin:claims_claim_change", "draft"),
        ("admin:claims_evidence_change", "secret"),
        ("admin:claims_article_change", "draft.article_id"),
        ("admin:sources_source_change", "secret.source_id"),
    ],
)
def test_change_pages_of_drafts_are_not_found(researcher_client, reviewer_client, world, name, key):
    obj, _, attr = key.partition(".")
    pk = getattr(world[obj], attr or "pk")
    response = researcher_client.get(reverse(name, args=[pk]), follow=True)
    assert response.redirect_chain[0] == (reverse("admin:index"), 302)  # Django's "doesn't exist", at home
    assert MARK not in response.content.lower()
    assert reviewer_client.get(reverse(name, args=[pk])).status_code == 200


def test_an_articles_page_lists_only_its_visible_claims(researcher_client, reviewer_client, world):
    status, html = page(researcher_client, "admin:claims_article_change", world["shared_article"].pk)
    assert status == 200
    assert LOOK_ALIKE.lower().encode() in html  # the published claim, in the claims inline
    assert MARK not in html
    assert MARK in page(reviewer_client, "admin:claims_article_change", world["shared_article"].pk)[1]


def test_a_sources_page_lists_only_the_visible_claims_citing_it(researcher_client, reviewer_client, world):
    status, html = page(researcher_client, "admin:sources_source_change", world["public_source"].pk)
    assert status == 200
    assert f"#{world['published'].pk} ".encode() in html
    assert MARK not in html
    assert MARK in page(reviewer_client, "admin:sources_source_change", world["public_source"].pk)[1]


def test_a_claims_look_alikes_are_those_the_viewer_may_see(researcher_client, reviewer_client, world):
    status, html = page(researcher_client, "admin:claims_claim_change", world["published"].pk)
    assert status == 200
    assert MARK not in html
    # The reviewer's panel names the draft look-alike: the researcher's would have too.
    assert MARK in page(reviewer_client, "admin:claims_claim_change", world["published"].pk)[1]


# --- history --------------------------------------------------------------------------------------------------------


def test_history_page_shows_a_researcher_the_public_states_only(researcher_client, reviewer_client, world):
    corrected = world["corrected"]
    status, html = page(researcher_client, "admin:claims_claim_history", corrected.pk)
    assert status == 200
    assert MARK not in html
    assert b"first public text." in html
    assert b"second public text." in html
    shown = researcher_client.get(reverse("admin:claims_claim_history", args=[corrected.pk])).context["page_obj"]
    assert [entry.record.status for entry in shown] == ["published", "published"]  # its timeline's entries
    assert MARK in page(reviewer_client, "admin:claims_claim_history", corrected.pk)[1]


def test_history_pages_of_a_draft_are_not_found(researcher_client, reviewer_client, world):
    draft = world["draft"]
    assert researcher_client.get(reverse("admin:claims_claim_history", args=[draft.pk])).status_code == 404
    record = draft.history.latest()
    url = reverse("admin:claims_claim_simple_history", args=[draft.pk, record.history_id])
    assert researcher_client.get(url).status_code == 404
    assert reviewer_client.get(url).status_code == 200
    for name, pk in (("admin:claims_article_history", draft.article_id), ("admin:sources_source_history", None)):
        pk = pk or world["secret"].source_id
        response = researcher_client.get(reverse(name, args=[pk]), follow=True)
        assert response.redirect_chain[0] == (reverse("admin:index"), 302)
        assert MARK not in response.content.lower()


def test_record_pages_of_a_published_claim_show_its_public_states_only(researcher_client, reviewer_client, world):
    corrected = world["corrected"]
    secret_record = corrected.history.get(explanation="ZQXLEAK named the source")
    url = reverse("admin:claims_claim_simple_history", args=[corrected.pk, secret_record.history_id])
    assert researcher_client.get(url).status_code == 404
    reviewed = reviewer_client.get(url)
    assert reviewed.status_code == 200
    assert MARK in reviewed.content.lower()
    public_record = corrected.history.filter(status=ClaimStatus.PUBLISHED).earliest()
    url = reverse("admin:claims_claim_simple_history", args=[corrected.pk, public_record.history_id])
    response = researcher_client.get(url)
    assert response.status_code == 200
    assert MARK not in response.content.lower()
    bad = reverse("admin:claims_claim_simple_history", args=[corrected.pk, "x"])
    assert researcher_client.get(bad).status_code == 404


# --- autocomplete: the target admin's queryset and search, whichever field asks -----------------------------------


@pytest.mark.parametrize(
    ("model_name", "field_name", "term"),
    [
        ("evidence", "claim", "zqxleak"),  # the claim autocomplete, from evidence
        ("appearance", "claim", "zqxleak"),
        ("claim", "article", "zqxleak"),
        ("appearance", "article", "zqxleak"),
        ("claim", "tags", "zqxleak"),
        ("evidence", "source", "zqxleak"),
        ("linkcheck", "source", "zqxleak"),
    ],
)
def test_autocomplete_offers_a_researcher_no_draft(
    researcher_client, reviewer_client, world, model_name, field_name, term
):
    assert autocomplete(researcher_client, model_name, field_name, term) == []
    assert autocomplete(reviewer_client, model_name, field_name, term) != []


def test_autocomplete_still_offers_a_researcher_what_they_may_see(researcher_client, world):
    assert autocomplete(researcher_client, "claim", "article", "shared") == ["Shared article"]
    assert autocomplete(researcher_client, "evidence", "claim", "exampletown") == [str(world["published"])]


# --- the dashboard --------------------------------------------------------------------------------------------------


def test_the_admin_home_shows_a_researcher_no_count_or_list_of_drafts(researcher_client, reviewer_client, world):
    status, html = page(researcher_client, "admin:index")
    assert status == 200
    assert b"fc-dashboard" not in html
    assert MARK not in html
    reviewed = reviewer_client.get(reverse("admin:index"))
    assert reviewed.context["dashboard"]["oldest_unrated"]  # the drafts without a verdict, listed for reviewers


def test_superusers_see_everything(client, world):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    assert MARK in page(client, "admin:claims_claim_changelist")[1]
    assert client.get(reverse("admin:claims_claim_change", args=[world["draft"].pk])).status_code == 200
