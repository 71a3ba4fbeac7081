"""A request body sent chunked (no Content-Length) through a real gunicorn: refused with 411, nothing read or written.

Django reads a body only as far as Content-Length says, so without this guard a chunked body would be taken for
an empty one (and a 30 MB one never looked at, whatever its size); the test also pins that the server stays up.
"""

from __future__ import annotations

import requests

from claims.models import Claim
from tests import factories
from tests.api.conftest import token_headers

from .conftest import AppServer, app_env, test_database_url

MB = 1024 * 1024


def test_a_chunked_body_is_refused_with_411_and_nothing_is_written(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes
):
    server = AppServer("chunked-web", app_env(database_url=test_database_url(), redis=throwaway_redis))
    processes.append(server)
    reviewer = factories.ReviewerFactory()
    headers = {**token_headers(reviewer), "Content-Type": "application/json"}

    def body():
        yield b'{"text": "'
        for _ in range(30):
            yield b"x" * MB
        yield b'"}'

    refused = requests.post(server.url("/api/v1/claims/"), data=body(), headers=headers, timeout=60)
    assert refused.status_code == 411
    assert "Content-Length" in refused.json()["detail"]
    assert not Claim.objects.exists()
    # the same claim with its length given is accepted, by the same server
    made = requests.post(
        server.url("/api/v1/claims/"), json={"text": "Said with a length."}, headers=headers, timeout=10
    )
    assert made.status_code == 201, made.text
    assert Claim.objects.get().text == "Said with a length."
