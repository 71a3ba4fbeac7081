"""/tips/: readers send claims to check or report errors; reviewers handle the tips in the admin."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from public.links import claim_path
from public.models import Tip, TipKind, TipStatus
from public.ratelimit import rate_reset
from public.services import tip_client_hash
from public.views.tips import RATE_SCOPE
from tests.factories import ClaimFactory, PublishedClaimFactory

pytestmark = pytest.mark.django_db

URL = reverse("public-tips")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
ADDRESS = "203.0.113.77"
STADIUM = "The city council spent 40 million dollars on the new football stadium in 2023."


@pytest.fixture(autouse=True)
def _fresh_rate_window(settings):
    """Each test starts with no tips counted for its clients (the count lives in Redis across runs)."""
    settings.TIPS_RATE = "10/hour"
    for address in ("127.0.0.1", ADDRESS):
        rate_reset(scope=RATE_SCOPE, ident=tip_client_hash(address), rate=settings.TIPS_RATE)


def send(client, **data):
    fields = {"text": "Drinking hot water cures the flu.", "url": "", "contact": "", "language": "en", "website": ""}
    return client.post(URL, {**fields, **data}, REMOTE_ADDR=ADDRESS)


def test_the_form_in_both_languages(client):
    english = client.get(URL)
    chinese = client.get(URL, **ZH)
    assert english.status_code == chinese.status_code == 200
    assert '<html lang="en">' in english.text
    assert '<html lang="zh-hans">' in chinese.text
    assert 'name="csrfmiddlewaretoken"' in english.text
    # Every control has a label; the honeypot too ("leave empty"), kept out of sight by CSS, not display:none.
    for name in ("text", "url", "contact", "language", "website"):
        assert f'<label for="id_{name}">' in english.text
    assert "Leave this field empty" in english.text
    assert 'class="trap"' in english.text
    assert "display:none" not in english.text.replace(" ", "")
    # The language defaults to the page's.
    assert '<option value="en" selected>' in english.text
    assert '<option value="zh-Hans" selected>' in chinese.text


def test_the_form_is_read_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(URL).status_code == 200


def test_a_tip_is_stored_without_the_address(client):
    response = send(client, url="https://Example.org/post/1?utm_source=x", contact="reader@example.org", language="es")
    assert response.status_code == 200
    assert "Thank you" in response.text
    tip = Tip.objects.get()
    assert tip.text == "Drinking hot water cures the flu."
    assert tip.url == "https://example.org/post/1"  # canonical, as the API stores urls
    assert (tip.contact, tip.language, tip.kind, tip.status) == ("reader@example.org", "es", TipKind.CLAIM, "new")
    assert tip.matched_claim is None
    assert re.fullmatch(r"[0-9a-f]{64}", tip.client_hash)
    row = " ".join(str(value) for value in Tip.objects.values().get().values())
    assert ADDRESS not in row
    assert "203.0.113" not in row


def test_a_tip_matching_a_published_fact_check_shows_it_at_once(client):
    published = PublishedClaimFactory(text=STADIUM, verdict=Verdict.MOSTLY_FALSE)
    ClaimFactory(text=STADIUM + " Really.")  # a draft saying the same is never shown
    response = send(client, text="the city council spent 40 million dollars on the new football stadium in 2023")
    assert response.status_code == 200
    assert "Already checked:" in response.text
    assert f'href="{claim_path(published.pk, published.text)}"' in response.text
    assert 'class="fc-label fc-verdict-mostly_false">Mostly false</span>' in response.text
    assert Tip.objects.get().matched_claim == published
    assert published.tips.count() == 1  # how many readers asked: counted on the claim


def test_a_tip_matching_only_a_draft_is_not_matched(client):
    ClaimFactory(text=STADIUM, status=ClaimStatus.IN_REVIEW)
    response = send(client, text=STADIUM)
    assert "Already checked" not in response.text
    assert Tip.objects.get().matched_claim is None


def test_an_error_report_shows_and_links_the_fact_check(client):
    claim = PublishedClaimFactory(text=STADIUM)
    url = f"{URL}?claim={claim.pk}"
    for headers in ({}, ZH):
        form = client.get(url, **headers)
        assert form.status_code == 200
        assert f'href="{claim_path(claim.pk, claim.text)}"' in form.text
        assert f'action="{url}"' in form.text
    assert "Report an error in a fact-check" in client.get(url).text
    response = client.post(url, {"text": "The figure was 14 million, see the budget.", "language": "en"})
    assert response.status_code == 200
    assert "We have your report" in response.text
    tip = Tip.objects.get()
    assert (tip.kind, tip.matched_claim) == (TipKind.ERROR_REPORT, claim)


@pytest.mark.parametrize("value", ["draft", "in_review", "missing", "abc", "-1", "9" * 30])
def test_an_error_report_on_anything_but_a_public_claim_is_404(client, value):
    ids = {
        "draft": lambda: ClaimFactory().pk,
        "in_review": lambda: ClaimFactory(status=ClaimStatus.IN_REVIEW).pk,
        "missing": lambda: 987654,
    }
    claim = ids[value]() if value in ids else value
    assert client.get(f"{URL}?claim={claim}").status_code == 404
    assert client.post(f"{URL}?claim={claim}", {"text": "x"}).status_code == 404
    assert not Tip.objects.exists()


def test_the_rate_limit_answers_429_and_stores_nothing(client, settings):
    settings.TIPS_RATE = "3/hour"
    for n in range(3):
        assert send(client, text=f"Claim number {n} to check.").status_code == 200
    response = send(client, text="One more claim to check.")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many tips for now" in response.text
    assert '<html lang="en">' in response.text
    assert Tip.objects.count() == 3
    assert not Tip.objects.filter(text="One more claim to check.").exists()
    # Another client is counted on its own.
    assert client.post(URL, {"text": "From elsewhere."}, REMOTE_ADDR="127.0.0.1").status_code == 200


def test_the_honeypot_gets_the_same_thanks_and_nothing_is_stored(client):
    response = send(client, website="http://spam.example/")
    assert response.status_code == 200
    assert "Thank you" in response.text
    assert not Tip.objects.exists()


def test_a_post_without_the_csrf_token_is_403():
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"text": "A claim."}).status_code == 403
    assert not Tip.objects.exists()
    client.get(URL)  # the form sets the cookie its token goes with
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.post(URL, {"text": "A claim.", "csrfmiddlewaretoken": token}).status_code == 200
    assert Tip.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "x" * 2001}, "text", "at most 2000 characters"),
        ({"text": "A claim with a bell \x07 in it."}, "text", "control character (U+0007 at character 21)"),
        ({"text": "A fine claim.", "url": "javascript:alert(1)"}, "url", "url"),
        ({"text": "A fine claim.", "contact": "not an address"}, "contact", "valid email"),
        ({"text": "   "}, "text", "This field is required"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_kept(client, data, field, message):
    response = send(client, **data)
    assert response.status_code == 200
    assert "Thank you" not in response.text
    assert not Tip.objects.exists()
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message.lower() in " ".join(errors[field]).lower()
    assert f'id="id_{field}_errors"' in response.text
    assert 'aria-invalid="true"' in response.text
    kept = response.context["form"][field].value()
    assert kept == data[field]
    if field == "text" and data[field].strip() and "\x07" not in data[field]:
        assert data[field] in response.text  # the textarea holds what was typed


def test_chinese_readers_get_the_chinese_form_and_their_tip_in_chinese(client):
    response = client.post(URL, {"text": "喝热水可以治愈流感。", "language": "zh-Hans"}, **ZH)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert Tip.objects.get().language == "zh-Hans"


# --- the admin --------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, reviewer):
    client.force_login(reviewer)
    return client


def test_reviewers_turn_a_tip_into_a_draft_claim(admin_client, reviewer):
    tip = Tip.objects.create(text=STADIUM, url="https://news.example.org/stadium", language="en")
    change = admin_client.get(reverse("admin:public_tip_change", args=[tip.pk]))
    turn = reverse("admin:public_tip_turn_into_claim", args=[tip.pk])
    assert f'action="{turn}"' in change.text
    assert admin_client.get(turn).status_code == 405
    response = admin_client.post(turn)
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:claims_claim_change", args=[claim.pk])
    assert (claim.text, claim.language, claim.status) == (STADIUM, "en", ClaimStatus.DRAFT)
    assert claim.article.url == "https://news.example.org/stadium"
    tip.refresh_from_db()
    assert (tip.status, tip.matched_claim) == (TipStatus.TURNED_INTO_CLAIM, claim)
    # Twice is once: the same claim again, no second draft.
    admin_client.post(turn)
    assert Claim.objects.count() == 1


def test_researchers_cannot_turn_tips_into_claims(client, researcher):
    researcher.is_staff = True
    researcher.save()
    client.force_login(researcher)
    tip = Tip.objects.create(text=STADIUM)
    assert client.post(reverse("admin:public_tip_turn_into_claim", args=[tip.pk])).status_code == 403
    assert client.get(reverse("admin:public_tip_changelist")).status_code == 403  # tips carry readers' emails
    assert not Claim.objects.exists()


def test_bulk_discard_and_mark_reviewed(admin_client):
    spam = [Tip.objects.create(text=f"spam {n}") for n in range(3)]
    kept = Tip.objects.create(text="became a claim", status=TipStatus.TURNED_INTO_CLAIM)
    changelist = reverse("admin:public_tip_changelist")
    selected = [tip.pk for tip in [*spam, kept]]
    response = admin_client.post(changelist, {"action": "discard", "_selected_action": selected}, follow=True)
    assert "3 tips discarded." in response.text
    assert set(Tip.objects.values_list("status", flat=True)) == {TipStatus.DISCARDED, TipStatus.TURNED_INTO_CLAIM}
    admin_client.post(changelist, {"action": "mark_reviewed", "_selected_action": [spam[0].pk]})
    spam[0].refresh_from_db()
    assert spam[0].status == TipStatus.REVIEWED


def test_the_tip_list_counts_readers_asking_about_each_claim(admin_client, django_assert_max_num_queries):
    asked = PublishedClaimFactory(text=STADIUM)
    for n in range(3):
        Tip.objects.create(text=f"stadium question {n}", matched_claim=asked)
    Tip.objects.create(text="unmatched")
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:public_tip_changelist"), {"o": "-7"})
    assert response.status_code == 200
    by_claim = f"?matched_claim__id__exact={asked.pk}"
    assert f'href="{reverse("admin:public_tip_changelist")}{by_claim}">3</a>' in response.text
    filtered = admin_client.get(reverse("admin:public_tip_changelist") + by_claim)
    assert filtered.context["cl"].result_count == 3
