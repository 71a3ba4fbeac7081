"""ReadAnyoneWriteReviewers: reads for anyone; a write needs the permissions its view names, else a reviewer's."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from factcheck.api.permissions import ReadAnyoneWriteReviewers


class Unnamed:
    """A view that names no permission for its writes."""


class Named:
    write_permissions = {"POST": ["claims.add_evidence"]}


def allowed(user, method, view) -> bool:
    request = getattr(APIRequestFactory(), method.lower())("/api/v1/anything/")
    request.user = user
    return ReadAnyoneWriteReviewers().has_permission(request, view())


def test_anyone_reads():
    assert allowed(AnonymousUser(), "GET", Unnamed)


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_an_unnamed_write_needs_the_reviewers_permission(method, reviewer, researcher):
    assert ReadAnyoneWriteReviewers.default_write_permissions == ("claims.change_claim",)
    assert allowed(reviewer, method, Unnamed)
    assert not allowed(researcher, method, Unnamed)
    assert not allowed(AnonymousUser(), method, Unnamed)


def test_a_named_write_needs_what_the_view_names(reviewer, researcher):
    assert allowed(reviewer, "POST", Named)
    assert not allowed(researcher, "POST", Named)
    assert allowed(reviewer, "DELETE", Named)  # a method it does not name: the default, which reviewers have


def test_an_inactive_reviewer_may_not_write(reviewer):
    reviewer.is_active = False
    assert not allowed(reviewer, "PATCH", Unnamed)
    assert not allowed(reviewer, "POST", Named)
    assert allowed(reviewer, "GET", Unnamed)
