"""A capture's WARC leaves storage with its row, once the deletion commits (django-cleanup): a deleted source's
captures would otherwise leave their files behind for good, nothing naming them. A deletion that rolls back keeps
the file: the row still names it."""

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import RestrictedError

from sources.capture import source_capture
from sources.choices import CaptureReason
from sources.models import Capture
from tests import factories

from .capture_farm import article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _captures_on(settings):
    settings.CAPTURE_ENABLED = True


def two_captures_of_one_body(capture_farm):
    """A source captured twice, unchanged: one file, held by the first row, shared by the second."""
    source = factories.SourceFactory(url=capture_farm.page_url("budget", article()))
    first = source_capture(source_id=source.pk, reason=CaptureReason.ON_DEMAND)
    second = source_capture(source_id=source.pk, reason=CaptureReason.ON_DEMAND)
    assert second.duplicate_of == first
    assert default_storage.exists(first.warc.name)
    return source, first


def test_deleting_a_source_removes_its_capture_files_after_commit(capture_farm, django_capture_on_commit_callbacks):
    source, first = two_captures_of_one_body(capture_farm)
    with django_capture_on_commit_callbacks() as callbacks:
        source.delete()
        assert default_storage.exists(first.warc.name)  # not before the deletion commits
    assert not Capture.objects.exists()
    for callback in callbacks:
        callback()
    assert not default_storage.exists(first.warc.name)


def test_a_deletion_rolled_back_keeps_the_file(capture_farm, django_capture_on_commit_callbacks):
    source, first = two_captures_of_one_body(capture_farm)

    @transaction.atomic
    def delete_then_fail():
        source.delete()
        raise RuntimeError("the admin's request failed after the delete")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        delete_then_fail()
    assert Capture.objects.filter(pk=first.pk).exists()
    assert default_storage.exists(first.warc.name)


def test_the_file_holder_cannot_go_alone_while_a_capture_shares_its_file(capture_farm):
    _source, first = two_captures_of_one_body(capture_farm)
    with pytest.raises(RestrictedError), transaction.atomic():
        first.delete()
    assert default_storage.exists(first.warc.name)
