"""Assignment in the admin: "Assign to…" on the claim page and as a bulk action, the filters, the column, and what
researchers see of it. Through the test client against the real admin urls."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from claims import dashboard, services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim, ClaimAssignment
from tests.factories import ClaimFactory, PublishedClaimFactory, ResearcherFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:claims_claim_changelist"


def assign_url(claim) -> str:
    return reverse("admin:claims_claim_assign", args=[claim.pk])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def due_text(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def claim():
    return ClaimFactory(text="Unemployment halved in a year.", status=ClaimStatus.IN_REVIEW)


# --- one claim ---------------------------------------------------------------------------------------------------


def test_the_claim_page_offers_assign_to(rclient, claim):
    html = rclient.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert html.count(f'href="{assign_url(claim)}"') == 2  # beside History, and in the Review fieldset
    assert "Assign to…" in html


def test_assign_one_claim_with_a_note(rclient, claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    page = rclient.get(assign_url(claim))
    assert page.status_code == 200
    options = list(page.context["form"].fields["assignee"].queryset.values_list("username", flat=True))
    assert options == ["omar", "rita"]  # staff reviewers only
    due = timezone.now() + timedelta(days=2)
    data = {"assignee": other_reviewer.pk, "due_at": due_text(due), "note": "Check the ILO series.", "version": 1}
    with django_capture_on_commit_callbacks(execute=True):
        response = rclient.post(assign_url(claim), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:claims_claim_change", args=[claim.pk])
    (message,) = messages_of(response)
    assert message[0] == "success"
    assert message[1].startswith(f"Claim #{claim.pk} is assigned to omar. Due ")
    assert message[1].endswith("omar gets an email about it.")
    claim.refresh_from_db()
    assert (claim.assignee, claim.version) == (other_reviewer, 2)
    assert due_text(claim.due_at) == due_text(due)
    assert claim.history.first().history_user == reviewer
    (sent,) = mail.outbox
    assert "Check the ILO series." in sent.body
    assert f"http://testserver/admin/claims/claim/{claim.pk}/change/" in sent.body  # FACTCHECK_SITE_URL is empty
    assert "omar" in response.content.decode()  # the page shows who has it now


def test_assign_page_refuses_a_claim_changed_since_it_was_opened(rclient, claim, other_reviewer):
    page = rclient.get(assign_url(claim))
    assert page.context["form"]["version"].value() == 1
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"verdict": Verdict.FALSE})
    data = {"assignee": other_reviewer.pk, "due_at": "", "note": "", "version": 1}
    response = rclient.post(assign_url(claim), data)
    assert response.status_code == 200
    assert "changed by omar since you opened it" in str(response.context["form"].non_field_errors())
    claim.refresh_from_db()
    assert claim.assignee is None
    # The page now carries the version it shows: sending it again assigns over what the reviewer now sees.
    again = dict(data, version=response.context["form"].data["version"])
    assert rclient.post(assign_url(claim), again).status_code == 302
    claim.refresh_from_db()
    assert claim.assignee == other_reviewer


def test_assigning_as_it_is_says_nothing_changed(rclient, reviewer, other_reviewer):
    claim = ClaimFactory(assignee=other_reviewer)
    data = {"assignee": other_reviewer.pk, "due_at": "", "note": "", "version": claim.version}
    response = rclient.post(assign_url(claim), data, follow=True)
    assert messages_of(response) == [("info", f"Claim #{claim.pk} was already assigned so: nothing changed.")]


def test_unassign_and_assign_yourself_send_no_email(rclient, reviewer, other_reviewer):
    claim = ClaimFactory(assignee=other_reviewer)
    response = rclient.post(assign_url(claim), {"assignee": "", "version": claim.version}, follow=True)
    assert messages_of(response) == [("success", f"Claim #{claim.pk} is assigned to nobody now.")]
    claim.refresh_from_db()
    response = rclient.post(assign_url(claim), {"assignee": reviewer.pk, "version": claim.version}, follow=True)
    assert messages_of(response) == [("success", f"Claim #{claim.pk} is assigned to rita.")]
    assert mail.outbox == []


def test_a_past_due_date_is_a_form_error_unless_it_is_the_claims_own(rclient, other_reviewer):
    past = timezone.now() - timedelta(days=1)
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=other_reviewer, due_at=past)
    data = {"assignee": other_reviewer.pk, "due_at": due_text(past - timedelta(days=1)), "version": claim.version}
    response = rclient.post(assign_url(claim), data)
    assert "has passed already" in str(response.context["form"].errors["due_at"])
    # Reassigning the overdue claim as it stands keeps its due date (the page shows it to the minute).
    page = rclient.get(assign_url(claim))
    kept = page.context["form"]["due_at"].value()
    newcomer = ReviewerFactory(username="nina")
    data = {"assignee": newcomer.pk, "due_at": kept.strftime("%Y-%m-%dT%H:%M"), "version": claim.version}
    assert rclient.post(assign_url(claim), data).status_code == 302
    claim.refresh_from_db()
    assert (claim.assignee, claim.due_at) == (newcomer, past)


def test_researchers_neither_assign_nor_see_assignments(client, other_reviewer):
    claim = PublishedClaimFactory(assignee=other_reviewer, due_at=timezone.now() + timedelta(days=1))
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    assert client.get(assign_url(claim)).status_code == 403
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert assign_url(claim) not in html
    assert "omar" not in html
    draft = ClaimFactory()
    assert client.get(assign_url(draft)).status_code == 404  # a claim they may not see is not there
    listed = client.get(reverse(CHANGELIST))
    assert listed.status_code == 200
    assert "field-assigned" not in listed.content.decode()  # no column
    assert "?assigned=" not in listed.content.decode()  # no filter
    assert "omar" not in listed.content.decode()


# --- many claims -------------------------------------------------------------------------------------------------


def _act(client, claims, **extra):
    data = {"action": "assign", "index": "0", "_selected_action": [str(c.pk) for c in claims], **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def test_bulk_assign_asks_then_assigns_with_a_note_and_counts_what_happened(
    rclient, reviewer, other_reviewer, django_capture_on_commit_callbacks
):
    fresh = [ClaimFactory(text="First"), ClaimFactory(text="Second")]
    already = ClaimFactory(text="Already his", assignee=other_reviewer)
    broken = PublishedClaimFactory(text="Broken one")
    broken.evidence.all().delete()
    claims = [*fresh, already, broken]
    asked = _act(rclient, claims)
    assert [t.name for t in asked.templates][0] == "admin/claims/claim/assign.html"
    html = asked.content.decode()
    assert "These 4 claims will be assigned" in html
    assert "assigned to omar" in html  # what each selected claim has now
    assert 'name="note"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = _act(rclient, claims, apply="Assign", assignee=other_reviewer.pk, note="Before Friday.")
    shown = messages_of(response)
    assert shown[0] == ("success", "2 claims assigned to omar. omar gets an email about each.")
    assert shown[1] == ("info", "1 claim was already assigned so and is unchanged.")
    level, refused = shown[2]
    assert level == "error"
    assert refused.startswith("1 claim was not assigned:")
    assert f"#{broken.pk} Broken one</a>: This claim cannot be published yet" in refused
    assert len(shown) == 3
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Claim #{c.pk} is assigned to you" for c in fresh)
    assert all("Before Friday." in m.body for m in mail.outbox)
    assert ClaimAssignment.objects.filter(note="Before Friday.").count() == 2
    for claim in fresh:
        claim.refresh_from_db()
        assert claim.history.first().history_user == reviewer


def test_bulk_assign_with_a_bad_choice_asks_again(rclient):
    claim = ClaimFactory()
    response = rclient.post(
        reverse(CHANGELIST),
        {"action": "assign", "_selected_action": [str(claim.pk)], "assignee": "999999", "apply": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["assignee"]
    claim.refresh_from_db()
    assert claim.assignee is None


# --- the list ----------------------------------------------------------------------------------------------------


def test_filters_assigned_to_me_nobody_and_overdue(rclient, reviewer, other_reviewer):
    now = timezone.now()
    mine = ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=reviewer, due_at=now + timedelta(days=1))
    mine_late = ClaimFactory(status=ClaimStatus.DRAFT, assignee=reviewer, due_at=now - timedelta(days=1))
    PublishedClaimFactory(assignee=reviewer, due_at=now - timedelta(days=1))  # done: neither mine nor overdue
    theirs_late = ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=other_reviewer, due_at=now - timedelta(hours=1))
    nobodys = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    ClaimFactory(status=ClaimStatus.DRAFT)

    def listed(**params) -> set[int]:
        response = rclient.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        return {c.pk for c in response.context["cl"].result_list}

    assert listed(assigned="me") == {mine.pk, mine_late.pk}
    assert listed(assigned="me", due="overdue") == {mine_late.pk}
    assert listed(due="overdue") == {mine_late.pk, theirs_late.pk}
    assert listed(assigned="nobody") == {nobodys.pk}
    html = rclient.get(reverse(CHANGELIST), {"assigned": "me"}).content.decode()
    assert "Assigned to me" in html
    assert "⚠" in html  # the overdue one is marked in the "assigned" column


def test_the_dashboard_links_to_my_assignments(rclient, reviewer):
    ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=reviewer, due_at=timezone.now() - timedelta(hours=2))
    cache.delete(dashboard.USER_CACHE_KEY.format(reviewer.pk))
    items = {i["key"]: i for i in rclient.get("/admin/").context["dashboard"]["attention"]}
    assert (items["assigned_mine"]["count"], items["overdue_mine"]["count"]) == (1, 1)
    assert items["assigned_mine"]["label"] == "claims assigned to you, not yet published"
    assert items["assigned_mine"]["url"] == reverse(CHANGELIST) + "?assigned=me"
    assert items["overdue_mine"]["url"] == reverse(CHANGELIST) + "?assigned=me&due=overdue"
    assert Claim.objects.count() == 1
