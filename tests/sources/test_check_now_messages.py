""" "Check now" says what it found, excerpt drift included (issue 18): an excerpt that left its page is named."""

import pytest
from django.contrib import messages

from claims.choices import ExcerptStatus
from claims.models import Evidence
from tests import factories

pytestmark = pytest.mark.django_db

EXCERPT = "Officials confirmed the figure on Monday."


def check_now(client, sources):
    response = client.post(
        "/admin/sources/source/", {"action": "check_now", "_selected_action": [s.id for s in sources]}, follow=True
    )
    assert response.status_code == 200
    return [(m.level, str(m)) for m in response.context["messages"]]


def test_check_now_reports_an_excerpt_that_went_missing(farm, admin_client):
    claim = factories.ClaimFactory(text="The figure was confirmed on Monday.")
    live = factories.EvidenceFactory(source=factories.SourceFactory(url=farm.url("/article")), excerpt=EXCERPT)
    drifted = factories.EvidenceFactory(
        claim=claim, source=factories.SourceFactory(url=farm.url("/article?removed=1")), excerpt=EXCERPT
    )
    Evidence.objects.filter(pk__in=[live.pk, drifted.pk]).update(excerpt_status=ExcerptStatus.FOUND)

    shown = check_now(admin_client, [live.source, drifted.source])
    assert shown[0] == (messages.INFO, "Checked 2 sources: 2 OK.")
    level, drift = shown[1]
    assert level == messages.WARNING
    assert drift.startswith("Excerpt drift: the excerpt of 1 piece of evidence is no longer found on its page:")
    assert f'/admin/claims/claim/{claim.pk}/change/">#{claim.pk} The figure was confirmed on Monday.</a>' in drift
    assert farm.url("/article?removed=1") in drift
    assert "<li" not in drift

    # Checked again: still missing, no longer news.
    assert check_now(admin_client, [drifted.source]) == [(messages.INFO, "Checked 1 source: 1 OK.")]
