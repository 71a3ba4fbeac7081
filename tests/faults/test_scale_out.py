"""Scale-out on PostgreSQL and Celery: the replica router per request, DATABASE_REPLICA_URLS, queue routing.

The replica is a second connection alias, "replica", to the test database (as a streaming replica would hold the
same rows); each request's queries are captured per alias, which proves which connection served it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from factcheck.celery import app as celery_app
from tests import factories
from tests.api.conftest import token_headers

from .conftest import ROOT

AUTH_TABLES = ("authtoken_token", "auth_user", "auth_permission", "auth_group", "django_session", "django_content")


WITH_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup, django_db_blocker):
    """A second alias on the test database (what TEST: {"MIRROR": "default"} gives a configured replica)."""
    connections.settings["replica"] = dict(connections["default"].settings_dict)
    yield
    with django_db_blocker.unblock():
        connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


@pytest.fixture
def replica(settings):
    settings.DATABASE_REPLICAS = ["replica"]
    settings.API_ANON_THROTTLE_RATE = None
    return "replica"


class Served:
    """Queries each alias ran during the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def tables(self, which) -> str:
        return " ".join(q["sql"] for q in which.captured_queries)

    def primary_only_authenticated(self) -> bool:
        return all(any(t in q["sql"] for t in AUTH_TABLES) for q in self.primary.captured_queries)


@pytest.fixture
def data(replica):
    published = factories.PublishedClaimFactory(text="Published, for everyone.")
    draft = factories.ClaimFactory(text="A draft only reviewers see.")
    return published, draft


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    if response.streaming:
        b"".join(response.streaming_content)
        response.close()
    return response


@WITH_REPLICA
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/",
        "/api/v1/claims/?q=Published",
        "/api/v1/claims/export/?format=csv",
        "/api/v1/claims/export/?format=ndjson",
        "/api/v1/claimreview/",
        "/api/v1/sources/",
        "/api/v1/articles/",
    ],
)
def test_anonymous_reads_lists_exports_and_feeds_come_from_the_replica(client, data, url):
    with Served() as served:
        assert _get(client, url).status_code == 200
    assert served.replica.captured_queries, url
    assert served.primary.captured_queries == [], served.tables(served.primary)


@WITH_REPLICA
def test_anonymous_detail_from_the_replica(client, data):
    published, _ = data
    with Served() as served:
        assert client.get(f"/api/v1/claims/{published.pk}/").status_code == 200
    assert "claims_claim" in served.tables(served.replica)
    assert served.primary.captured_queries == []


@WITH_REPLICA
def test_researcher_is_identified_on_the_primary_then_reads_the_replica(client, data, researcher):
    headers = token_headers(researcher)
    with Served() as served:
        response = client.get("/api/v1/claims/", headers=headers)
    assert response.status_code == 200
    assert "claims_claim" in served.tables(served.replica)
    assert "claims_claim" not in served.tables(served.primary)
    assert served.primary_only_authenticated(), served.tables(served.primary)


@WITH_REPLICA
def test_reviewer_reads_and_writes_on_the_primary_and_sees_what_they_saved(client, data, reviewer):
    _, draft = data
    headers = token_headers(reviewer)
    with Served() as served:
        listed = client.get("/api/v1/claims/", headers=headers)
        etag = client.get(f"/api/v1/claims/{draft.pk}/", headers=headers)["ETag"]
        saved = client.patch(
            f"/api/v1/claims/{draft.pk}/",
            data={"text": "Just saved."},
            content_type="application/json",
            headers={**headers, "If-Match": etag},
        )
        reread = client.get(f"/api/v1/claims/{draft.pk}/", headers=headers)
    assert draft.pk in [c["id"] for c in listed.json()["results"]]
    assert saved.status_code == 200
    assert reread.json()["text"] == "Just saved."
    assert served.replica.captured_queries == [], served.tables(served.replica)
    assert "claims_claim" in served.tables(served.primary)


@WITH_REPLICA
def test_a_researchers_own_webhooks_are_read_from_the_primary(client, data, researcher):
    """Their own rows, just written: a lagging replica would hide the subscription made a moment ago."""
    headers = token_headers(researcher)
    with Served() as served:
        made = client.post(
            "/api/v1/webhooks/",
            data={"url": "https://hooks.example.org/in", "events": ["claim.published"]},
            content_type="application/json",
            headers=headers,
        )
        pk = made.json()["id"]
        listed = client.get("/api/v1/webhooks/", headers=headers)
        one = client.get(f"/api/v1/webhooks/{pk}/", headers=headers)
        deliveries = client.get(f"/api/v1/webhooks/{pk}/deliveries/", headers=headers)
    assert made.status_code == 201
    assert [row["id"] for row in listed.json()["results"]] == [pk]
    assert (one.status_code, deliveries.status_code) == (200, 200)
    assert served.replica.captured_queries == [], served.tables(served.replica)
    assert "notifications_webhooksubscription" in served.tables(served.primary)


@WITH_REPLICA
def test_session_reviewer_and_admin_stay_on_the_primary(client, data, reviewer):
    client.force_login(reviewer)
    with Served() as served:
        assert client.get("/api/v1/claims/").status_code == 200
        assert client.get("/admin/claims/claim/").status_code == 200
    assert served.replica.captured_queries == []


@WITH_REPLICA
def test_outside_a_request_everything_is_primary(data, replica):
    with Served() as served:
        assert Claim.objects.count() == 2
    assert served.replica.captured_queries == []
    assert len(served.primary.captured_queries) == 1


def test_without_replicas_the_router_adds_no_query(client, transactional_db, researcher, settings):
    settings.DATABASE_REPLICAS = []
    settings.API_ANON_THROTTLE_RATE = None
    factories.PublishedClaimFactory()
    headers = token_headers(researcher)
    with CaptureQueriesContext(connections["default"]) as queries:
        client.get("/api/v1/claims/", headers=headers)
    token_lookups = [q for q in queries.captured_queries if "authtoken_token" in q["sql"]]
    assert len(token_lookups) == 1  # only DRF's own


def test_database_replica_urls_become_aliases():
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://primary:5432/factcheck",
        "DATABASE_REPLICA_URLS": "postgres://replica-a:5432/factcheck,postgres://replica-b:5432/factcheck",
    }
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({'replicas': s.DATABASE_REPLICAS, "
        "'hosts': {a: d['HOST'] for a, d in s.DATABASES.items()}, 'mirror': s.DATABASES['replica_1']['TEST'], "
        "'health': s.DATABASES['replica_2']['CONN_HEALTH_CHECKS'], 'routers': s.DATABASE_ROUTERS}))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["replicas"] == ["replica_1", "replica_2"]
    assert found["hosts"] == {"default": "primary", "replica_1": "replica-a", "replica_2": "replica-b"}
    assert found["mirror"]["MIRROR"] == "default"
    assert found["health"] is True
    assert found["routers"] == ["factcheck.routers.PrimaryReplicaRouter"]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("sources.tasks.check_source", "linkcheck"),
        ("sources.tasks.check_sources_batch", "linkcheck"),
        ("sources.tasks.check_due_sources", "maintenance"),
        ("claims.tasks.claims_flag_stale", "maintenance"),
        ("notifications.tasks.webhooks_deliver", "webhooks"),
        ("sources.tasks.source_capture", "captures"),
        ("sources.tasks.sources_capture", "captures"),
        ("something.else", "celery"),
    ],
)
def test_tasks_are_routed_to_their_queue(task, queue):
    route = celery_app.amqp.router.route({}, task)
    assert route["queue"].name == queue


QUEUES = {"celery", "linkcheck", "imports", "maintenance", "webhooks", "captures"}


def test_a_worker_without_q_consumes_every_queue():
    assert {q.name for q in celery_app.conf.task_queues} == QUEUES


def test_compose_runs_a_worker_per_queue_group_and_checks_healthz():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed = {}
    for name, service in services.items():
        command = service.get("command", "")
        if isinstance(command, str) and " worker " in f" {command} ":
            queues = command.split(" -Q ")[1].split()[0].split(",")
            consumed.update({queue: name for queue in queues})
    assert set(consumed) == QUEUES
    assert consumed["linkcheck"] == "worker"
    assert consumed["imports"] != consumed["linkcheck"]
    assert consumed["maintenance"] != consumed["linkcheck"]
    assert consumed["webhooks"] not in (consumed["linkcheck"], consumed["imports"], consumed["maintenance"])
    assert consumed["captures"] not in (consumed["linkcheck"], consumed["webhooks"])  # big downloads apart
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
