"""The real-world ClaimReview sample stays usable: every review has a careful verdict on our scale, every
verdict names a review that is in the files, every file has its provenance, and the report runs on it."""

import importlib.util
from pathlib import Path

import pytest

from claims.choices import Verdict

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "realworld"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location(
        "claimreview_sample_report", ROOT / "scripts" / "claimreview_sample_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_review_in_the_files_has_one_truth_row_and_back(report):
    truth = report.load_truth(SAMPLE)
    in_files = {
        (review.file, review.index)
        for path in SAMPLE.iterdir()
        if path.suffix in report.SAMPLE_SUFFIXES
        for review in report.read_source(path)
    }
    assert in_files == set(truth)


def test_truth_rows_match_the_reviews_they_name(report):
    truth = report.load_truth(SAMPLE)
    for path in SAMPLE.iterdir():
        if path.suffix not in report.SAMPLE_SUFFIXES:
            continue
        for review in report.read_source(path):
            row = truth[(review.file, review.index)]
            assert row["review_url"] == review.review_url, (review.file, review.index)
            assert row["claim_reviewed_60"] == review.claim_text[:60].strip(), (review.file, review.index)
            assert row["rating_label"] == review.label, (review.file, review.index)


def test_careful_verdicts_are_on_our_scale(report):
    scale = {verdict.value for verdict in Verdict} | {"unrated"}  # issue 15 adds unrated where it is missing
    assert {row["careful_verdict"] for row in report.load_truth(SAMPLE).values()} <= scale


def test_every_sample_file_says_where_it_comes_from(report):
    sources = (SAMPLE / "SOURCES.md").read_text(encoding="utf-8")
    for path in SAMPLE.iterdir():
        if path.suffix in report.SAMPLE_SUFFIXES:
            assert f"`{path.name}`" in sources, path.name


def test_the_report_accounts_for_every_review(report):
    result = report.measure(SAMPLE)
    rows = result["rows"]
    assert result["missing"] == []
    assert len(rows) == len(report.load_truth(SAMPLE))
    parsed = [row for row in rows if row["parsed"]]
    assert all(row["found"] for row in parsed)
    assert all(row["lexicon"] for row in rows)  # the lexicon answers for every label, known or not
    for present, lost in result["lost"].values():
        assert 0 <= lost <= present <= len(parsed)
