"""The reviewer admin for claims, driven through the test client against the real admin urls."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.choices import ClaimStatus, ExcerptStatus, Stance, Verdict
from claims.models import Claim, Evidence
from sources.choices import Health
from sources.models import Source
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    ResearcherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:claims_claim_changelist"


def change_url(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def form_data(response) -> dict:
    """What the browser would post back for the form as rendered: the claim form, inlines and management forms."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def errors_of(response) -> str:
    """Every error the change page shows: the claim form's, the inline rows' and the inline sets'."""
    parts = [str(e) for e in response.context["errors"]]
    return " ".join(parts)


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def researcher_client(client):
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    return client


# --- the list ------------------------------------------------------------------------------------------------


@pytest.fixture
def two_claims(reviewer):
    """A: false, published, English, reviewed by rita, citing a dead source. B: unrated draft in Chinese."""
    a = PublishedClaimFactory(
        text="Alpha claim",
        verdict=Verdict.FALSE,
        language="en",
        reviewer=reviewer,
        article=ArticleFactory(title="The leak story"),
        evidence=None,
    )
    EvidenceFactory(claim=a, source=SourceFactory(health=Health.DEAD))
    EvidenceFactory(claim=a, source=SourceFactory(health=Health.OK))
    b = ClaimFactory(text="Beta claim", language="zh-Hans", article=ArticleFactory(title="Other story"))
    EvidenceFactory(claim=b, source=SourceFactory(health=Health.FAILING))
    return a, b


def test_changelist_shows_labels_article_reviewer_and_dead_sources(rclient, two_claims):
    a, b = two_claims
    response = rclient.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="fc-label fc-verdict-false">False</span>' in html
    assert '<span class="fc-label fc-status-published">Published</span>' in html
    assert '<span class="fc-label fc-status-draft">Draft</span>' in html
    assert "The leak story" in html
    assert '<span title="Cited sources whose link is dead">1 dead</span>' in html  # one alive source still backs A
    assert "⚠" not in html
    # The labels' colours come after admin.css, so they win over its grey default for .fc-label.
    assert "claims/admin.css" in html
    assert html.index("claims/admin.css") < html.index("claims/labels.css")
    rows = {c.pk: c for c in response.context["cl"].result_list}
    assert rows[a.pk].dead_sources == 1
    assert rows[b.pk].dead_sources == 0
    for title in ("verdict", "status", "language", "reviewer", "source health"):
        assert f"By {title}" in html


def test_dead_sources_column_counts_dead_sources_and_warns_when_none_is_left(rclient, two_claims):
    """The column counts the cited sources that are dead, archived or not; the warning is for the claims the "needs
    attention" filter lists: every source dead, none archived."""
    a, _ = two_claims
    archived = ClaimFactory(text="Gamma claim")
    EvidenceFactory(claim=archived, source=SourceFactory(health=Health.DEAD))
    EvidenceFactory(claim=archived, source=SourceFactory(health=Health.DEAD, archive_url="https://web.archive.org/x"))
    lost = ClaimFactory(text="Delta claim")
    for _ in range(2):
        EvidenceFactory(claim=lost, source=SourceFactory(health=Health.DEAD))
    response = rclient.get(reverse(CHANGELIST))
    cl = response.context["cl"]
    shown = {c.pk: cl.model_admin.dead_sources_warning(c) for c in cl.result_list}
    assert shown[a.pk] == '<span title="Cited sources whose link is dead">1 dead</span>'
    assert shown[archived.pk] == '<span title="Cited sources whose link is dead">2 dead</span>'
    assert shown[lost.pk] == (
        '<span class="fc-warning" title="Every cited source is dead, with no archived copy: needs attention">'
        "⚠ 2 dead</span>"
    )
    flagged = rclient.get(reverse(CHANGELIST), {"needs_attention": "yes"}).context["cl"].result_list
    assert [c.pk for c in flagged] == [lost.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"verdict__exact": "false"}, {"a"}),
        ({"verdict__exact": "unrated"}, {"b"}),
        ({"status__exact": "draft"}, {"b"}),
        ({"status__exact": "published"}, {"a"}),
        ({"language": "zh-Hans"}, {"b"}),
        ({"reviewer__id__exact": "REVIEWER"}, {"a"}),
        ({"source_health": "dead"}, {"a"}),
        ({"source_health": "ok"}, {"a"}),
        ({"source_health": "failing"}, {"b"}),
        ({"source_health": "unknown"}, set()),
        ({"q": "leak"}, {"a"}),
        ({"q": "Beta"}, {"b"}),
        ({"created_at__year": "THIS_YEAR"}, {"a", "b"}),
    ],
)
def test_changelist_filters_and_search(rclient, two_claims, reviewer, query, expected):
    a, b = two_claims
    query = {k: {"REVIEWER": str(reviewer.pk), "THIS_YEAR": str(a.created_at.year)}.get(v, v) for k, v in query.items()}
    response = rclient.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    found = {c.pk for c in response.context["cl"].result_list}
    assert found == {{"a": a.pk, "b": b.pk}[name] for name in expected}


def test_changelist_orders_by_dead_sources(rclient, two_claims):
    a, b = two_claims
    response = rclient.get(reverse(CHANGELIST), {"o": "-7"})  # the dead-sources column, descending
    assert [c.pk for c in response.context["cl"].result_list] == [a.pk, b.pk]


def _claims_with_everything(n: int, reviewer) -> None:
    for _ in range(n):
        # Assigned and overdue too: the "assigned" column reads the assignee with the row.
        due = timezone.now() - datetime.timedelta(days=1)
        claim = ClaimFactory(reviewer=reviewer, verdict=Verdict.MIXED, assignee=reviewer, due_at=due)
        EvidenceFactory(claim=claim, source=SourceFactory(health=Health.DEAD))
        EvidenceFactory(claim=claim)


def test_changelist_query_count_does_not_grow_with_rows(
    rclient, reviewer, other_reviewer, django_assert_max_num_queries
):
    _claims_with_everything(5, reviewer)
    rclient.get(reverse(CHANGELIST))  # warm up the session and content-type caches
    with CaptureQueriesContext(connection) as five:
        assert rclient.get(reverse(CHANGELIST)).status_code == 200
    _claims_with_everything(25, other_reviewer)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = rclient.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 30
    assert response.content.decode().count(">1 dead</span>") == 30  # one source of two dead: no warning


# --- the change page: publishing rule ------------------------------------------------------------------------


def test_change_page_has_inlines_fieldsets_version_and_history_link(rclient):
    claim = ClaimFactory()
    EvidenceFactory(
        claim=claim, source=SourceFactory(url="https://example.org/a", health=Health.DEAD), excerpt="quoted passage"
    )
    response = rclient.get(change_url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="version" value="1"' in html
    assert 'type="hidden"' in html
    assert 'value="https://example.org/a"' in html
    assert "fc-health-dead" in html
    assert "Unchecked" in html  # excerpt status, read-only
    assert reverse("admin:claims_claim_history", args=[claim.pk]) in html
    assert [fs.name for fs in response.context["adminform"]] == [
        None,
        "Figure",
        "Verdict",
        "Review",
        "Public correction log",
    ]
    assert "admin/autocomplete" in html or "admin-autocomplete" in html


def test_publishing_is_refused_with_every_reason(rclient):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    data = form_data(rclient.get(change_url(claim)))
    data["status"] = ClaimStatus.PUBLISHED
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert "This claim cannot be published yet" in errors
    assert "choose a verdict other than “unrated”" in errors
    assert "write an explanation" in errors
    assert "add at least one piece of evidence" in errors
    assert "This claim cannot be published yet" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == (ClaimStatus.IN_REVIEW, 1)


@pytest.mark.usefixtures("one_person_desk")
def test_publishing_counts_the_evidence_added_in_the_same_save(rclient, reviewer):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    data = form_data(rclient.get(change_url(claim)))
    data.update(
        {
            "verdict": Verdict.FALSE,
            "explanation": "The company's own page says otherwise.",
            "status": ClaimStatus.PUBLISHED,
            "evidence-0-url": "HTTPS://Example.ORG:443/page?utm_source=x#top",
            "evidence-0-stance": Stance.REFUTES,
            "evidence-0-excerpt": "not yet released",
        }
    )
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 302, errors_of(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.version == 2
    assert claim.reviewer == reviewer
    assert claim.published_at is not None
    evidence = claim.evidence.get()
    assert evidence.source.url == "https://example.org/page"
    assert evidence.stance == Stance.REFUTES
    assert evidence.added_by == reviewer
    assert claim.history.first().history_user == reviewer


def test_publishing_is_refused_when_the_only_evidence_is_deleted_in_the_same_save(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data["evidence-0-DELETE"] = "on"
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert "add at least one piece of evidence" in errors_of(response)
    assert claim.evidence.count() == 1


def test_published_claim_may_swap_its_evidence_in_one_save(rclient):
    claim = PublishedClaimFactory()
    old = claim.evidence.get()
    data = form_data(rclient.get(change_url(claim)))
    data.update(
        {
            "evidence-0-DELETE": "on",
            "evidence-1-url": "https://example.org/better",
            "evidence-1-stance": Stance.SUPPORTS,
        }
    )
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 302, errors_of(response)
    assert [e.source.url for e in claim.evidence.all()] == ["https://example.org/better"]
    assert not Evidence.objects.filter(pk=old.pk).exists()


def test_status_transition_is_checked(rclient):
    claim = ClaimFactory(status=ClaimStatus.DRAFT)
    data = form_data(rclient.get(change_url(claim)))
    data["status"] = ClaimStatus.RETRACTED
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert "cannot go from “Draft” to “Retracted”" in str(response.context["adminform"].form.errors["status"])


def test_adding_a_claim_with_evidence(rclient, reviewer):
    response = rclient.get(reverse("admin:claims_claim_add"))
    data = form_data(response)
    article = ArticleFactory()
    data.update(
        {
            "text": "Sora renders a one-minute clip in over ten minutes.",
            "claimant": "A leaker",
            "article": str(article.pk),
            "evidence-0-url": "https://example.org/render",
            "evidence-0-stance": Stance.CONTEXT,
        }
    )
    response = rclient.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, errors_of(response)
    claim = Claim.objects.get(text__startswith="Sora renders")
    assert claim.version == 1
    assert claim.article == article
    assert claim.evidence.get().source.url == "https://example.org/render"
    assert claim.history.get().history_user == reviewer


# --- the change page: evidence rows --------------------------------------------------------------------------


def test_duplicate_source_is_a_form_error(rclient):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=SourceFactory(url="https://example.org/same"))
    data = form_data(rclient.get(change_url(claim)))
    data.update({"evidence-1-url": "HTTPS://EXAMPLE.org/same#again", "evidence-1-stance": Stance.REFUTES})
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert "This claim already cites https://example.org/same" in errors_of(response)
    assert claim.evidence.count() == 1


def test_two_new_rows_with_one_source_is_a_form_error(rclient):
    claim = ClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data.update(
        {
            "evidence-TOTAL_FORMS": "2",
            "evidence-0-url": "https://example.org/twice",
            "evidence-0-stance": Stance.SUPPORTS,
            "evidence-1-url": "https://example.org/twice?utm_medium=x",
            "evidence-1-stance": Stance.SUPPORTS,
            "evidence-1-claim": str(claim.pk),
        }
    )
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert "already cites https://example.org/twice in another row" in errors_of(response)
    assert not Source.objects.filter(url="https://example.org/twice").exists()


def test_bad_url_is_a_form_error(rclient):
    claim = ClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data.update({"evidence-0-url": "ftp://example.org/file", "evidence-0-stance": Stance.SUPPORTS})
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["url"]
    assert claim.evidence.count() == 0


def test_changing_a_rows_source_resets_its_excerpt_check(rclient):
    claim = ClaimFactory()
    evidence = EvidenceFactory(
        claim=claim, excerpt="passage", excerpt_status=ExcerptStatus.FOUND, excerpt_checked_at=timezone.now()
    )
    data = form_data(rclient.get(change_url(claim)))
    data["evidence-0-url"] = "https://example.org/moved"
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 302, errors_of(response)
    evidence.refresh_from_db()
    assert evidence.source.url == "https://example.org/moved"
    assert evidence.excerpt_status == ExcerptStatus.UNCHECKED
    assert evidence.excerpt_checked_at is None


# --- the change page: lost updates ---------------------------------------------------------------------------


def test_stale_form_is_refused_and_nothing_is_overwritten(rclient, other_reviewer):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    stale = form_data(rclient.get(change_url(claim)))
    assert stale["version"] == "1"
    services.claim_update(
        claim_id=claim.pk,
        user=other_reviewer,
        expected_version=1,
        data={"verdict": Verdict.MOSTLY_TRUE, "explanation": "Omar's reasoning."},
    )
    stale.update({"verdict": Verdict.FALSE, "explanation": "Rita's reasoning."})
    response = rclient.post(change_url(claim), stale)
    assert response.status_code == 200
    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert "changed by omar since you opened it" in message
    assert "nothing was saved" in message
    claim.refresh_from_db()
    assert (claim.verdict, claim.explanation, claim.version) == (Verdict.MOSTLY_TRUE, "Omar's reasoning.", 2)

    # Reloading gives the current version, and then the save goes through.
    fresh = form_data(rclient.get(change_url(claim)))
    assert fresh["version"] == "2"
    fresh["explanation"] = "Rita's reasoning, after reading Omar's."
    assert rclient.post(change_url(claim), fresh).status_code == 302
    claim.refresh_from_db()
    assert claim.version == 3


# --- bulk actions --------------------------------------------------------------------------------------------


def _act(client, action: str, claims, **extra):
    data = {"action": action, "index": "0", "_selected_action": [str(c.pk) for c in claims], **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def test_bulk_publish_publishes_the_ready_and_names_the_refused(rclient, reviewer):
    ready = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.")
    EvidenceFactory(claim=ready)
    unrated = ClaimFactory(text="Unrated one", status=ClaimStatus.IN_REVIEW, explanation="Because.")
    EvidenceFactory(claim=unrated)
    bare = ClaimFactory(text="Bare one", status=ClaimStatus.IN_REVIEW, verdict=Verdict.TRUE, explanation="Yes.")
    response = _act(rclient, "publish", [ready, unrated, bare])
    assert response.status_code == 200
    shown = messages_of(response)
    assert "Published 1 claim." in shown
    refused = next(m for m in shown if "not published" in m)
    assert refused.startswith("2 claims not published")
    assert f"#{unrated.pk} Unrated one</a>: This claim cannot be published yet: choose a verdict" in refused
    assert f"#{bare.pk} Bare one</a>: This claim cannot be published yet: add at least one piece" in refused
    assert change_url(bare) in refused
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses == {
        ready.pk: ClaimStatus.PUBLISHED,
        unrated.pk: ClaimStatus.IN_REVIEW,
        bare.pk: ClaimStatus.IN_REVIEW,
    }
    assert ready.history.first().history_user == reviewer
    assert unrated.history.count() == 1  # only its creation


def test_bulk_move_to_review(rclient, reviewer):
    drafts = [ClaimFactory(), ClaimFactory()]
    retracted = ClaimFactory(status=ClaimStatus.RETRACTED)
    response = _act(rclient, "move_to_review", [*drafts, retracted])
    assert "Moved to review: 3 claims." in messages_of(response)
    for claim in [*drafts, retracted]:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW
        assert claim.version == 2
        assert claim.history.first().history_user == reviewer


def test_bulk_set_verdict_asks_then_sets_and_names_the_refused(rclient, reviewer):
    drafts = [ClaimFactory(text="First draft"), ClaimFactory(text="Second draft")]
    published = PublishedClaimFactory(text="Published one")
    asked = _act(rclient, "set_verdict", [*drafts, published])
    assert asked.status_code == 200
    assert [t.name for t in asked.templates][0] == "admin/claims/claim/set_verdict.html"
    html = asked.content.decode()
    assert "First draft" in html
    assert "Published one" in html
    assert 'name="verdict"' in html

    data = {
        "action": "set_verdict",
        "_selected_action": [str(c.pk) for c in [*drafts, published]],
        "verdict": Verdict.UNRATED,
        "apply": "Set verdict",
    }
    response = rclient.post(reverse(CHANGELIST), data, follow=True)
    shown = messages_of(response)
    assert "Set the verdict “Unrated” on 2 claims." in shown
    refused = next(m for m in shown if "left unchanged" in m)
    assert f"#{published.pk} Published one</a>: This claim cannot be published yet: choose a verdict" in refused
    published.refresh_from_db()
    assert published.verdict == Verdict.FALSE

    data["verdict"] = Verdict.MOSTLY_TRUE
    data["correction_note"] = "A new study changes the rating."  # the published claim is corrected in public
    rclient.post(reverse(CHANGELIST), data, follow=True)
    for claim in [*drafts, published]:
        claim.refresh_from_db()
        assert claim.verdict == Verdict.MOSTLY_TRUE
        assert claim.reviewer == reviewer
        assert claim.history.first().history_user == reviewer


def test_bulk_set_verdict_without_a_choice_asks_again(rclient):
    claim = ClaimFactory()
    data = {"action": "set_verdict", "_selected_action": [str(claim.pk)], "verdict": "nonsense", "apply": "1"}
    response = rclient.post(reverse(CHANGELIST), data)
    assert response.status_code == 200
    assert response.context["form"].errors["verdict"]
    claim.refresh_from_db()
    assert claim.version == 1


# --- roles and history ---------------------------------------------------------------------------------------


def test_researcher_can_view_but_not_change(researcher_client):
    """Researchers view what the API shows them (published and retracted claims), and change nothing."""
    claim = PublishedClaimFactory(text="Viewed claim", evidence=None)
    EvidenceFactory(claim=claim, source=SourceFactory(url="https://example.org/viewed"))
    draft = ClaimFactory(text="Draft claim")
    listing = researcher_client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert "Viewed claim" in listing.content.decode()
    assert "Draft claim" not in listing.content.decode()
    assert researcher_client.get(change_url(draft)).status_code == 302  # "doesn't exist", as the API's 404
    assert listing.context["action_form"] is None  # no bulk actions
    page = researcher_client.get(change_url(claim))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "https://example.org/viewed" in html
    assert researcher_client.post(change_url(claim), {"text": "Changed"}).status_code == 403
    assert researcher_client.get(reverse("admin:claims_claim_add")).status_code == 403
    assert researcher_client.get(reverse("admin:claims_claim_history", args=[claim.pk])).status_code == 200
    acted = researcher_client.post(
        reverse(CHANGELIST), {"action": "move_to_review", "index": "0", "_selected_action": [str(claim.pk)]}
    )
    assert acted.status_code == 200  # no action is offered, so the list is simply shown again
    claim.refresh_from_db()
    assert (claim.version, claim.status) == (1, ClaimStatus.PUBLISHED)


def test_history_lists_changes_with_their_users(rclient, reviewer, other_reviewer):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    data = form_data(rclient.get(change_url(claim)))
    data.update({"verdict": Verdict.MISLEADING, "explanation": "Cherry-picked figure."})
    assert rclient.post(change_url(claim), data).status_code == 302
    services.claim_update(claim_id=claim.pk, user=other_reviewer, expected_version=2, data={"verdict": Verdict.MIXED})
    response = rclient.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "rita" in html
    assert "omar" in html
    assert "misleading" in html
    assert "mixed" in html
    users = [r.history_user for r in claim.history.all()]
    assert users[:2] == [other_reviewer, reviewer]


def test_reverting_from_history_is_refused(rclient):
    claim = ClaimFactory()
    record = claim.history.first()
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, record.history_id])
    assert rclient.get(url).status_code == 200
    assert rclient.post(url, {"text": "Old text"}).status_code == 403


# --- articles and tags ---------------------------------------------------------------------------------------


def test_article_admin_lists_searches_and_links_its_claims(rclient):
    article = ArticleFactory(
        title="OpenAI Sora leak",
        outlet="Tech Daily",
        published_at=timezone.make_aware(datetime.datetime(2024, 11, 27, 10)),
    )
    ClaimFactory(article=article, text="Leaked on Hugging Face")
    ClaimFactory(article=article)
    ArticleFactory(title="Unrelated", outlet="Other Outlet")
    listing = rclient.get(reverse("admin:claims_article_changelist"), {"q": "sora"})
    assert [a.pk for a in listing.context["cl"].result_list] == [article.pk]
    assert f"?article__id__exact={article.pk}" in listing.content.decode()
    by_outlet = rclient.get(reverse("admin:claims_article_changelist"), {"outlet": "Tech Daily"})
    assert [a.pk for a in by_outlet.context["cl"].result_list] == [article.pk]
    claims = rclient.get(reverse(CHANGELIST), {"article__id__exact": article.pk})
    assert len(claims.context["cl"].result_list) == 2
    page = rclient.get(reverse("admin:claims_article_change", args=[article.pk]))
    assert page.status_code == 200
    assert "Leaked on Hugging Face" in page.content.decode()


def test_article_url_is_canonical_and_unique(rclient):
    ArticleFactory(url="https://news.example.org/story")
    data = {
        "url": "HTTPS://NEWS.example.org/story?utm_campaign=x",
        "title": "Again",
        "claims-TOTAL_FORMS": "0",
        "claims-INITIAL_FORMS": "0",
    }
    response = rclient.post(reverse("admin:claims_article_add"), data)
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["url"])


def test_article_autocomplete_from_the_claim_page(rclient):
    ArticleFactory(title="OpenAI Sora leak")
    response = rclient.get(
        reverse("admin:autocomplete"),
        {"app_label": "claims", "model_name": "claim", "field_name": "article", "term": "sora"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["OpenAI Sora leak"]


def test_tag_admin(rclient):
    claim = ClaimFactory()
    services.claim_set_tags(claim=claim, tags=["ai", "video"])
    response = rclient.get(reverse("admin:claims_tag_changelist"), {"q": "vid"})
    assert response.status_code == 200
    assert [t.name for t in response.context["cl"].result_list] == ["video"]


def test_renaming_an_article_reindexes_its_claims_for_search(rclient):
    article = ArticleFactory(title="Old headline")
    claim = ClaimFactory(article=article, status=ClaimStatus.IN_REVIEW)
    services.claim_update(claim_id=claim.pk, user=None, data={"claimant": "someone"})  # fills its search vector
    page = rclient.get(reverse("admin:claims_article_change", args=[article.pk]))
    data = form_data(page)
    data["title"] = "Zeppelin headline"
    response = rclient.post(reverse("admin:claims_article_change", args=[article.pk]), data)
    assert response.status_code == 302, errors_of(response)
    found = rclient.get("/api/v1/claims/", {"q": "zeppelin"}).json()["results"]
    assert [c["id"] for c in found] == [claim.pk]
