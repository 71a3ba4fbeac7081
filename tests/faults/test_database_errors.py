"""Only a database that cannot be reached is a 503 (issue 14): as deployed, gunicorn with DEBUG off.

65,536 tags in one POST once failed in psycopg with an OperationalError (too many query parameters), which was
answered as "database unavailable". Now the tags are capped (a 400), and a database that truly is away is still
a 503 with Retry-After: a gunicorn pointed at a loopback port where nothing listens.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.api.conftest import token_headers
from tests.factories import ReviewerFactory

from .conftest import AppServer, app_env, free_port, test_database_url

pytestmark = pytest.mark.slow

TAGS = [f"t{n}" for n in range(65_536)]


def _env(database_url: str, redis) -> dict[str, str]:
    return app_env(
        database_url=database_url,
        redis=redis,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=f"faults-{uuid.uuid4().hex}-{uuid.uuid4().hex}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_CONNECT_TIMEOUT="2",
    )


def test_too_many_tags_is_a_400_and_an_unreachable_database_a_503(transactional_db, throwaway_redis, processes):
    headers = token_headers(ReviewerFactory(username="tagger"))

    server = AppServer("tags-web", _env(test_database_url(), throwaway_redis), threads=1)
    processes.append(server)
    response = requests.post(server.url("/api/v1/claims/"), json={"text": "A claim.", "tags": TAGS}, headers=headers)
    assert response.status_code == 400, response.text[:300]
    assert "tags" in response.json()

    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/factcheck"
    away = AppServer("db-away-web", _env(nowhere, throwaway_redis), threads=1)
    processes.append(away)
    for method, body in (("get", None), ("post", {"text": "A claim.", "tags": ["one"]})):
        response = requests.request(method, away.url("/api/v1/claims/"), json=body, headers=headers, timeout=15)
        assert response.status_code == 503, response.text[:300]
        assert response.headers["Retry-After"] == "5"
        assert "database is temporarily unavailable" in response.json()["detail"]
