"""Two reviewers saving the same claim: the second is refused and told why, and nothing of the first is lost.

In the admin and the API alike (a claim carries a version; the admin form and the API's ETag name the one the
reviewer saw). Two PATCHes sent at once with the same ETag through a real gunicorn with several threads: exactly
one 200 and one 412, every time (tests/api/test_writes.py does the same through the test client).
"""

from __future__ import annotations

import threading

import pytest
import requests

from claims.models import Claim
from tests import factories
from tests.api.conftest import token_headers
from tests.claims.test_admin import change_url, form_data

from .conftest import AppServer, app_env, test_database_url

pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_admin_then_api_and_api_then_admin(client, reviewer, other_reviewer):
    claim = factories.ClaimFactory(text="The original text.")
    client.force_login(reviewer)
    stale = form_data(client.get(change_url(claim)))  # Rita opens the claim in the admin (version 1)

    # Omar saves through the API first.
    headers = {**token_headers(other_reviewer), "If-Match": f'"claim-{claim.pk}-v1"'}
    saved = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        data={"explanation": "Omar's reasoning."},
        content_type="application/json",
        headers=headers,
    )
    assert saved.status_code == 200

    # Rita's admin save is refused, with who and what to do; Omar's text stays.
    stale["explanation"] = "Rita's reasoning."
    refused = client.post(change_url(claim), stale)
    assert refused.status_code == 200
    message = " ".join(refused.context["adminform"].form.non_field_errors())
    assert "changed by omar since you opened it" in message
    assert "nothing was saved" in message
    claim.refresh_from_db()
    assert (claim.explanation, claim.version) == ("Omar's reasoning.", 2)

    # The other way round: Rita saves in the admin (version 3), Omar's PATCH on version 2 gets a 412 saying why.
    fresh = form_data(client.get(change_url(claim)))
    fresh["explanation"] = "Rita's reasoning, after reading Omar's."
    assert client.post(change_url(claim), fresh).status_code == 302
    late = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        data={"explanation": "Omar again."},
        content_type="application/json",
        headers={**token_headers(other_reviewer), "If-Match": f'"claim-{claim.pk}-v2"'},
    )
    assert late.status_code == 412
    assert "changed by rita since you opened it" in late.json()["detail"]
    claim.refresh_from_db()
    assert (claim.explanation, claim.version) == ("Rita's reasoning, after reading Omar's.", 3)


def test_two_patches_at_once_through_gunicorn_one_200_one_412(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes
):
    server = AppServer("concurrent-web", app_env(database_url=test_database_url(), redis=throwaway_redis), threads=4)
    processes.append(server)
    rita = factories.ReviewerFactory(username="rita")
    omar = factories.ReviewerFactory(username="omar")
    claim = factories.ClaimFactory(text="The original text.")
    url = server.url(f"/api/v1/claims/{claim.pk}/")
    for round_ in range(5):
        etag = requests.get(url, headers=token_headers(rita), timeout=10).headers["ETag"]
        barrier = threading.Barrier(2)
        results: dict[str, requests.Response] = {}

        def write(user, text, etag=etag, barrier=barrier, results=results):
            headers = {**token_headers(user), "If-Match": etag}
            barrier.wait()
            results[text] = requests.patch(url, json={"text": text}, headers=headers, timeout=30)

        writers = [
            threading.Thread(target=write, args=(user, f"{user.username}'s text, round {round_}"))
            for user in (rita, omar)
        ]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200, 412], {t: (r.status_code, r.text[:200]) for t, r in results.items()}
        winner = next(text for text, r in results.items() if r.status_code == 200)
        loser = next(r for r in results.values() if r.status_code == 412)
        assert "since you opened it" in loser.json()["detail"]
        claim.refresh_from_db()
        assert claim.text == winner
        assert claim.version == round_ + 2
    assert Claim.history.filter(id=claim.pk).count() == 6  # created + one save per round: nothing else written
