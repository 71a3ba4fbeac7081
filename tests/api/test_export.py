"""The streamed export: row counts, CSV quoting, NDJSON lines, filters and memory that does not grow."""

import csv
import gc
import io
import json
import tracemalloc

import pytest
from django.http import StreamingHttpResponse

from claims.choices import Verdict
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
