"""A claim's history people can read (issue 18): one timeline of its saves and its evidence, in labels not codes.

The timeline is claims.timeline.claim_timeline (a selector per source, one row builder); the admin's history page
shows it. Each test reads the rows themselves and, where the page is the point, the page.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from claims import services, timeline
from claims.choices import ClaimStatus, Stance, Verdict
from claims.models import Claim
from tests.claims.test_admin import change_url, form_data
from tests.factories import ClaimFactory, EvidenceFactory, ResearcherFactory, ReviewerFactory, role_group

pytestmark = pytest.mark.django_db


def lines(entry) -> list[str]:
    return [str(line) for line in entry.lines]


def history_url(claim) -> str:
    return reverse("admin:claims_claim_history", args=[claim.pk])


@pytest.fixture
def claim(db):
    return ClaimFactory()


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


def test_rows_say_labels_not_codes_and_nobody_for_an_empty_user(rclient, reviewer):
    claim = services.claim_create(user=None, text="Vaccines cause autism.", status=ClaimStatus.IN_REVIEW)
    data = form_data(rclient.get(change_url(claim)))
    data.update(
        {
            "verdict": Verdict.MOSTLY_FALSE,
            "explanation": "No study finds it.",
            "evidence-0-url": "https://example.org/study",
            "evidence-0-stance": Stance.REFUTES,
        }
    )
    assert rclient.post(change_url(claim), data).status_code == 302

    changed, created = timeline.claim_timeline(claim_id=claim.pk, user=reviewer)
    assert (created.title, created.who) == ("Created", "—")  # saved by no one in particular: not "None"
    assert lines(created) == ["Text: Vaccines cause autism.", "Verdict: Unrated", "Status: In review"]
    assert (changed.title, changed.who) == ("Changed", "rita")
    # The evidence row saved with the claim is in the same entry as its fields.
    assert lines(changed) == [
        "Verdict: Unrated → Mostly false",
        "Explanation: — → No study finds it.",
        "Reviewer: nobody → rita",
        "Evidence added: https://example.org/study (Refutes)",
    ]
    verdict = changed.lines[0]
    assert (verdict.old.css, verdict.new.css) == ("fc-label fc-verdict-unrated", "fc-label fc-verdict-mostly_false")
    assert changed.reason == ""


def test_the_history_page_shows_the_timeline_without_codes_none_or_deleted_users(rclient, reviewer):
    claim = services.claim_create(user=None, text="A claim.", status=ClaimStatus.IN_REVIEW)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.FALSE, "explanation": "No."})
    services.evidence_add(claim=claim, url="https://example.org/a", user=reviewer)
    html = rclient.get(history_url(claim)).content.decode()
    assert '<span class="fc-history-old fc-label fc-verdict-unrated">Unrated</span> →' in html
    assert '<span class="fc-history-new fc-label fc-status-in_review">In review</span>' in html
    assert "Evidence added" in html
    assert "https://example.org/a (Supports)" in html
    for wrong in ("Deleted user", "pk=None", "Change reason", "None", "in_review<", ">in_review"):
        assert wrong not in html, wrong
    assert "claims/history.css" in html


def test_a_change_reason_is_shown_only_when_there_is_one(reviewer):
    claim = ClaimFactory()
    record = claim.history.get()
    assert timeline.claim_timeline(claim_id=claim.pk, user=reviewer)[0].reason == ""
    Claim.history.filter(history_id=record.history_id).update(history_change_reason="Imported from the archive.")
    assert timeline.claim_timeline(claim_id=claim.pk, user=reviewer)[0].reason == "Imported from the archive."


def test_evidence_removed_and_changed_are_in_the_timeline(reviewer, other_reviewer):
    claim = services.claim_create(user=reviewer, text="A claim.")
    kept = services.evidence_add(claim=claim, url="https://example.org/kept", user=reviewer)
    dropped = services.evidence_add(claim=claim, url="https://example.org/dropped", user=reviewer, stance="context")
    services.evidence_update(evidence=dropped, url="https://example.org/moved", user=reviewer)
    services.evidence_update(evidence=kept, stance=Stance.REFUTES, excerpt="A quoted line.", user=other_reviewer)
    services.evidence_remove(evidence=dropped, user=other_reviewer)

    entries = timeline.claim_timeline(claim_id=claim.pk, user=reviewer)
    everything = [line for entry in entries for line in lines(entry)]
    assert "Source: https://example.org/dropped → https://example.org/moved" in everything
    assert "Evidence removed: https://example.org/moved (Context)" in everything
    changed = next(e for e in entries if "Evidence changed: https://example.org/kept (Supports)" in lines(e))
    assert lines(changed) == [
        "Evidence changed: https://example.org/kept (Supports)",
        "Stance: Supports → Refutes",
        "Excerpt: — → A quoted line.",
    ]
    assert [line.sub for line in changed.lines] == [False, True, True]  # the page shows them under their evidence
    assert changed.who == "omar"
    removed = next(e for e in entries if "Evidence removed: https://example.org/moved (Context)" in lines(e))
    assert removed.who == "omar"


def test_a_deleted_account_is_named_as_deleted_not_as_nobody(reviewer):
    gone = ReviewerFactory(username="gone")
    claim = services.claim_create(user=reviewer, text="A claim.")
    services.claim_update(claim_id=claim.pk, user=gone, data={"verdict": Verdict.TRUE})
    gone_id = gone.pk
    gone.delete()
    changed = timeline.claim_timeline(claim_id=claim.pk, user=reviewer)[0]
    # The history row still names the old id in its reviewer field (simple-history empties its own user column).
    assert f"Reviewer: nobody → deleted user #{gone_id}" in lines(changed)


def test_times_are_in_the_active_zone_and_format_without_microseconds(rclient, reviewer, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    claim = services.claim_create(user=reviewer, text="A claim.")
    at = dt.datetime(2024, 11, 27, 1, 23, 45, 678901, tzinfo=dt.UTC)  # 09:23 in Beijing
    Claim.history.filter(id=claim.pk).update(history_date=at, published_at=at)
    entry = timeline.claim_timeline(claim_id=claim.pk, user=reviewer)[0]
    assert "Published at: Nov. 27, 2024, 09:23 CST" in lines(entry)
    html = rclient.get(history_url(claim)).content.decode()
    assert "Nov. 27, 2024, 09:23 CST" in html
    assert "1:23" not in html
    assert "678901" not in html
    with timezone.override("Europe/Berlin"):  # the reviewer's own zone, once another part activates it
        assert "Published at: Nov. 27, 2024, 02:23 CET" in lines(
            timeline.claim_timeline(claim_id=claim.pk, user=reviewer)[0]
        )


def test_a_researcher_reads_public_states_only_and_no_evidence_events(reviewer, one_person_desk):
    claim = services.claim_create(user=reviewer, text="A claim.", status=ClaimStatus.IN_REVIEW)
    services.evidence_add(claim=claim, url="https://example.org/secret-draft-source", user=reviewer)
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.FALSE, "explanation": "No.", "status": "published"}
    )
    researcher = ResearcherFactory(username="ruth", is_staff=True)
    entries = timeline.claim_timeline(claim_id=claim.pk, user=researcher)
    assert [e.record.status for e in entries] == [ClaimStatus.PUBLISHED]
    assert not any("secret-draft-source" in line for e in entries for line in lines(e))
    assert any(
        "secret-draft-source" in line
        for e in timeline.claim_timeline(claim_id=claim.pk, user=reviewer)
        for line in lines(e)
    )


def test_the_timeline_is_three_queries_however_long(reviewer, django_assert_num_queries):
    claim = services.claim_create(user=reviewer, text="A claim.")
    for n in range(5):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": f"Version {n}."})
        EvidenceFactory(claim=claim)
    assert reviewer.has_perm("claims.change_claim")  # the permissions are read once per request, not here
    # the claim's records with their users and article, the evidence's, the review's steps
    with django_assert_num_queries(3):
        entries = timeline.claim_timeline(claim_id=claim.pk, user=reviewer)
    assert len(entries) == 11  # the factory's evidence is written by nobody: entries of its own


# --- the seam other events plug into ------------------------------------------------------------------------------


def test_another_source_plugs_in_and_joins_the_save_of_its_transaction(reviewer):
    claim = services.claim_create(user=reviewer, text="A claim.")
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})
    save = claim.history.latest()

    def notes(*, claim_id, user):  # as a notes or approval source would be: its own rows, the same event type
        yield timeline.TimelineEvent(
            at=save.history_date + dt.timedelta(seconds=1),
            who="rita",
            user_id=reviewer.pk,
            txid=save.history_txid,
            title="Note",
            lines=[timeline.Line("Note added")],
        )
        yield timeline.TimelineEvent(
            at=save.history_date + dt.timedelta(days=1), who="rita", user_id=reviewer.pk, title="Approved", lines=[]
        )

    sources = (*timeline.TIMELINE_SOURCES, notes)
    approved, changed, _created = timeline.claim_timeline(claim_id=claim.pk, user=reviewer, sources=sources)
    assert approved.title == "Approved"
    assert lines(changed)[-1] == "Note added"


def test_an_event_of_another_user_never_joins_a_save():
    save = timeline.TimelineEvent(at=timezone.now(), who="rita", user_id=1, txid=7, lines=[], record=object())
    other = timeline.TimelineEvent(
        at=save.at + dt.timedelta(seconds=1), who="omar", user_id=2, txid=7, lines=[timeline.Line("x")]
    )
    assert [e.who for e in timeline.merge([save, other])] == ["omar", "rita"]


@pytest.mark.django_db(transaction=True)
def test_evidence_joins_the_save_of_its_own_transaction_only():
    """In separate transactions (the API's POST of evidence, then an admin save with a new row) the first is an entry
    of its own and the second joins its save."""
    role_group("Reviewer")
    rita = ReviewerFactory(username="rita")
    claim = services.claim_create(user=rita, text="A claim.")
    services.evidence_add(claim=claim, url="https://example.org/alone", user=rita)
    with transaction.atomic():
        services.claim_update(claim_id=claim.pk, user=rita, data={"verdict": Verdict.FALSE})
        services.evidence_add(claim=claim, url="https://example.org/with-the-save", user=rita)
    changed, alone, created = timeline.claim_timeline(claim_id=claim.pk, user=rita)
    assert (created.title, lines(created)) == ("Created", ["Text: A claim.", "Verdict: Unrated", "Status: Draft"])
    assert (alone.title, lines(alone)) == ("Evidence", ["Evidence added: https://example.org/alone (Supports)"])
    assert lines(changed) == [
        "Verdict: Unrated → False",
        "Reviewer: nobody → rita",
        "Evidence added: https://example.org/with-the-save (Supports)",
    ]


# --- the conflict message --------------------------------------------------------------------------------------------


def test_a_stale_save_is_told_what_the_other_changed_field_by_field(claim, reviewer, other_reviewer):
    services.claim_update(
        claim_id=claim.pk,
        user=other_reviewer,
        expected_version=1,
        data={"verdict": Verdict.MOSTLY_TRUE, "explanation": "Two sources agree.", "status": ClaimStatus.IN_REVIEW},
    )
    services.evidence_add(claim=claim, url="https://example.org/omars-source", user=other_reviewer)
    with pytest.raises(services.VersionConflict) as refused:
        services.claim_update(claim_id=claim.pk, user=reviewer, expected_version=1, data={"verdict": Verdict.FALSE})
    conflict = refused.value
    assert [str(line) for line in conflict.changes] == [
        "Verdict: Unrated → Mostly true",
        "Explanation: — → Two sources agree.",
        "Status: Draft → In review",
        "Reviewer: nobody → omar",
        "Evidence added: https://example.org/omars-source (Supports)",
    ]
    message = " ".join(conflict.messages)
    assert message.startswith("This claim was changed by omar since you opened it (it is now at version 2).")
    assert "What changed: Verdict: Unrated → Mostly true; Explanation: — → Two sources agree.;" in message
    assert message.endswith("nothing was saved.")
    assert "in_review" not in message
    assert "mostly_true" not in message


def test_the_admin_lists_the_other_reviewers_changes_on_a_refused_save(rclient, other_reviewer):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    stale = form_data(rclient.get(change_url(claim)))
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"verdict": Verdict.MOSTLY_TRUE})
    stale["verdict"] = Verdict.FALSE
    response = rclient.post(change_url(claim), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This claim was changed by omar since you opened it" in html
    assert "What they changed:" in html
    assert (
        '<span class="fc-history-old fc-label fc-verdict-unrated">Unrated</span> → '
        '<span class="fc-history-new fc-label fc-verdict-mostly_true">Mostly true</span>'
    ) in html


def test_the_api_412_says_what_changed(client, claim, reviewer, other_reviewer):
    from tests.api.conftest import token_headers

    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"verdict": Verdict.MIXED})
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"verdict": "false"},
        content_type="application/json",
        headers={**token_headers(reviewer), "If-Match": f'"claim-{claim.pk}-v1"'},
    )
    assert response.status_code == 412
    assert "What changed: Verdict: Unrated → Mixed; Reviewer: nobody → omar." in response.json()["detail"]


def test_the_conflict_leaves_out_the_evidence_saved_with_the_version_opened(rclient, reviewer, other_reviewer):
    """Rita saves the claim with a new evidence row, then saves again from the same page after Omar's change: the
    refusal lists Omar's changes, not her own row from the save she had opened."""
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    data = form_data(rclient.get(change_url(claim)))
    data.update({"explanation": "Rita's first take.", "evidence-0-url": "https://example.org/ritas"})
    assert rclient.post(change_url(claim), data).status_code == 302
    opened = form_data(rclient.get(change_url(claim)))
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"explanation": "Omar's take."})
    services.evidence_add(claim=claim, url="https://example.org/omars", user=other_reviewer)
    opened["explanation"] = "Rita's second take."
    response = rclient.post(change_url(claim), opened)
    assert response.status_code == 200
    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Omar&#x27;s take." in message
    assert "https://example.org/omars (Supports)" in message
    assert "https://example.org/ritas" not in message


def test_a_deleted_claims_history_is_still_readable(admin_client, reviewer):
    claim = services.claim_create(user=reviewer, text="Soon gone.")
    services.evidence_add(claim=claim, url="https://example.org/cited", user=reviewer)
    claim_id = claim.pk
    Claim.objects.get(
        pk=claim_id
    ).delete()  # not from the admin: a claim with evidence is not deleted there (evidence has no delete right)
    response = admin_client.get(reverse("admin:claims_claim_history", args=[claim_id]))
    assert response.status_code == 200
    deleted, removed, *_ = response.context["page_obj"]
    assert (deleted.title, deleted.who) == ("Deleted", "—")
    # Django deletes the evidence rows first, so they come just before the claim's own deletion.
    assert lines(removed) == ["Evidence removed: https://example.org/cited (Supports)"]
    assert admin_client.get(reverse("admin:claims_claim_history", args=["not-a-number"])).status_code == 404


def test_approvals_requests_and_notes_are_in_the_timeline_without_the_notes_text(reviewer):
    author, colleague = reviewer, ReviewerFactory(username="omar")
    claim = services.claim_create(user=author, text="The bridge cost ten billion.")
    services.claim_update(
        claim_id=claim.pk, user=author, data={"verdict": Verdict.FALSE, "explanation": "It cost two."}
    )
    EvidenceFactory(claim=claim)
    services.claim_note_add(claim_id=claim.pk, user=author, text="secret-marker-7f3: check the ledger")
    services.claim_request_changes(claim_id=claim.pk, user=colleague, note="secret-marker-7f3 again")
    services.claim_update(claim_id=claim.pk, user=author, data={"explanation": "It cost two billion, says the ledger."})
    services.claim_approve(claim_id=claim.pk, user=colleague)

    entries = timeline.claim_timeline(claim_id=claim.pk, user=colleague)
    told = [(entry.who, line) for entry in entries for line in lines(entry)]
    assert ("omar", "Approved") in told
    assert ("omar", "Changes requested") in told
    assert ("rita", "Note added") in told
    assert not any("secret-marker-7f3" in line for _who, line in told)
    # newest first: the approval came last
    assert lines(entries[0]) == ["Approved"]
    researcher = ResearcherFactory()
    assert not any(
        "Approved" in line
        for entry in timeline.claim_timeline(claim_id=claim.pk, user=researcher)
        for line in lines(entry)
    )
