"""The API fuzzed from its own OpenAPI schema (/api/schema/) with schemathesis, anonymous and as a reviewer.

Every operation gets FUZZ_EXAMPLES generated requests per role (environment variable, default 25; CI keeps the
default so the whole file runs in about a minute). Two checks: no 5xx, and every documented response matches
its schema. The requests go in process to the WSGI application, inside the test's transaction, against a
small world of claims, evidence, sources and checks whose ids the generator is steered towards.

The webhooks endpoints are fuzzed too, and the subscriptions they make point wherever the generator says. None is
ever sent to: delivery starts only from on-commit callbacks, and the test's transaction never commits (it is rolled
back, and the handler is kept from closing it); tests.notifications.webhook_rows.nothing_is_sent checks both for
every generated request.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from factcheck.wsgi import application
from notifications.services import webhook_subscribe
from sources.models import Source
from tests import factories
from tests.api.conftest import token_headers
from tests.notifications.webhook_rows import delivery, nothing_is_sent

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def world(db):
    """Rows with small ids, so generated ids hit real claims, evidence, articles and sources now and then."""
    published = factories.PublishedClaimFactory(text="A published statement about OpenAI and 1080p.")
    factories.PublishedClaimFactory(text="Another published statement about OpenAI and 1080p.")
    draft = factories.ClaimFactory(text="A draft statement.", article=published.article)
    evidence = published.evidence.get()
    factories.LinkCheckFactory(source=evidence.source)
    # The reviewer's own subscription (auth_headers signs in as the same user), with a delivery to list.
    fuzzer = factories.ReviewerFactory(username="fuzzer")
    subscription = webhook_subscribe(
        owner=fuzzer, url="https://hooks.example.org/fuzz", events=["claim.published", "tip.received"]
    ).subscription
    delivery(subscription)
    # POST /sources/{id}/capture/ fetches the source's page while the reviewer waits: the world's pages are on
    # loopback (the address guard refuses them), so a fuzzed capture is a failed one and nothing leaves the machine.
    for source in Source.objects.all():
        source.url = f"http://127.0.0.1:9/fuzz/{source.pk}"
        source.save()
    return {
        "id": [published.pk, draft.pk, published.article_id, evidence.source_id, subscription.pk],
        "claim_id": [published.pk],
        "evidence_id": [evidence.pk],
    }


@pytest.fixture(params=["anonymous", "reviewer"])
def auth_headers(request, world):
    if request.param == "anonymous":
        return {}
    return token_headers(factories.ReviewerFactory(username="fuzzer"))


@pytest.fixture
def in_test_transaction(settings):
    """Like Django's test client: the WSGI handler must not close the connection that holds the test's
    transaction at the end of each request. Throttling off: thousands of anonymous requests."""
    settings.API_ANON_THROTTLE_RATE = None
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_conforms_to_its_schema(case, world, auth_headers, in_test_transaction):
    # Generated ids rarely name a row: every other even one is swapped for a real claim, article or source id,
    # so the 200 responses are checked too; odd, negative and huge ones are sent as generated.
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)  # a viewset's id: a string of digits in the schema (lookup_value_regex)
        if name in world and isinstance(value, int) and value >= 0 and value % 2 == 0:
            choices = world[name]
            case.path_parameters[name] = choices[(value // 2) % len(choices)]
    with nothing_is_sent():
        case.call_and_validate(headers=auth_headers, checks=[not_a_server_error, response_schema_conformance])
