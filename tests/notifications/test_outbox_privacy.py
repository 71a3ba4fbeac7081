"""What the events say: a public event carries the public claim page's fields and nothing else, equal to what the
page shows; no event (public or the desk's) carries a reviewer's name, the assignee, the desk's notes, a review note,
an evidence row's private note, a draft written after publication, or a tipster's contact address."""

import extruct
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.utils import timezone

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from notifications.choices import PUBLIC_EVENT_TYPES, EventType
from public.links import claim_path
from public.services import tip_submit
from sources.choices import Health, Outcome
from sources.fetch import CheckResult
from sources.health import SourceResult, linkchecks_record
from sources.models import Source
from tests.factories import ArticleFactory, ReviewerFactory

from .conftest import SITE, events, payload_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]

# The public claim page's fields (public.claim_page.claim_page_context shows each of them).
CLAIM_KEYS = {
    "id",
    "url",
    "text",
    "quote",
    "claimant",
    "language",
    "review_language",
    "verdict",
    "status",
    "retracted",
    "explanation",
    "claimed_at",
    "published_at",
    "updated_at",
    "tags",
    "article",
    "evidence",
}
ARTICLE_KEYS = {"url", "title", "outlet", "published_at", "language"}
EVIDENCE_KEYS = {"stance", "excerpt", "url", "title", "dead", "archive_url", "archived_at"}
CHANGE_KEYS = {"kind", "note", "verdict_before", "verdict_after", "at"}

# What must never leave the desk, in any event.
SECRETS = {
    "author's username": "zoya_quillfeather",
    "author's name": "Quillfeather",
    "approver's username": "ulric_penhallow",
    "approver's name": "Penhallow",
    "assignee's username": "yannick_thornbury",
    "assignee's name": "Thornbury",
    "assignment note": "ASSIGNMENT-NOTE-marker",
    "desk note": "CLAIMNOTE-marker: ask legal first",
    "review note": "REVIEW-NOTE-marker: cite the audit",
    "evidence note": "EVIDENCE-NOTE-marker: source is a friend",
    "draft after publication": "DRAFT-AFTER-PUBLICATION-marker",
    "tipster's contact": "tipster.marker@example.org",
}


def person(username: str, first: str, last: str):
    user = ReviewerFactory(username=username)
    user.first_name, user.last_name = first, last
    user.save()
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def desk_history():
    """A claim's whole life at the desk, every secret written where the desk keeps it, and every kind of event."""
    author = person(SECRETS["author's username"], "Zoya", SECRETS["author's name"])
    approver = person(SECRETS["approver's username"], "Ulric", SECRETS["approver's name"])
    assignee = person(SECRETS["assignee's username"], "Yannick", SECRETS["assignee's name"])
    claim = services.claim_create(
        user=author,
        text="The bridge cost 2 billion dollars.",
        quote="这座桥花了二十亿美元。",
        claimant="A mayor",
        language="zh-Hans",
        review_language="en",
        claimed_at=timezone.now(),
        article=ArticleFactory(title="Bridge news", outlet="Example News", language="zh-Hans"),
        tags=["bridges", "budget"],
    )
    services.claim_assign(claim=claim, assignee=assignee, note=SECRETS["assignment note"], user=author)
    evidence = services.evidence_add(
        claim=claim,
        url="https://example.org/budget",
        user=author,
        excerpt="The bridge cost 1.2 billion dollars.",
        note=SECRETS["evidence note"],
        source_title="The city's budget",
    )
    services.claim_note_add(claim_id=claim.pk, user=author, text=SECRETS["desk note"])
    services.claim_request_changes(claim_id=claim.pk, user=approver, note=SECRETS["review note"])
    update = dict(verdict=Verdict.FALSE, explanation="The budget says 1.2 billion.\n\nThe rest was a loan.")
    services.claim_update(claim_id=claim.pk, user=author, data=update)
    services.claim_approve(claim_id=claim.pk, user=approver)
    services.claim_update(claim_id=claim.pk, user=author, data={"status": ClaimStatus.PUBLISHED})
    services.claim_update(
        claim_id=claim.pk, user=author, data={"verdict": Verdict.MOSTLY_FALSE}, correction_note="A loan counts."
    )
    # Back in review, a draft nobody has published: it must not travel with the events that follow. (The desk's
    # excerpt event names the claim by its working text and verdict, for staff only; the explanation is nowhere.)
    services.claims_move_to_review(claims=[claim], user=author)
    draft = {"explanation": SECRETS["draft after publication"], "verdict": Verdict.TRUE}
    services.claim_update(claim_id=claim.pk, user=author, data=draft)
    found_gone = SourceResult(
        evidence.source_id, CheckResult(url=evidence.source.url, outcome=Outcome.NOT_FOUND), {evidence.pk: False}
    )
    linkchecks_record(results=[found_gone], run_key="privacy-1")
    linkchecks_record(results=[found_gone], run_key="privacy-2")  # dead by now (two failures, no days apart)
    tip_submit(text="Is the bridge story true?", contact=SECRETS["tipster's contact"], reported_claim=None)
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture(autouse=True)
def _dead_after_two(settings):
    settings.LINKCHECK_DEAD_AFTER_FAILURES = 2
    settings.LINKCHECK_DEAD_AFTER_DAYS = 0


def test_no_event_carries_what_the_desk_keeps(desk_history):
    assert {e.type for e in events()} == {
        EventType.CLAIM_PUBLISHED,
        EventType.CLAIM_CORRECTED,
        EventType.EVIDENCE_EXCERPT_MISSING,
        EventType.SOURCE_DEAD,
        EventType.TIP_RECEIVED,
    }
    for event in events():
        text = payload_text(event).casefold()
        leaks = [what for what, secret in SECRETS.items() if secret.casefold() in text]
        assert leaks == [], f"{event.type} #{event.pk} carries the {', '.join(leaks)}"
        for column in (event.language, event.claimant, *event.tags):
            assert not any(secret.casefold() in column.casefold() for secret in SECRETS.values())


def test_a_public_event_carries_exactly_the_pages_fields(desk_history):
    public = events(*PUBLIC_EVENT_TYPES)
    assert len(public) == 2
    for event in public:
        assert set(event.payload) == {"claim", "change"}
        claim = event.payload["claim"]
        assert set(claim) == CLAIM_KEYS
        assert set(claim["article"]) == ARTICLE_KEYS
        assert [set(item) for item in claim["evidence"]] == [EVIDENCE_KEYS]
        assert set(event.payload["change"]) == CHANGE_KEYS


def test_a_public_event_shows_what_the_claim_page_shows(client, other_reviewer):
    claim = services.claim_create(
        user=None,
        text="Tap water here is unsafe.",
        quote="The tap water is poison!",
        claimant="A neighbour",
        language="en",
        status=ClaimStatus.IN_REVIEW,
        verdict=Verdict.FALSE,
        explanation="The utility's tests pass.\n\nEvery district was tested.",
        article=ArticleFactory(title="Water worries", outlet="Local News", language="en"),
        tags=["water", "health"],
    )
    services.evidence_add(
        claim=claim, url="https://example.org/tests", excerpt="All samples passed.", source_title="Test results"
    )
    services.evidence_add(claim=claim, url="https://example.org/dead", source_title="An old page")
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"status": ClaimStatus.PUBLISHED})
    [event] = events()
    shown = event.payload["claim"]
    response = client.get(f"/claims/{claim.pk}/", follow=True)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "lxml")

    assert page.find("link", rel="canonical")["href"] == shown["url"] == f"{SITE}{claim_path(claim.pk, claim.text)}"
    assert page.h1.get_text() == shown["text"]
    assert page.find("blockquote", lang="en").get_text() == shown["quote"]
    label = page.find(class_="claim-verdict").find(class_="fc-label")
    assert f"fc-verdict-{shown['verdict']}" in label["class"]
    assert label.get_text() == Verdict(shown["verdict"]).label
    paragraphs = [p.get_text() for p in page.find(class_="claim-explanation").find_all("p")]
    assert paragraphs == shown["explanation"].split("\n\n")
    facts = page.find(class_="claim-facts").get_text()
    assert shown["claimant"] in facts
    assert shown["article"]["title"] in facts
    assert shown["article"]["outlet"] in facts
    sources = page.find(class_="claim-sources").find_all("li")
    assert [li.a["href"] for li in sources] == [item["url"] for item in shown["evidence"]]
    assert [li.a.get_text() for li in sources] == [item["title"] for item in shown["evidence"]]
    assert [li.find(class_="stance")["class"][1] for li in sources] == [
        f"stance-{item['stance']}" for item in shown["evidence"]
    ]
    assert ["All samples passed." in li.get_text() for li in sources] == [bool(i["excerpt"]) for i in shown["evidence"]]
    assert sorted(li.get_text() for li in page.find(class_="claim-tags").find_all("li")) == shown["tags"]
    assert shown["retracted"] is False
    assert page.find(class_="retraction") is None

    [review] = [
        item
        for item in extruct.extract(response.content.decode(), syntaxes=["json-ld"])["json-ld"]
        if item.get("@type") == "ClaimReview"
    ]
    assert review["url"] == shown["url"]
    assert review["claimReviewed"] == shown["text"]
    assert review["reviewRating"]["alternateName"] == label.get_text()
    assert review["reviewBody"] == shown["explanation"]
    assert review["itemReviewed"]["author"]["name"] == shown["claimant"]
    assert review["itemReviewed"]["inLanguage"] == shown["language"]
    assert review["inLanguage"] == shown["review_language"]
    assert review["dateModified"][:19] == shown["updated_at"][:19]


def test_a_dead_source_and_a_retraction_are_shown_as_the_page_shows_them(client, other_reviewer):
    claim = services.claim_create(
        user=None,
        text="The moon landing was staged.",
        status=ClaimStatus.IN_REVIEW,
        verdict=Verdict.FALSE,
        explanation="It was not.",
    )
    evidence = services.evidence_add(claim=claim, url="https://example.org/apollo", source_title="Apollo archive")
    Source.objects.filter(pk=evidence.source_id).update(health=Health.DEAD)  # as the checker left it
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"status": ClaimStatus.PUBLISHED})
    services.claim_update(
        claim_id=claim.pk, user=other_reviewer, data={"status": ClaimStatus.RETRACTED}, correction_note="Wrong claim."
    )
    published, retracted = events()
    assert published.payload["claim"]["evidence"][0]["dead"] is True
    page = BeautifulSoup(client.get(f"/claims/{claim.pk}/", follow=True).content, "lxml")
    assert page.find(class_="source-dead") is not None  # "This page is no longer online."
    assert retracted.payload["claim"]["retracted"] is True
    assert retracted.payload["claim"]["status"] == ClaimStatus.RETRACTED
    assert retracted.payload["change"]["note"] == "Wrong claim."
    assert page.find(class_="retraction") is not None
    assert "Wrong claim." in page.get_text()  # the public correction log shows the note
    assert page.find("script", type="application/ld+json") is None  # a retraction leaves our ClaimReview feed
