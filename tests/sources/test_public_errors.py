"""A link check's error text names the hosts and addresses the checker resolved: the public reads the outcome in
words, reviewers read the text (issue 14: `runsc resolves to 127.0.0.1, which is not a public address` was public).

Every check here ends at the guard or on loopback: nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import socket

import pytest

from sources.choices import OUTCOME_FAILURES, Failure, Outcome, check_error_shown, check_reason
from sources.services import source_check
from tests import factories
from tests.api.conftest import token_headers

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: a connection there is refused


def _cited_publicly(url: str):
    claim = factories.PublishedClaimFactory(text="A published statement.")
    source = claim.evidence.get().source
    source.url = url
    source.save()
    return source


def _blocked_by_name(farm, settings):
    # Nothing allowed: `localhost` resolves (as `postgres` would in compose) to a loopback address, and is refused.
    settings.LINKCHECK_ALLOW_NETWORKS = []
    return f"http://localhost:{farm.port}/ok", Outcome.BLOCKED, Failure.BLOCKED, "localhost resolves to"


def _blocked_redirect(farm, settings):
    return farm.url("/to-blocked"), Outcome.BLOCKED, Failure.BLOCKED, "127.0.0.2"


def _refused(farm, settings):
    port = _closed_port()
    return f"http://127.0.0.1:{port}/ok", Outcome.CONNECTION_ERROR, Failure.REFUSED, str(port)


@pytest.mark.parametrize("case", [_blocked_by_name, _blocked_redirect, _refused], ids=lambda c: c.__name__[1:])
def test_public_readers_see_the_outcome_reviewers_the_detail(client, farm, settings, reviewer, researcher, case):
    url, outcome, failure, detail = case(farm, settings)
    source = _cited_publicly(url)
    check = source_check(source_id=source.id)
    assert (check.outcome, check.failure) == (outcome, failure)
    assert detail in check.error  # what the checker said is kept for reviewers

    path = f"/api/v1/sources/{source.pk}/checks/"
    for headers in ({}, token_headers(researcher)):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["outcome"] == outcome
        assert row["error"] == row["reason"] == str(failure.label)
        assert detail not in response.content.decode()
        assert "127.0.0." not in response.content.decode()

    [row] = client.get(path, headers=token_headers(reviewer)).json()["results"]
    assert row["error"] == check.error
    assert row["reason"] == str(failure.label)


def test_every_outcome_has_public_words_and_no_error_stays_empty():
    assert set(OUTCOME_FAILURES) == set(Outcome)
    assert check_reason(outcome=Outcome.OK) == ""
    for outcome in Outcome:
        shown = check_error_shown(outcome=outcome, error="db resolves to 10.0.0.5", detailed=False)
        assert shown
        assert "10.0.0.5" not in shown
        assert "db" not in shown.split()
        assert check_error_shown(outcome=outcome, error="", detailed=False) == ""
        assert check_error_shown(outcome=outcome, error="detail", detailed=True) == "detail"


def test_the_admin_shows_the_checkers_error_text_to_reviewers_only(client, reviewer, researcher):
    """The admin follows the API: a staff researcher reads the outcome's public words, never the internal names."""
    from sources.choices import Outcome
    from tests import factories

    claim = factories.PublishedClaimFactory()
    source = claim.evidence.get().source
    check = factories.LinkCheckFactory(
        source=source, outcome=Outcome.BLOCKED, error="runsc resolves to 127.0.0.1, which is not a public address"
    )
    researcher.is_staff = True
    researcher.save()
    pages = [f"/admin/sources/linkcheck/{check.pk}/change/", f"/admin/sources/source/{source.pk}/change/"]
    client.force_login(researcher)
    for page in pages:
        body = client.get(page).content.decode()
        assert "runsc" not in body, page
        assert "127.0.0.1" not in body, page
    assert client.get("/admin/sources/linkcheck/", {"q": "runsc"}).context["cl"].result_count == 0
    client.force_login(reviewer)
    for page in pages:
        assert "runsc resolves to 127.0.0.1" in client.get(page).content.decode(), page
    assert client.get("/admin/sources/linkcheck/", {"q": "runsc"}).context["cl"].result_count == 1
