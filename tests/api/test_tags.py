"""Tags per claim are capped (a 400 naming `tags`), and only a database that cannot be reached is a 503.

65,536 tags once made one query with more parameters than PostgreSQL's protocol allows; psycopg's error is an
OperationalError, which the API took for a lost database: a false "database unavailable" 503.
"""

from __future__ import annotations

import socket

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.test import RequestFactory
from django.urls import reverse

from claims import services
from claims.models import Claim, Tag
from claims.validators import TAGS_MAX_PER_CLAIM
from factcheck.db import database_unreachable
from factcheck.middleware import DatabaseUnavailableMiddleware
from tests.claims.test_admin import form_data

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


def post(client, headers, data):
    return client.post(CLAIMS, data, content_type="application/json", headers=headers)


@pytest.mark.parametrize("count", [TAGS_MAX_PER_CLAIM + 1, 65_535, 65_536, 100_000])
def test_too_many_tags_is_a_400_naming_tags(client, reviewer_headers, count):
    response = post(client, reviewer_headers, {"text": "A claim.", "tags": [f"t{n}" for n in range(count)]})
    assert response.status_code == 400, response.content[:300]
    assert "tags" in response.json()
    assert not Claim.objects.exists()
    assert not Tag.objects.exists()


def test_the_cap_itself_is_accepted_on_create_and_update(client, reviewer_headers):
    tags = [f"t{n}" for n in range(TAGS_MAX_PER_CLAIM)]
    response = post(client, reviewer_headers, {"text": "A claim.", "tags": tags})
    assert response.status_code == 201, response.content[:300]
    claim_id = response.json()["id"]
    assert Claim.objects.get(pk=claim_id).tags.count() == TAGS_MAX_PER_CLAIM
    response = client.patch(
        f"{CLAIMS}{claim_id}/", {"tags": [*tags, "one-more"]}, content_type="application/json", headers=reviewer_headers
    )
    assert response.status_code == 400
    assert "tags" in response.json()
    assert Claim.objects.get(pk=claim_id).tags.count() == TAGS_MAX_PER_CLAIM


def test_the_service_refuses_too_many_tags_for_every_caller(reviewer):
    """Importers and the demo loader write through claim_create: the cap holds there too."""
    with pytest.raises(ValidationError) as refused:
        services.claim_create(user=reviewer, text="A claim.", tags=[f"t{n}" for n in range(TAGS_MAX_PER_CLAIM + 1)])
    assert "tags" in refused.value.message_dict
    assert not Claim.objects.exists()


def test_the_admin_form_refuses_too_many_tags(client, reviewer):
    client.force_login(reviewer)
    tags = Tag.objects.bulk_create([Tag(name=f"t{n}") for n in range(TAGS_MAX_PER_CLAIM + 1)])
    data = form_data(client.get(reverse("admin:claims_claim_add")))
    data.update({"text": "A claim.", "tags": [str(t.pk) for t in tags]})
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "tags" in response.context["adminform"].form.errors
    assert not Claim.objects.exists()


# --- Which database errors are a 503 ----------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _too_many_parameters() -> OperationalError:
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT 1 WHERE 1 IN (" + ", ".join(["%s"] * 65_536) + ")", list(range(65_536)))
    return raised.value


def _refused() -> OperationalError:
    """Django's own connection to a port where nothing listens, as after PostgreSQL went away."""
    settings = {**connection.settings_dict, "PORT": _closed_port(), "OPTIONS": {"connect_timeout": 2}}
    unreachable = type(connections["default"])(settings)  # a wrapper of its own, not the test's
    with pytest.raises(OperationalError) as raised:
        unreachable.ensure_connection()
    return raised.value


def _terminated() -> OperationalError:
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return raised.value


@pytest.mark.django_db(transaction=True)  # _terminated kills the test's own connection
@pytest.mark.parametrize(
    ("make", "unreachable"),
    [(_too_many_parameters, False), (_refused, True), (_terminated, True)],
    ids=["too-many-parameters", "connection-refused", "connection-terminated"],
)
def test_only_a_database_that_cannot_be_reached_is_a_503(make, unreachable):
    connection.ensure_connection()
    exc = make()
    try:
        assert database_unreachable(exc) is unreachable
        response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(RequestFactory().get(CLAIMS), exc)
        assert (response is not None and response.status_code == 503) is unreachable
    finally:
        connection.close()  # a terminated connection is reopened for the next test
