"""The link checker's flags, as researchers and reviewers see them: needs_attention and needs_recheck."""

import pytest
from django.urls import reverse

from claims.choices import ClaimStatus
from sources.choices import Health
from tests import factories

URL = "/api/v1/claims/"


@pytest.fixture
def flagged(db):
    dead = factories.SourceFactory(health=Health.DEAD)
    dead_archived = factories.SourceFactory(health=Health.DEAD, archive_url="https://web.archive.org/web/2024/x")
    alive = factories.SourceFactory(health=Health.OK)
    orphaned = factories.PublishedClaimFactory(evidence__source=dead)
    archived = factories.PublishedClaimFactory(evidence__source=dead_archived)
    mixed = factories.PublishedClaimFactory(evidence__source=dead)
    factories.EvidenceFactory(claim=mixed, source=alive)
    stale = factories.PublishedClaimFactory(needs_recheck=True)
    return {"orphaned": orphaned, "archived": archived, "mixed": mixed, "stale": stale}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["results"]}


def test_needs_attention_filter_and_field(client, flagged):
    assert ids(client.get(URL, {"needs_attention": "true"})) == {flagged["orphaned"].pk}
    assert flagged["orphaned"].pk not in ids(client.get(URL, {"needs_attention": "false"}))
    rows = {c["id"]: c["needs_attention"] for c in client.get(URL).json()["results"]}
    assert rows == {
        flagged["orphaned"].pk: True,
        flagged["archived"].pk: False,
        flagged["mixed"].pk: False,
        flagged["stale"].pk: False,
    }
    detail = client.get(f"{URL}{flagged['orphaned'].pk}/").json()
    assert detail["needs_attention"] is True


def test_source_health_dead_lists_every_claim_citing_a_dead_source(client, flagged):
    expected = {flagged["orphaned"].pk, flagged["archived"].pk, flagged["mixed"].pk}
    assert ids(client.get(URL, {"source_health": "dead"})) == expected


def test_needs_recheck_filter(client, flagged):
    assert ids(client.get(URL, {"needs_recheck": "true"})) == {flagged["stale"].pk}
    assert client.get(URL).json()["results"][0].keys() >= {"needs_recheck", "needs_attention"}


def test_bad_boolean_is_a_400_naming_the_parameter(client, flagged):
    response = client.get(URL, {"needs_attention": "perhaps"})
    assert response.status_code == 400
    assert "needs_attention" in response.json()


def test_drafts_stay_hidden_from_the_flag_filters(client, flagged):
    draft = factories.ClaimFactory(status=ClaimStatus.DRAFT, needs_recheck=True)
    assert draft.pk not in ids(client.get(URL, {"needs_recheck": "true"}))


def test_admin_filters_by_needs_attention_and_needs_recheck(admin_client, flagged):
    listing = admin_client.get(reverse("admin:claims_claim_changelist"), {"needs_attention": "yes"})
    assert [c.pk for c in listing.context["cl"].result_list] == [flagged["orphaned"].pk]
    listing = admin_client.get(reverse("admin:claims_claim_changelist"), {"needs_recheck__exact": "1"})
    assert [c.pk for c in listing.context["cl"].result_list] == [flagged["stale"].pk]
