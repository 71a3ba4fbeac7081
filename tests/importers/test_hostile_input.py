"""Hostile and broken input to the importers, through every entry point (the commands, the admin pages, the services):
each bad item is a skipped item with a readable reason, and the rest of the batch is imported.

The table of bad ClaimReview items lives in tests/hardening/test_bad_input.py with the other bad-input tables; these
are the cases that need more than a table row (a whole batch, the exit status, what the lists show afterwards).
"""

import json
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.importers.article import article_data_from_bytes
from claims.importers.base import ParseError, printable
from claims.importers.claimreview import MAX_JSON_DEPTH, load_json, parse_claimreview_text
from claims.importers.runner import claimreviews_import
from claims.importers.services import SKIPPED, article_import
from claims.models import Article, Claim
from tests.api.conftest import token_headers

from .test_claimreview import review

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def good(n: int) -> dict:
    """A review whose claim is unlike the others' (so none is linked to another as "the same claim")."""
    texts = {
        1: "The mayor of Exampletown spent a million dollars on a golden bridge.",
        3: "Drinking seawater cures the common cold within a day.",
        5: "The national rail network was sold to a chocolate company in March.",
    }
    return review(n, claimReviewed=texts[n])


def good_text(n: int) -> str:
    return good(n)["claimReviewed"]


def markdown(*, url: str, body: str = "Body text.", front: str = "") -> bytes:
    return f"---\nurl: {url}\n{front}---\n# A title\n\n{body}\n".encode()


def claim_texts() -> set[str]:
    return set(Claim.objects.values_list("text", flat=True))


# --- Markdown and article files ------------------------------------------------------------------------------


def test_a_nul_after_the_first_8_kb_is_refused_as_binary():
    data = markdown(url="https://news.example.org/nul", body="x" * 9000 + "\x00 and more")
    with pytest.raises(ParseError) as caught:
        article_data_from_bytes(data, name="late-nul.md")
    assert "NUL" in str(caught.value)
    assert not Article.objects.exists()


def test_a_front_matter_language_longer_than_its_column_is_refused_naming_it():
    data = article_data_from_bytes(
        markdown(url="https://news.example.org/lang", front="language: " + "zh-Hans-" * 10 + "\n"), name="a.md"
    )
    with pytest.raises(ParseError) as caught:
        article_import(data=data)
    assert str(caught.value).startswith("language:")
    assert "35" in str(caught.value)
    assert not Article.objects.exists()


def test_control_characters_in_an_article_body_are_refused_as_the_admin_form_refuses_them():
    data = article_data_from_bytes(markdown(url="https://news.example.org/esc", body="Red \x1b[31m text"), name="a.md")
    with pytest.raises(ParseError) as caught:
        article_import(data=data)
    assert str(caught.value).startswith("body:")
    assert "U+001B" in str(caught.value)
    assert not Article.objects.exists()


def test_import_article_command_skips_the_bad_files_imports_the_good_and_exits_1(tmp_path):
    files = {
        "good.md": markdown(url="https://news.example.org/good"),
        "late-nul.md": markdown(url="https://news.example.org/nul", body="x" * 9000 + "\x00"),
        "long-language.md": markdown(url="https://news.example.org/lang", front="lang: " + "x" * 40 + "\n"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_article", *(str(tmp_path / n) for n in files), stdout=out, stderr=err)
    assert caught.value.returncode == 1  # manage.py prints the message and exits 1: no traceback
    assert "2 of 3 inputs could not be imported" in str(caught.value)
    assert "late-nul.md: not imported. file: it is a binary file" in err.getvalue()
    assert "long-language.md: not imported. language: Ensure this value has at most 35 characters" in err.getvalue()
    assert list(Article.objects.values_list("url", flat=True)) == ["https://news.example.org/good"]


def test_admin_article_import_shows_the_language_error_instead_of_a_500(client, reviewer):
    client.force_login(reviewer)
    upload = SimpleUploadedFile("a.md", markdown(url="https://news.example.org/lang", front="lang: " + "x" * 40 + "\n"))
    response = client.post(reverse("admin:claims_article_import"), {"file": upload})
    assert response.status_code == 200
    assert "language: Ensure this value has at most 35 characters" in " ".join(
        response.context["form"].errors["__all__"]
    )
    assert not Article.objects.exists()


# --- ClaimReview: whole documents ----------------------------------------------------------------------------


def test_json_nested_100000_deep_is_one_skipped_input_not_a_recursion_error():
    report = claimreviews_import(
        [("one.json", json.dumps(good(1))), ("deep.json", DEEP.encode()), ("three.json", json.dumps(good(3)))]
    )
    assert [row.action for row in report.rows] == ["created", SKIPPED, "created"]
    assert report.rows[1].label == "deep.json"
    assert "nested too deeply" in report.rows[1].detail
    assert claim_texts() == {good_text(1), good_text(3)}


def test_json_just_past_the_depth_limit_is_refused_and_at_the_limit_is_read():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert load_json(at_limit, what="JSON") is not None
    with pytest.raises(ParseError, match="nested too deeply"):
        load_json("[" + at_limit + "]", what="JSON")
    with pytest.raises(ParseError, match="nested too deeply"):
        load_json('{"a": ' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), what="JSON")


def test_a_number_too_long_to_read_is_a_parse_error_not_a_value_error():
    with pytest.raises(ParseError, match="not valid JSON"):
        load_json('{"ratingValue": ' + "1" * 5000 + "}", what="JSON")


def test_an_ld_json_block_nested_100000_deep_is_skipped_and_the_pages_other_blocks_read():
    page = (
        "<html><head>"
        f'<script type="application/ld+json">{json.dumps(good(1))}</script>'
        f'<script type="application/ld+json">{DEEP}</script>'
        f'<script type="application/ld+json">{json.dumps(good(3))}</script>'
        "</head><body>x</body></html>"
    )
    parsed = parse_claimreview_text(page, source="page.html")
    assert [p.error for p in parsed if p.error] == ["nested too deeply (more than 100 levels)"]
    report = claimreviews_import([("page.html", page)])
    assert report.counts == {"created": 2, SKIPPED: 1}
    assert claim_texts() == {good_text(1), good_text(3)}


# --- ClaimReview: a batch [good, bad, good] through the three entry points -------------------------------------

SURROGATE_BATCH = (
    "["
    + json.dumps(good(1))
    + ","
    + json.dumps(review(2, claimReviewed="Half of a pair: LONE")).replace("LONE", "\\ud800")
    + ","
    + json.dumps(good(3))
    + "]"
)


def assert_batch_result(rows) -> None:
    assert [row.action for row in rows] == ["created", SKIPPED, "created"]
    assert rows[1].detail.startswith("claimReviewed: The text contains a lone surrogate (U+D800")
    assert claim_texts() == {good_text(1), good_text(3)}


def test_service_imports_a_batch_around_a_lone_surrogate():
    report = claimreviews_import([("batch.json", SURROGATE_BATCH.encode())])
    assert_batch_result(report.rows)


def test_command_imports_a_batch_around_a_lone_surrogate(tmp_path):
    (tmp_path / "batch.json").write_text(SURROGATE_BATCH)
    out = StringIO()
    call_command("import_claimreview", str(tmp_path / "batch.json"), stdout=out, stderr=out)  # exit status 0
    text = out.getvalue()
    assert "batch.json [2]  skipped" in text
    assert "claimReviewed: The text contains a lone surrogate (U+D800 at character 17)" in text
    assert "2 created, 0 updated, 0 linked, 0 suggested, 1 skipped" in text
    assert claim_texts() == {good_text(1), good_text(3)}


def test_command_with_nothing_importable_exits_1_with_the_table_and_no_traceback(tmp_path):
    (tmp_path / "deep.json").write_text(DEEP)
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_claimreview", str(tmp_path / "deep.json"), stdout=out, stderr=out)
    assert caught.value.returncode == 1
    assert "nested too deeply" in out.getvalue()
    assert not Claim.objects.exists()


def test_admin_upload_of_the_batch_lists_the_skip_and_the_lists_show_the_good_claims(client, reviewer, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Example Checkers"  # the batch is our own archive, so it may be published
    client.force_login(reviewer)
    upload = SimpleUploadedFile("batch.json", SURROGATE_BATCH.encode())
    response = client.post(
        reverse("admin:claims_claim_import_claimreview"),
        {"files": [upload], "own": "on", "publish": "on"},
        follow=False,
    )
    assert response.status_code == 200
    assert_batch_result(response.context["report"].rows)
    assert response.context["counts"] == {"created": 2, SKIPPED: 1}
    assert "The text contains a lone surrogate (U+D800 at character 17)" in response.content.decode()
    client.logout()
    # What the public sees afterwards: the two good claims, published, in the list and the export.
    listed = client.get("/api/v1/claims/").json()["results"]
    assert {c["text"] for c in listed} == {good_text(1), good_text(3)}
    export = client.get("/api/v1/claims/export/?format=ndjson")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert {json.loads(line)["text"] for line in lines} == {good_text(1), good_text(3)}


def test_a_1000039_character_claim_is_skipped_as_the_api_would_refuse_it(client, reviewer):
    huge = review(2, claimReviewed="x" * 1_000_039)
    report = claimreviews_import([("batch.json", json.dumps([good(1), huge, good(3)]))])
    assert [row.action for row in report.rows] == ["created", SKIPPED, "created"]
    assert report.rows[1].detail == ("claimReviewed: Ensure this value has at most 2000 characters (it has 1000039).")
    # The API's own answer to the same text, for comparison: the same limit.
    response = client.post(
        "/api/v1/claims/",
        {"text": "x" * 1_000_039},
        content_type="application/json",
        headers=token_headers(reviewer),
    )
    assert response.status_code == 400
    assert "2,000" in response.json()["text"][0]


# --- what a report shows ----------------------------------------------------------------------------------------


def test_reports_show_unprintable_characters_escaped():
    assert printable("a\x1b[31mb\ud800c\u202ed\te") == "a\\u001b[31mb\\ud800c\\u202ed\te"
    item = '{"@type": "ClaimReview", "claimReviewed": "A claim.", "url": "https://\\ud800.org/"}'
    report = claimreviews_import([("bad\x1b.json", item)])
    row = report.rows[0]
    assert row.action == SKIPPED
    assert not UNPRINTABLE.search(row.label + row.detail)
    assert "\\u001b" in row.label
    row.detail.encode("utf-8")  # writable to a terminal or a page
