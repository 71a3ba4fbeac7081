"""Who may read drafts and write, per endpoint and role; headers in production settings; CORS; the API docs CSP;
admin login lockout; token revocation; no secrets in the repository."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim, Evidence
from tests import factories
from tests.api.conftest import token_headers

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("anonymous", "researcher", "staff", "reviewer", "superuser")
READERS_OF_DRAFTS = {"reviewer", "superuser"}
WRITERS = {"reviewer", "superuser"}


def make_user(role: str):
    if role == "anonymous":
        return None
    if role == "researcher":
        return factories.ResearcherFactory(username="res")
    if role == "staff":  # may log into the admin, holds no permission of ours
        return factories.UserFactory(username="staffer", is_staff=True)
    if role == "reviewer":
        return factories.ReviewerFactory(username="rev")
    return get_user_model().objects.create_superuser("root", "root@example.org", factories.PASSWORD)


@pytest.fixture
def world(db):
    draft = factories.ClaimFactory(text="Draft statement.", article=factories.ArticleFactory(title="Draft-only"))
    draft_evidence = factories.EvidenceFactory(claim=draft, source=factories.SourceFactory(url="https://d.example/"))
    published = factories.PublishedClaimFactory(text="Published statement.")
    factories.EvidenceFactory(claim=published)  # a second piece, so one may be removed
    return {
        "draft": draft.pk,
        "draft_ev": draft_evidence.pk,
        "draft_article": draft.article_id,
        "draft_source": draft_evidence.source_id,
        "published": published.pk,
        "published_ev": published.evidence.order_by("pk").first().pk,
    }


# --- reads of drafts -------------------------------------------------------------------------------------------

DRAFT_READS = [
    "/api/v1/claims/{draft}/",
    "/api/v1/claims/{draft}/history/",
    "/api/v1/claims/{draft}/similar/",
    "/api/v1/claims/{draft}/evidence/{draft_ev}/",
    "/api/v1/claims/{draft}/claimreview/",
    "/api/v1/articles/{draft_article}/",
    "/api/v1/sources/{draft_source}/",
    "/api/v1/sources/{draft_source}/checks/",
]


def _headers(user) -> dict:
    return token_headers(user) if user is not None else {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", DRAFT_READS)
def test_draft_reads_per_role(client, world, role, path):
    user = make_user(role)
    response = client.get(path.format(**world), headers=_headers(user))
    if path.endswith("claimreview/"):
        assert response.status_code == 404  # only published claims have a ClaimReview, whoever asks
    elif role in READERS_OF_DRAFTS:
        assert response.status_code == 200, response.content[:300]
    else:
        assert response.status_code == 404, response.content[:300]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/claims/", "/api/v1/claims/export/?format=ndjson", "/api/v1/claimreview/", "/api/v1/claims/?status=draft"],
)
def test_lists_show_drafts_to_reviewers_only(client, world, role, path):
    user = make_user(role)
    response = client.get(path, headers=_headers(user))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    shows_draft = b"Draft statement." in body
    assert shows_draft == (role in READERS_OF_DRAFTS and "claimreview" not in path)


# --- writes ----------------------------------------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/claims/", {"text": "New claim."}, 201),
    ("patch", "/api/v1/claims/{published}/", {"explanation": "Corrected.", "correction_note": "Fixed."}, 200),
    ("patch", "/api/v1/claims/{draft}/", {"verdict": "false"}, 200),
    ("post", "/api/v1/claims/{draft}/evidence/", {"url": "https://new.example.org/"}, 201),
    ("delete", "/api/v1/claims/{published}/evidence/{published_ev}/", None, 204),
    ("put", "/api/v1/claims/{draft}/", {"text": "Replaced."}, 405),
    ("delete", "/api/v1/claims/{draft}/", None, 405),
    ("post", "/api/v1/articles/", {"url": "https://x.example/"}, 405),
    ("patch", "/api/v1/sources/{draft_source}/", {"title": "x"}, 405),
    ("delete", "/api/v1/sources/{draft_source}/", None, 405),
    ("post", "/api/v1/claimreview/", {}, 405),
]


def _fingerprint():
    return (
        list(Claim.objects.order_by("pk").values_list("pk", "version", "verdict", "explanation", "text")),
        list(Evidence.objects.order_by("pk").values_list("pk", "claim_id", "source_id")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "allowed"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES])
def test_writes_per_role(client, world, role, method, path, body, allowed):
    user = make_user(role)
    before = _fingerprint()
    kwargs = {"headers": _headers(user)}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(client, method)(path.format(**world), **kwargs)
    if role == "anonymous":
        assert response.status_code == 401  # token auth first: WWW-Authenticate tells the client what to send
        assert response["WWW-Authenticate"].startswith("Token")
    elif role in WRITERS:
        assert response.status_code == allowed, response.content[:300]
    elif "/claims/{draft}/" in path and method in ("post", "patch"):
        assert response.status_code in (403, 404)  # a draft is invisible to them anyway
    else:
        assert response.status_code == 403, response.content[:300]
    if not (role in WRITERS and allowed < 400):
        assert _fingerprint() == before


@pytest.mark.parametrize("role", ["researcher", "staff"])
def test_session_writes_need_the_permission_and_csrf(client, world, role):
    user = make_user(role)
    user.is_staff = True
    user.save()
    client.force_login(user)
    before = _fingerprint()
    response = client.patch(
        f"/api/v1/claims/{world['published']}/", {"explanation": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    change = reverse("admin:claims_claim_change", args=[world["published"]])
    assert client.post(change, {"text": "Hijacked", "version": 1}).status_code == 403
    assert _fingerprint() == before


def test_session_write_without_csrf_token_is_refused(world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user("reviewer"))
    response = csrf_client.patch(
        f"/api/v1/claims/{world['draft']}/", {"verdict": "false"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_admin_per_role(client, world, role):
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    changelist = client.get(reverse("admin:claims_claim_changelist"))
    if role == "anonymous":
        assert changelist.status_code == 302
        assert "/admin/login/" in changelist["Location"]
    elif role == "researcher":
        assert changelist.status_code == 302  # not staff: the admin is not theirs
    elif role == "staff":
        assert changelist.status_code == 403
    else:
        assert changelist.status_code == 200


# --- tokens ----------------------------------------------------------------------------------------------------


def test_a_revoked_token_is_refused(client, world):
    reviewer = make_user("reviewer")
    headers = token_headers(reviewer)
    path = f"/api/v1/claims/{world['draft']}/"
    assert client.get(path, headers=headers).status_code == 200
    admin = make_user("superuser")
    client.force_login(admin)
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[reviewer.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    client.logout()
    assert not Token.objects.filter(user=reviewer).exists()
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert client.patch(path, {"verdict": "false"}, content_type="application/json", headers=headers).status_code == 401


def test_a_deactivated_users_token_is_refused(client, world):
    reviewer = make_user("reviewer")
    headers = token_headers(reviewer)
    reviewer.is_active = False
    reviewer.save()
    assert client.get(f"/api/v1/claims/{world['draft']}/", headers=headers).status_code == 401


# --- admin login lockout (django-axes) ---------------------------------------------------------------------------


def test_admin_login_is_locked_after_repeated_failures(client, db, settings):
    user = factories.ReviewerFactory(username="lockme")
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "lockme", "password": "wrong"})
        assert response.status_code == 200  # the form again, "enter a correct username and password"
    response = client.post(login, {"username": "lockme", "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    # Locked: even the right password is refused, with the same message.
    response = client.post(login, {"username": "lockme", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    factories.ReviewerFactory(username="other")
    assert client.post(login, {"username": "other", "password": factories.PASSWORD}).status_code == 302
    client.logout()
    # After the cool-off the right password works again.
    with time_machine.travel(dt.datetime.now(dt.UTC) + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        response = client.post(login, {"username": "lockme", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_made_up_forwarded_for_does_not_dodge_the_lockout(client, db, settings):
    factories.ReviewerFactory(username="target")
    login = reverse("admin:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "target", "password": "wrong"}, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    response = client.post(
        login, {"username": "target", "password": factories.PASSWORD}, headers={"X-Forwarded-For": "203.0.113.99"}
    )
    assert response.status_code == 429


def test_a_good_login_resets_the_failure_count(client, db, settings):
    factories.ReviewerFactory(username="typo")
    login = reverse("admin:login")
    for _ in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            client.post(login, {"username": "typo", "password": "wrong"})
        assert client.post(login, {"username": "typo", "password": factories.PASSWORD}).status_code == 302
        client.logout()


# --- CORS --------------------------------------------------------------------------------------------------------

ORIGIN = "https://researcher.example.net"


def test_cross_origin_get_of_the_public_api_is_allowed_without_credentials(client, world):
    response = client.get("/api/v1/claims/", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    detail = client.get(f"/api/v1/claims/{world['published']}/", headers={"Origin": ORIGIN})
    assert detail["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in detail["Access-Control-Expose-Headers"]


def test_preflight_allows_get_only(client, db):
    get = client.options("/api/v1/claims/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert get.status_code == 200
    assert get["Access-Control-Allow-Origin"] == "*"
    allowed = {m.strip() for m in get["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        preflight = client.options(
            "/api/v1/claims/1/",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        # A browser sends the write only if the method and the Authorization header are both allowed: neither is.
        assert method not in preflight.get("Access-Control-Allow-Methods", "")
        assert "authorization" not in preflight.get("Access-Control-Allow-Headers", "").lower()
        assert "Access-Control-Allow-Credentials" not in preflight


@pytest.mark.parametrize("path", ["/admin/login/", "/api/schema/", "/api/docs/"])
def test_nothing_but_the_api_is_cors_enabled(client, db, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight


# --- the API docs page: Swagger UI from our own static files under a strict CSP ------------------------------------


def test_api_docs_page_has_a_strict_csp_and_loads_nothing_from_elsewhere(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in csp
    html = response.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    external = re.findall(r'(?:src|href)="(https?:)?//', html)
    assert not external, external
    initialiser = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(initialiser)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.slow
def test_api_docs_render_in_a_browser_without_csp_violations(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does this where it can).")
    messages, outside = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: messages.append(m.text))
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url)
                    if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
                    else None
                ),
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "factcheck API" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(".opblock", timeout=20_000)
        finally:
            browser.close()
    assert not [m for m in messages if "Content Security Policy" in m], messages
    assert outside == []


# --- production settings: headers and cookies ---------------------------------------------------------------------

PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import override_settings
# Headers are the point here, not the static manifest (collectstatic runs at deploy time).
override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
c = Client(HTTP_HOST="factcheck.example.org")
out = {}
r = c.get("/admin/login/", secure=True)
out["login"] = {"status": r.status_code, "headers": dict(r.headers),
                "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"]),
                                "samesite": v["samesite"]} for k, v in r.cookies.items()}}
r = c.get("/api/docs/", secure=True)
out["docs"] = {"status": r.status_code, "headers": dict(r.headers)}
r = c.get("/api/docs/", secure=False)
out["plain_http"] = {"status": r.status_code, "location": r.headers.get("Location")}
r = c.get("/api/docs/", secure=True, HTTP_HOST="evil.example.com")
out["bad_host"] = {"status": r.status_code}
print(json.dumps(out))
"""


def test_production_settings_send_security_headers_and_secure_cookies():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "a-real-looking-secret-key-for-tests-0123456789",
        DJANGO_ALLOWED_HOSTS="factcheck.example.org",
        DJANGO_SETTINGS_MODULE="factcheck.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    login = out["login"]
    assert login["status"] == 200
    headers = login["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf = login["cookies"]["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
    docs = out["docs"]["headers"]
    assert "Content-Security-Policy" in docs
    assert "Strict-Transport-Security" in docs
    assert out["plain_http"] == {"status": 301, "location": "https://factcheck.example.org/api/docs/"}
    assert out["bad_host"]["status"] == 400


def test_session_cookie_is_secure_and_httponly_in_production():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="y" * 50, DJANGO_ALLOWED_HOSTS="factcheck.example.org")
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.DEBUG]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "factcheck.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True, True, True, False]


# --- no secrets in the repository ---------------------------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),  # GitHub tokens
    re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"sk_live_[A-Za-z0-9]{20,}"),  # Stripe
    re.compile(r"""SECRET_KEY\s*=\s*["'](?!django-insecure)[^"'\s]{20,}["']"""),
    re.compile(r"postgres(?:ql)?://[^:/\s]+:(?!pass@|password@|\$|\{)[^@\s]{3,}@"),  # a url with a real password
]


def test_no_secrets_in_tracked_files():
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    found = []
    for name in filter(None, files):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000 or path.suffix in {".png", ".jpg", ".ico"}:
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}: {m.group(0)[:40]}" for p in SECRET_PATTERNS for m in p.finditer(text)]
    assert found == []


def test_tokens_are_not_in_the_repository_or_logs(world, client, caplog):
    """A token sent with a request is not written to the log, even when the request fails."""
    reviewer = make_user("reviewer")
    headers = token_headers(reviewer)
    client.patch(
        f"/api/v1/claims/{world['draft']}/", data=b"{bad json", content_type="application/json", headers=headers
    )
    assert Token.objects.get(user=reviewer).key not in caplog.text


def test_verdict_and_status_choices_still_cover_the_matrix():
    # The write matrix above uses these values; a renamed choice should fail here, not silently pass a 400.
    assert "false" in Verdict.values
    assert ClaimStatus.PUBLISHED == "published"


# --- forwarded headers: only our proxy may say who the client is (issue 14) ----------------------------------------
# docker-compose.yml set DJANGO_NUM_PROXIES=1 and published gunicorn, so a client reaching it directly chose its own
# X-Forwarded-For: 20 wrong passwords from rotating addresses, then a login; 130 requests, none throttled.

PROXY = "172.30.80.10"  # docker-compose.yml's proxy, at its fixed address
OUTSIDER = "198.51.100.20"  # a client that reaches gunicorn without the proxy
COMPOSE_TRUSTED = [f"{PROXY}/32"]
DEFAULT_TRUSTED = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]


@pytest.fixture
def behind_compose_proxy(settings):
    """docker-compose.yml's settings: one proxy, trusted at its address only."""
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXY_NETWORKS = COMPOSE_TRUSTED


# (id, peer, X-Forwarded-For or None, NUM_PROXIES, trusted networks, the client address the app must use)
CLIENT_ADDRESS_CASES = [
    ("direct", OUTSIDER, None, 1, COMPOSE_TRUSTED, OUTSIDER),
    ("direct-names-another-address", OUTSIDER, "203.0.113.9", 1, COMPOSE_TRUSTED, OUTSIDER),
    ("direct-names-loopback", OUTSIDER, "127.0.0.1", 1, COMPOSE_TRUSTED, OUTSIDER),
    ("direct-names-the-proxy", OUTSIDER, PROXY, 1, COMPOSE_TRUSTED, OUTSIDER),
    ("direct-names-a-chain", OUTSIDER, "203.0.113.9, 203.0.113.10", 2, COMPOSE_TRUSTED, OUTSIDER),
    ("proxy-sets-it", PROXY, "203.0.113.9", 1, COMPOSE_TRUSTED, "203.0.113.9"),
    ("proxy-appends-to-a-lie", PROXY, "10.9.9.9, 203.0.113.9", 1, COMPOSE_TRUSTED, "203.0.113.9"),
    ("proxy-ipv6-client", PROXY, "2001:db8::7", 1, COMPOSE_TRUSTED, "2001:db8::7"),
    ("proxy-peer-ipv4-mapped", f"::ffff:{PROXY}", "203.0.113.9", 1, COMPOSE_TRUSTED, "203.0.113.9"),
    ("proxy-sends-none", PROXY, None, 1, COMPOSE_TRUSTED, PROXY),
    ("proxy-sends-empty", PROXY, "", 1, COMPOSE_TRUSTED, PROXY),
    ("proxy-sends-garbage", PROXY, "unknown", 1, COMPOSE_TRUSTED, PROXY),
    ("proxy-but-num-proxies-0", PROXY, "203.0.113.9", 0, COMPOSE_TRUSTED, PROXY),
    ("two-proxies", PROXY, "203.0.113.9, 172.30.80.11", 2, ["172.30.80.0/24"], "203.0.113.9"),
    ("two-proxies-client-lies", PROXY, "6.6.6.6, 203.0.113.9, 172.30.80.11", 2, ["172.30.80.0/24"], "203.0.113.9"),
    ("two-proxies-counted-one", PROXY, "203.0.113.9, 172.30.80.11", 1, ["172.30.80.0/24"], "172.30.80.11"),
    ("default-networks-private-proxy", "10.1.2.3", "203.0.113.9", 1, DEFAULT_TRUSTED, "203.0.113.9"),
    ("default-networks-public-peer", OUTSIDER, "203.0.113.9", 1, DEFAULT_TRUSTED, OUTSIDER),
]


@pytest.mark.parametrize(
    ("peer", "forwarded", "num_proxies", "trusted", "expected"),
    [case[1:] for case in CLIENT_ADDRESS_CASES],
    ids=[case[0] for case in CLIENT_ADDRESS_CASES],
)
def test_client_address_per_peer_and_header(rf, settings, peer, forwarded, num_proxies, trusted, expected):
    from factcheck.security import client_ip

    settings.NUM_PROXIES = num_proxies
    settings.TRUSTED_PROXY_NETWORKS = trusted
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    assert client_ip(rf.get("/", REMOTE_ADDR=peer, **headers)) == expected


def test_the_default_trusted_networks_are_the_settings_defaults():
    # DEFAULT_TRUSTED above stands for the setting's default, which the test run may override from the environment.
    from factcheck import settings as project_settings

    assert project_settings._PRIVATE_NETWORKS == DEFAULT_TRUSTED


def test_a_direct_client_cannot_dodge_the_lockout_by_naming_addresses(db, settings, behind_compose_proxy):
    from axes.models import AccessAttempt
    from django.test import Client

    factories.ReviewerFactory(username="target")
    login = reverse("admin:login")
    direct = Client(REMOTE_ADDR=OUTSIDER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        direct.post(login, {"username": "target", "password": "wrong"}, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    response = direct.post(
        login, {"username": "target", "password": factories.PASSWORD}, headers={"X-Forwarded-For": "203.0.113.99"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in direct.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OUTSIDER}


def test_a_direct_client_cannot_dodge_the_throttle_by_naming_addresses(db, settings, behind_compose_proxy):
    from django.test import Client

    from factcheck.api.throttling import AnonThrottle

    settings.API_ANON_THROTTLE_RATE = "3/min"
    names = [f"203.0.113.{n}" for n in range(6)]
    for ident in (OUTSIDER, *names):
        AnonThrottle.reset(ident)
    direct = Client(REMOTE_ADDR=OUTSIDER)
    codes = [direct.get("/api/v1/claims/", headers={"X-Forwarded-For": name}).status_code for name in names]
    assert codes == [200, 200, 200, 429, 429, 429]
    AnonThrottle.reset(OUTSIDER)


def test_behind_the_proxy_the_lockout_and_throttle_count_the_address_it_saw(db, settings, behind_compose_proxy):
    from axes.models import AccessAttempt
    from django.test import Client

    from factcheck.api.throttling import AnonThrottle

    factories.ReviewerFactory(username="shared")
    login = reverse("admin:login")
    proxied = Client(REMOTE_ADDR=PROXY)
    attacker, colleague = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        proxied.post(login, {"username": "shared", "password": "wrong"}, headers=attacker)
    right = {"username": "shared", "password": factories.PASSWORD}
    assert proxied.post(login, right, headers=attacker).status_code == 429
    # The lockout is the attacker's: the same user, from another address behind the same proxy, signs in.
    assert proxied.post(login, right, headers=colleague).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}

    settings.API_ANON_THROTTLE_RATE = "2/min"
    for ident in ("203.0.113.7", "203.0.113.8", PROXY):
        AnonThrottle.reset(ident)
    anonymous = Client(REMOTE_ADDR=PROXY)
    codes = [anonymous.get("/api/v1/claims/", headers=attacker).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert anonymous.get("/api/v1/claims/", headers=colleague).status_code == 200
    for ident in ("203.0.113.7", "203.0.113.8"):
        AnonThrottle.reset(ident)


def test_only_the_proxy_may_say_a_request_came_over_https(db, settings, behind_compose_proxy):
    # Production believes X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER): from anyone but the proxy it is dropped.
    from django.test import Client

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    https = {"X-Forwarded-Proto": "https"}
    direct = Client(REMOTE_ADDR=OUTSIDER).get("/api/v1/claims/", headers=https)
    assert direct.status_code == 301
    assert direct["Location"].startswith("https://")
    assert Client(REMOTE_ADDR=PROXY).get("/api/v1/claims/", headers=https).status_code == 200


# --- /healthz: the status for everyone, the details for staff and allowed networks (issue 14) -------------------

ALLOWED_MONITOR = "192.0.2.5"  # a monitoring host in HEALTHZ_ALLOW_NETWORKS below

# (id, peer, X-Forwarded-For or None, signed in as, whether the details are shown)
HEALTHZ_CASES = [
    ("anonymous-outsider", OUTSIDER, None, None, False),
    ("outsider-names-loopback", OUTSIDER, "127.0.0.1", None, False),
    ("outsider-names-the-monitor", OUTSIDER, ALLOWED_MONITOR, None, False),
    ("outsider-through-the-proxy", PROXY, OUTSIDER, None, False),
    ("the-proxy-itself-is-not-a-monitor", PROXY, None, None, False),
    ("loopback", "127.0.0.1", None, None, True),
    ("monitor-direct", ALLOWED_MONITOR, None, None, True),
    ("monitor-through-the-proxy", PROXY, ALLOWED_MONITOR, None, True),
    ("researcher-outsider", OUTSIDER, None, "researcher", False),
    ("staff-outsider", OUTSIDER, None, "staff", True),
    ("reviewer-outsider", OUTSIDER, None, "reviewer", True),
]


@pytest.mark.parametrize(
    ("peer", "forwarded", "role", "details"),
    [case[1:] for case in HEALTHZ_CASES],
    ids=[case[0] for case in HEALTHZ_CASES],
)
def test_healthz_details_per_client(db, settings, behind_compose_proxy, peer, forwarded, role, details):
    from django.test import Client

    settings.HEALTHZ_ALLOW_NETWORKS = ["127.0.0.0/8", "::1/128", "192.0.2.0/24"]
    client = Client(REMOTE_ADDR=peer)
    if role is not None:
        client.force_login(make_user(role))
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    response = client.get("/healthz", headers=headers)
    assert response.status_code in (200, 503)
    body = response.json()
    assert body["status"] in ("ok", "degraded", "down")
    if details:
        assert {"database", "redis", "queues", "beat"} <= set(body)
    else:
        assert set(body) == {"status"}


def test_healthz_never_tells_an_outsider_the_database_error(db, settings, monkeypatch):
    from django.test import Client

    from factcheck import healthz

    error = 'connection to server at "10.1.2.3", port 5432 failed: password authentication failed for user "fc"'
    monkeypatch.setattr(healthz, "check_databases", lambda: {"default": {"ok": False, "error": error, "ms": 1.0}})
    outsider = Client(REMOTE_ADDR=OUTSIDER).get("/healthz")
    assert outsider.status_code == 503
    assert outsider.json() == {"status": "down"}
    assert b"10.1.2.3" not in outsider.content
    assert b"password" not in outsider.content
    # The same request from loopback (compose's own healthcheck, an operator on the host) gets the detail.
    local = Client(REMOTE_ADDR="127.0.0.1").get("/healthz")
    assert local.status_code == 503
    assert local.json()["database"]["default"]["error"] == error


# --- internal names in link-check errors (issue 14) --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_link_check_error_detail_per_role(client, world, role):
    """The checker's text names what it resolved (`postgres resolves to 172.18.0.3`): reviewers only."""
    from sources.choices import Failure, Outcome

    source = Claim.objects.get(pk=world["published"]).evidence.order_by("pk").first().source
    detail = "postgres resolves to 172.18.0.3, which is not a public address; not fetched."
    factories.LinkCheckFactory(source=source, outcome=Outcome.BLOCKED, error=detail)
    response = client.get(f"/api/v1/sources/{source.pk}/checks/", headers=_headers(make_user(role)))
    assert response.status_code == 200
    [check] = response.json()["results"]
    if role in READERS_OF_DRAFTS:
        assert check["error"] == detail
    else:
        assert check["error"] == str(Failure.BLOCKED.label)
        assert b"172.18.0.3" not in response.content
        assert b"postgres" not in response.content


# --- the public history and the admin follow the visibility rule (issue 14) ---------------------------------------

RE_REVIEW_NOTE = "Source named during re-review."


@pytest.mark.usefixtures("one_person_desk")
@pytest.mark.parametrize("role", ROLES)
def test_public_history_per_role(client, world, role):
    """A published claim moved back to review, edited and published again: the text written in review is in its
    history for readers of drafts only; everyone else sees the previous public state as 'from'."""
    from claims import services

    claim_id = world["published"]
    services.claim_update(claim_id=claim_id, user=None, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=claim_id, user=None, data={"explanation": RE_REVIEW_NOTE})
    services.claim_update(
        claim_id=claim_id, user=None, data={"explanation": "Fixed.", "status": "published"}, correction_note="Fixed."
    )
    response = client.get(f"/api/v1/claims/{claim_id}/history/", headers=_headers(make_user(role)))
    assert response.status_code == 200
    assert (RE_REVIEW_NOTE.encode() in response.content) == (role in READERS_OF_DRAFTS)
    assert (b'"in_review"' in response.content) == (role in READERS_OF_DRAFTS)


ADMIN_DRAFT_READS = [
    ("admin:claims_claim_change", "draft"),
    ("admin:claims_claim_history", "draft"),
    ("admin:claims_evidence_change", "draft_ev"),
    ("admin:claims_article_change", "draft_article"),
    ("admin:claims_article_history", "draft_article"),
    ("admin:sources_source_change", "draft_source"),
    ("admin:sources_source_history", "draft_source"),
]
ADMIN_ROLES = ("researcher", "reviewer", "superuser")  # each given admin access (is_staff)


def _admin_login(client, role: str):
    user = make_user(role)
    user.is_staff = True
    user.save()
    client.force_login(user)


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(("name", "key"), ADMIN_DRAFT_READS, ids=[n for n, _ in ADMIN_DRAFT_READS])
def test_admin_draft_reads_per_role(client, world, role, name, key):
    """A staff researcher gets from the admin what their API token gets: the draft is not there."""
    _admin_login(client, role)
    response = client.get(reverse(name, args=[world[key]]))
    if role in READERS_OF_DRAFTS:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 404)  # the admin's "doesn't exist" (to its home), or not found
        assert b"Draft statement." not in response.content


def test_admin_record_page_of_a_draft_per_role(client, world):
    record = Claim.history.model.objects.filter(id=world["draft"]).latest("history_id")
    url = reverse("admin:claims_claim_simple_history", args=[world["draft"], record.history_id])
    for role in ADMIN_ROLES:
        _admin_login(client, role)
        assert client.get(url).status_code == (200 if role in READERS_OF_DRAFTS else 404), role


def _autocomplete(model_name: str, field_name: str, term: str) -> dict:
    return {"app_label": "claims", "model_name": model_name, "field_name": field_name, "term": term}


ADMIN_DRAFT_LISTS = [
    # (admin url name, query, what only a reader of drafts finds there)
    ("admin:claims_claim_changelist", {}, b"Draft statement."),
    ("admin:claims_evidence_changelist", {}, b"https://d.example/"),
    ("admin:claims_article_changelist", {}, b"Draft-only"),
    ("admin:sources_source_changelist", {}, b">d.example<"),  # its domain column
    ("admin:autocomplete", _autocomplete("evidence", "claim", "Draft"), b"Draft statement."),
    ("admin:autocomplete", _autocomplete("claim", "article", "Draft"), b"Draft-only"),
    ("admin:autocomplete", _autocomplete("evidence", "source", "d.example"), b"Source page"),
]


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(
    ("name", "query", "secret"),
    ADMIN_DRAFT_LISTS,
    ids=[f"{n} {q.get('model_name', '')}" for n, q, _ in ADMIN_DRAFT_LISTS],
)
def test_admin_lists_show_drafts_to_reviewers_only(client, world, role, name, query, secret):
    _admin_login(client, role)
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    assert (secret in response.content) == (role in READERS_OF_DRAFTS)
