import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from factcheck.api.throttling import AnonThrottle, UserThrottle, sliding_window_wait
from tests import factories

from .conftest import token_headers

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/claims/",
        "/api/v1/claims/{id}/history/",
        "/api/v1/claims/{id}/claimreview/",
        "/api/v1/claimreview/",
        "/api/v1/claims/export/",
        "/api/v1/sources/{id}/checks/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/rotate-secret/",
    ):
        assert f"{path}:" in text


def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_anonymous_requests_are_throttled_with_retry_after(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "3/min"
    AnonThrottle.reset("127.0.0.1")
    factories.PublishedClaimFactory()
    codes = [client.get("/api/v1/claims/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.get("/api/v1/claims/")
    assert refused.status_code == 429
    # A full minute weighs on the next as it slides out: a burst of n waits at most a minute and 1/n of one.
    assert 0 < int(refused["Retry-After"]) <= 60 + 60 / 3


def test_a_made_up_forwarded_for_does_not_dodge_the_limit(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "2/min"
    AnonThrottle.reset("127.0.0.1")
    codes = [
        client.get("/api/v1/claims/", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_behind_our_proxy_the_address_it_saw_is_the_client(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "1/min"
    settings.NUM_PROXIES = 1
    for key in ("198.51.100.7", "198.51.100.8"):
        AnonThrottle.reset(key)
    # A client may prepend anything; our proxy appends the address it saw, and only that one counts.
    first = {"X-Forwarded-For": "10.0.0.1, 198.51.100.7"}
    spoofed = {"X-Forwarded-For": "10.0.0.2, 198.51.100.7"}
    other = {"X-Forwarded-For": "198.51.100.8"}
    assert client.get("/api/v1/claims/", headers=first).status_code == 200
    assert client.get("/api/v1/claims/", headers=spoofed).status_code == 429
    assert client.get("/api/v1/claims/", headers=other).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/claims/export/?format=csv", "/api/v1/claimreview/"])
def test_every_endpoint_counts(client, db, settings, url):
    settings.API_ANON_THROTTLE_RATE = "1/min"
    AnonThrottle.reset("127.0.0.1")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


def test_signed_in_users_are_not_throttled_by_the_anonymous_rate(client, db, settings, researcher_headers):
    settings.API_ANON_THROTTLE_RATE = "1/min"
    AnonThrottle.reset("127.0.0.1")
    assert [client.get("/api/v1/claims/", headers=researcher_headers).status_code for _ in range(3)] == [200] * 3


def test_the_cache_is_redis_when_configured(settings):
    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_the_last_windows_requests_slide_out(client, db, settings):
    if not settings.REDIS_URL:
        pytest.skip("the counted throttle needs REDIS_URL")
    settings.API_ANON_THROTTLE_RATE = "2/min"
    AnonThrottle.reset("127.0.0.1")
    start = 1_900_000_040.0  # 20 s into a minute
    with time_machine.travel(start, tick=False) as traveller:
        assert [client.get("/api/v1/claims/").status_code for _ in range(3)] == [200, 200, 429]
        # Half-way through the next minute the last one's two requests weigh one: room for one more, not two.
        traveller.move_to(start + 70)
        assert [client.get("/api/v1/claims/").status_code for _ in range(2)] == [200, 429]
        # Once the busy minute has slid out, only this minute's one request counts.
        traveller.move_to(start + 100)
        assert client.get("/api/v1/claims/").status_code == 200


def test_refused_requests_do_not_count(client, db, settings):
    if not settings.REDIS_URL:
        pytest.skip("the counted throttle needs REDIS_URL")
    settings.API_ANON_THROTTLE_RATE = "1/min"
    AnonThrottle.reset("127.0.0.1")
    start = 1_900_000_000.0
    with time_machine.travel(start, tick=False) as traveller:
        assert client.get("/api/v1/claims/").status_code == 200
        assert [client.get("/api/v1/claims/").status_code for _ in range(5)] == [429] * 5
        # The allowed request slides out at the end of the next minute, whatever the refusals in between.
        traveller.move_to(start + 120)
        assert client.get("/api/v1/claims/").status_code == 200


@pytest.mark.parametrize(
    ("previous", "current", "into", "expected"),
    [
        (0, 4, 10.0, 65.0),  # this window full: wait for it to end and a quarter of it to slide out
        (4, 0, 0.0, 15.0),  # the last window full: one request fits once a quarter of it has slid out
        (4, 2, 30.0, 15.0),  # half of it slid out already (weighs 2, + 2): one more needs another quarter
        (0, 0, 59.9, 1.0),  # never tells a refused client "now"
    ],
)
def test_sliding_window_wait(previous, current, into, expected):
    wait = sliding_window_wait(previous=previous, current=current, limit=4, duration=60.0, into=into)
    assert wait == pytest.approx(expected)


# --- Signed-in users (issue 14): a rate per user, whatever their address ----------------------------------------


def test_signed_in_users_are_throttled_per_user_with_retry_after(client, db, settings, researcher, reviewer):
    settings.API_USER_THROTTLE_RATE = "3/min"
    for user in (researcher, reviewer):  # ids come round again in the next run's test database
        UserThrottle.reset(str(user.pk))
    factories.PublishedClaimFactory()
    rosa, rita = token_headers(researcher), token_headers(reviewer)
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    codes = [client.get("/api/v1/claims/", REMOTE_ADDR=a, headers=rosa).status_code for a in addresses]
    assert codes == [200, 200, 200, 429]  # a new address does not make a new allowance
    refused = client.get("/api/v1/claims/export/?format=csv", headers=rosa)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60 + 60 / 3
    # Another user, and anonymous requests from the same address, have allowances of their own.
    assert client.get("/api/v1/claims/", REMOTE_ADDR=addresses[0], headers=rita).status_code == 200
    assert client.get("/api/v1/claims/", REMOTE_ADDR=addresses[0]).status_code == 200


def test_the_user_rate_and_the_export_limits_come_from_the_environment():
    names = ("API_USER_THROTTLE_RATE", "API_EXPORT_CONCURRENCY_PER_CLIENT", "API_EXPORT_CONCURRENCY")
    show = "from django.conf import settings as s; print(" + ", ".join(f"s.{n}" for n in names) + ")"

    def shown(**extra: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in names} | extra
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", show],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]  # after the shell's own notes

    assert shown() == "600/min 2 4"
    assert shown(API_USER_THROTTLE_RATE="30/s", API_EXPORT_CONCURRENCY_PER_CLIENT="1", API_EXPORT_CONCURRENCY="8") == (
        "30/s 1 8"
    )
