"""Assignment: the services (assign, reassign, unassign, the version check, bulk), the rules (overdue, who may be
assigned), and the assignee's email (sent on commit only, once, in their language and zone)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from claims import emails, services
from claims import tasks as claims_tasks
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim, ClaimAssignment
from claims.selectors import assignment
from claims.selectors.visibility import reviewers, user_sees_drafts
from tests.factories import ClaimFactory, PublishedClaimFactory, ResearcherFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

DUE = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def claim():
    return ClaimFactory(text="The bridge cost ten billion.", status=ClaimStatus.IN_REVIEW)


def assign(claim, assignee, user, **kw):
    return services.claim_assign(claim=claim, assignee=assignee, user=user, **kw)


# --- the service -------------------------------------------------------------------------------------------------


def test_assign_sets_assignee_and_due_with_a_history_row_and_a_record(claim, reviewer, other_reviewer):
    done = assign(claim, other_reviewer, reviewer, due_at=DUE, note="  Check the budget line.  ")
    claim.refresh_from_db()
    assert (claim.assignee, claim.due_at, claim.version) == (other_reviewer, DUE, 2)
    record = claim.history.first()
    assert (record.assignee_id, record.due_at, record.history_user) == (other_reviewer.pk, DUE, reviewer)
    assert claim.reviewer is None  # assigning is not reviewing: the verdict's reviewer is untouched
    assert done == ClaimAssignment.objects.get(claim=claim)
    assert (done.assignee, done.assigned_by, done.due_at, done.note) == (
        other_reviewer,
        reviewer,
        DUE,
        "Check the budget line.",
    )
    assert done.notified_at is None  # the email goes on commit


def test_reassign_and_unassign_each_leave_their_row(claim, reviewer, other_reviewer):
    assign(claim, other_reviewer, reviewer, due_at=DUE)
    claim.refresh_from_db()
    assign(claim, reviewer, reviewer)  # to myself, no due date any more
    claim.refresh_from_db()
    assert (claim.assignee, claim.due_at) == (reviewer, None)
    assign(claim, None, reviewer)
    claim.refresh_from_db()
    assert (claim.assignee, claim.due_at, claim.version) == (None, None, 4)
    # Its creation, then one row per assignment, each under the assigning user's name.
    records = claim.history.order_by("history_id")
    assert [r.assignee_id for r in records] == [None, other_reviewer.pk, reviewer.pk, None]
    assert [r.history_user for r in records][1:] == [reviewer, reviewer, reviewer]
    assert list(ClaimAssignment.objects.filter(claim=claim).values_list("assignee_id", flat=True)) == [
        other_reviewer.pk,
        reviewer.pk,
        None,
    ]


def test_assigning_as_it_already_is_changes_nothing(claim, reviewer, other_reviewer):
    assign(claim, other_reviewer, reviewer, due_at=DUE)
    claim.refresh_from_db()
    rows = claim.history.count()
    assert assign(claim, other_reviewer, reviewer, due_at=DUE, note="Again") is None
    claim.refresh_from_db()
    assert (claim.version, claim.history.count(), ClaimAssignment.objects.count()) == (2, rows, 1)


def test_a_claim_changed_since_it_was_read_is_refused(claim, reviewer, other_reviewer):
    seen = Claim.objects.get(pk=claim.pk)  # version 1, as the assign page read it
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"verdict": Verdict.FALSE})
    with pytest.raises(services.VersionConflict, match="changed by omar since you opened it"):
        assign(seen, other_reviewer, reviewer)
    claim.refresh_from_db()
    assert (claim.assignee, claim.version) == (None, 2)
    assert not ClaimAssignment.objects.exists()


@pytest.mark.parametrize(
    "who",
    [
        lambda: ResearcherFactory(username="ruth", is_staff=True),  # may not review
        lambda: ReviewerFactory(username="nostaff", is_staff=False),  # may review, cannot open the admin
        lambda: ReviewerFactory(username="gone", is_active=False),
    ],
    ids=["researcher", "not-staff", "inactive"],
)
def test_only_active_staff_reviewers_can_be_assigned(claim, reviewer, who):
    with pytest.raises(services.ValidationError, match="cannot be assigned claims"):
        assign(claim, who(), reviewer)
    claim.refresh_from_db()
    assert claim.assignee is None


def test_the_note_is_plain_text_of_bounded_length(claim, reviewer, other_reviewer):
    with pytest.raises(services.ValidationError, match="control character"):
        assign(claim, other_reviewer, reviewer, note="bell \x07")
    with pytest.raises(services.ValidationError):
        assign(claim, other_reviewer, reviewer, note="x" * 5001)


def test_bulk_counts_assigned_unchanged_and_refused(reviewer, other_reviewer):
    fresh = ClaimFactory.create_batch(2)
    already = ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=other_reviewer, due_at=DUE)
    broken = PublishedClaimFactory()
    broken.evidence.all().delete()  # published without evidence (around the rule): claim_save refuses to save it
    result = services.claims_assign(
        claims=Claim.objects.filter(pk__in=[c.pk for c in [*fresh, already, broken]]).order_by("id"),
        assignee=other_reviewer,
        due_at=DUE,
        note="Today please.",
        user=reviewer,
    )
    assert sorted(c.pk for c in result.assigned) == [c.pk for c in fresh]
    assert [c.pk for c in result.unchanged] == [already.pk]
    assert [(c.pk, "cannot be published" in why) for c, why in result.refused] == [(broken.pk, True)]
    assert set(Claim.objects.filter(assignee=other_reviewer).values_list("pk", flat=True)) == {
        *(c.pk for c in fresh),
        already.pk,
    }
    assert ClaimAssignment.objects.filter(note="Today please.").count() == 2


# --- the rules ---------------------------------------------------------------------------------------------------


def test_overdue_is_one_rule_in_sql_and_in_python(reviewer):
    now = timezone.now()
    for status in ClaimStatus:
        for due in (None, now - timedelta(minutes=1), now + timedelta(minutes=1)):
            ClaimFactory(status=status, due_at=due, assignee=reviewer)
    in_sql = set(assignment.claims_overdue(now=now).values_list("pk", flat=True))
    in_python = {c.pk for c in Claim.objects.all() if assignment.is_overdue(c, now=now)}
    assert in_sql == in_python
    assert {c.status for c in Claim.objects.filter(pk__in=in_sql)} == {ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW}
    assert len(in_sql) == 2
    assert set(assignment.OPEN_STATUSES) == {ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW}


def test_who_can_be_assigned_is_the_reviewer_rule_plus_staff(reviewer, researcher):
    from django.contrib.auth.models import Permission

    direct = UserFactory(username="direct", is_staff=True)
    direct.user_permissions.add(Permission.objects.get(codename="change_claim"))
    users = [
        reviewer,
        researcher,
        direct,
        UserFactory(username="boss", is_staff=True, is_superuser=True),
        UserFactory(username="staff-only", is_staff=True),
        ReviewerFactory(username="api-only", is_staff=False),
        ReviewerFactory(username="left", is_active=False),
    ]
    expected = {u.username for u in users if u.is_staff and user_sees_drafts(type(u).objects.get(pk=u.pk))}
    assert set(reviewers().values_list("username", flat=True)) == expected == {"rita", "direct", "boss"}


# --- the email ---------------------------------------------------------------------------------------------------


def test_the_email_is_sent_after_commit_only(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assign(claim, other_reviewer, reviewer, due_at=DUE, note="Budget line 4.")
        assert mail.outbox == []  # not while the transaction is open
    assert len(callbacks) == 1
    (sent,) = mail.outbox
    assert sent.to == [other_reviewer.email]
    assert sent.subject == f"Claim #{claim.pk} is assigned to you"
    assert ClaimAssignment.objects.get().notified_at is not None


class Abandoned(Exception):
    pass


def assign_then_abandon(claim, assignee, user):
    """Assign in a transaction that then rolls back."""
    with transaction.atomic():
        assign(claim, assignee, user)
        raise Abandoned


def test_no_email_when_the_transaction_rolls_back(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abandoned):
        assign_then_abandon(claim, other_reviewer, reviewer)
    assert (callbacks, mail.outbox) == ([], [])
    claim.refresh_from_db()
    assert claim.assignee is None


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_the_email_follows_the_commit_and_not_a_rollback():
    reviewer, colleague = ReviewerFactory(username="rita"), ReviewerFactory(username="omar")
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    with pytest.raises(Abandoned):
        assign_then_abandon(claim, colleague, reviewer)
    assert mail.outbox == []
    assign(claim, colleague, reviewer)  # its own transaction, committed: the task runs in-process
    assert [m.to for m in mail.outbox] == [[colleague.email]]


def test_no_email_to_yourself_or_to_nobody(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assign(claim, reviewer, reviewer)
        claim.refresh_from_db()
        assign(claim, None, other_reviewer)
    assert (callbacks, mail.outbox) == ([], [])


def test_the_task_run_twice_sends_once(claim, reviewer, other_reviewer):
    done = assign(claim, other_reviewer, reviewer, note="Once.")  # the test's transaction never commits
    for _ in range(2):
        claims_tasks.claim_assignment_notify.apply(args=[done.pk, "http://desk.test"]).get()
    assert len(mail.outbox) == 1
    assert claims_tasks.claim_assignment_notify.apply(args=[done.pk + 1000]).get() is False  # gone: nothing


def test_a_superseded_assignment_is_not_announced(claim, reviewer, other_reviewer):
    first = assign(claim, other_reviewer, reviewer)
    claim.refresh_from_db()
    later = assign(claim, ReviewerFactory(username="third"), reviewer)
    assert services.claim_assignment_notify(assignment_id=first.pk) is False
    assert services.claim_assignment_notify(assignment_id=later.pk) is True
    assert [m.to for m in mail.outbox] == [["third@example.org"]]


def test_the_email_says_which_claim_who_when_why_and_where(claim, reviewer, other_reviewer, settings):
    reviewer.first_name, reviewer.last_name = "Rita", "Rossi"
    reviewer.save()
    settings.FACTCHECK_SITE_URL = "https://desk.example.org/"
    settings.TIME_ZONE = "UTC"
    done = assign(claim, other_reviewer, reviewer, due_at=DUE, note="Line 4 of the budget.")
    message = emails.assignment_email(done, link_base="http://ignored.test")
    body = message.body
    assert f"Rita Rossi assigned you claim #{claim.pk}:" in body
    assert "The bridge cost ten billion." in body
    assert "Due: March 14, 2031, 09:30 UTC\n" in body
    assert "Note from Rita Rossi:\nLine 4 of the budget." in body
    assert f"Open it in the admin: https://desk.example.org/admin/claims/claim/{claim.pk}/change/" in body
    settings.FACTCHECK_SITE_URL = ""  # as make run: the address the assigning request came to
    assert (
        f"http://127.0.0.1:8000/admin/claims/claim/{claim.pk}/change/"
        in emails.assignment_email(done, link_base="http://127.0.0.1:8000/").body
    )
    assign_without = assign(Claim.objects.get(pk=claim.pk), reviewer, other_reviewer)
    assert "No due date." in emails.assignment_email(assign_without).body


def test_the_email_follows_the_assignees_language_and_zone(claim, reviewer, other_reviewer):
    """The assignee's own preferences (accounts.services.preferences_active)."""
    from django.utils import translation

    from accounts.services import profile_set_preferences

    profile_set_preferences(user=other_reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    done = assign(claim, other_reviewer, reviewer, due_at=DUE)
    body = emails.assignment_email(done).body
    assert "2031年3月14日 17:30" in body  # 09:30 UTC, in Beijing, in Chinese format
    assert "(Asia/Shanghai)" in body
    assert translation.get_language() == "en"  # only the email was written in the assignee's language


def test_without_preferences_the_email_follows_the_desks_settings(claim, reviewer, other_reviewer, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE, settings.TIME_ZONE = "zh-hans", "Asia/Shanghai"
    done = assign(claim, other_reviewer, reviewer, due_at=DUE)
    with translation.override("en"):  # the assigning reviewer's request: not the assignee's language
        body = emails.assignment_email(done).body
    assert "2031年3月14日 17:30" in body
    assert "(Asia/Shanghai)" in body


def test_the_task_retries_mail_server_troubles_but_not_a_refused_address():
    import smtplib

    task = claims_tasks.claim_assignment_notify
    assert issubclass(smtplib.SMTPServerDisconnected, task.autoretry_for)
    assert issubclass(ConnectionRefusedError, task.autoretry_for)
    assert smtplib.SMTPRecipientsRefused in task.dont_autoretry_for
