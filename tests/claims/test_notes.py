"""The desk's internal notes in the services and selectors: added with a history event that says only that a note was
added, edited by their author for 15 minutes (time-machine moves the clock), read by reviewers only."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims import services
from claims.choices import ReviewEventKind
from claims.models import ClaimNote
from claims.selectors.review import claim_notes, claim_review_events
from tests import factories

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 11, 27, 1, 23, tzinfo=dt.UTC)


@pytest.fixture
def claim():
    return factories.ClaimFactory(text="A claim under discussion.")


def test_a_note_is_added_with_an_event_that_holds_no_text(claim, reviewer):
    note = services.claim_note_add(claim_id=claim.pk, user=reviewer, text="  Who said this first?  ")
    assert (note.text, note.author, note.edited) == ("Who said this first?", reviewer, None)
    (event,) = claim_review_events(claim_id=claim.pk, user=reviewer)
    assert (event.kind, event.actor, event.note_id) == (ReviewEventKind.NOTE_ADDED, reviewer, note.pk)
    assert not hasattr(event, "text")  # the history shows that a note was added, never what it says


def test_notes_are_listed_newest_last(claim, reviewer, other_reviewer):
    with time_machine.travel(START, tick=False) as clock:
        services.claim_note_add(claim_id=claim.pk, user=reviewer, text="First.")
        clock.shift(dt.timedelta(minutes=1))
        services.claim_note_add(claim_id=claim.pk, user=other_reviewer, text="Second.")
        clock.shift(dt.timedelta(minutes=1))
        services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Third.")
    assert [n.text for n in claim_notes(claim_id=claim.pk, user=reviewer)] == ["First.", "Second.", "Third."]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Write the note's text."),
        ("Bad\x00byte", "NUL character"),
        ("x" * 5_001, "at most 5,000"),
    ],
)
def test_a_note_needs_plain_text_of_a_sensible_length(claim, reviewer, text, message):
    with pytest.raises(ValidationError) as refused:
        services.claim_note_add(claim_id=claim.pk, user=reviewer, text=text)
    assert message in " ".join(refused.value.message_dict["text"])
    assert not ClaimNote.objects.exists()


def test_its_author_may_edit_a_note_for_15_minutes(claim, reviewer):
    with time_machine.travel(START, tick=False) as clock:
        note = services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Tpyo.")
        clock.shift(dt.timedelta(minutes=14, seconds=59))
        edited = services.claim_note_update(note_id=note.pk, user=reviewer, text="Typo fixed.")
        assert (edited.text, edited.edited) == ("Typo fixed.", timezone.now())
        clock.shift(dt.timedelta(seconds=2))  # 15 minutes and a second after writing it
        with pytest.raises(ValidationError) as refused:
            services.claim_note_update(note_id=note.pk, user=reviewer, text="Too late.")
    assert refused.value.messages == [
        "A note can be edited for 15 minutes after it is written, and this one is older: add a new note instead."
    ]
    assert ClaimNote.objects.get(pk=note.pk).text == "Typo fixed."


def test_only_its_author_may_edit_a_note(claim, reviewer, other_reviewer):
    note = services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Mine.")
    for someone in (other_reviewer, None, AnonymousUser()):
        with pytest.raises(ValidationError, match="Only its author can edit a note."):
            services.claim_note_update(note_id=note.pk, user=someone, text="Theirs now.")
    assert ClaimNote.objects.get(pk=note.pk).text == "Mine."


def test_the_rule_is_one_function_the_admin_and_api_ask(claim, reviewer, other_reviewer):
    note = services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Mine.")
    at = note.created + services.NOTE_EDIT_WINDOW
    assert services.note_edit_problem(note=note, user=reviewer, now=at) is None
    assert services.note_edit_problem(note=note, user=reviewer, now=at + dt.timedelta(microseconds=1))
    assert services.note_edit_problem(note=note, user=other_reviewer, now=note.created)


def test_an_unchanged_text_is_not_an_edit(claim, reviewer):
    note = services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Same.")
    assert services.claim_note_update(note_id=note.pk, user=reviewer, text=" Same. ").edited is None


def test_only_reviewers_read_notes_and_review_events(claim, reviewer, researcher):
    services.claim_note_add(claim_id=claim.pk, user=reviewer, text="Internal.")
    published = factories.PublishedClaimFactory()
    services.claim_note_add(claim_id=published.pk, user=reviewer, text="Internal too.")
    for someone in (researcher, AnonymousUser(), None):
        for target in (claim, published):
            assert list(claim_notes(claim_id=target.pk, user=someone)) == []
            assert list(claim_review_events(claim_id=target.pk, user=someone)) == []
    assert claim_notes(claim_id=published.pk, user=reviewer).count() == 1
