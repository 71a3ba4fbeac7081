"""/corrections/ and the claim log fragment: what readers see of corrections, retractions and updates."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from claims import services
from claims.choices import ClaimStatus, CorrectionKind, Verdict
from claims.models import Correction
from claims.selectors.corrections import Cursor, claim_correction_log, site_correction_log
from public.links import claim_path
from tests.factories import ClaimFactory, EvidenceFactory

URL = "/corrections/"


def published_claim(reviewer, text, verdict=Verdict.FALSE):
    claim = ClaimFactory(text=text, status=ClaimStatus.IN_REVIEW, verdict=verdict, explanation="Because.")
    EvidenceFactory(claim=claim)
    return services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.PUBLISHED})


def correct(claim, reviewer, note, **data):
    return services.claim_update(claim_id=claim.pk, user=reviewer, data=data, correction_note=note)


@pytest.fixture
def corrected(db, reviewer):
    claim = published_claim(reviewer, "Bridges melt in summer.")
    return correct(claim, reviewer, "The engineer's report was misread.", verdict=Verdict.MOSTLY_FALSE)


@pytest.fixture
def retracted(db, reviewer):
    claim = published_claim(reviewer, "A mayor said the river is dry.")
    return correct(claim, reviewer, "The quote was from a different mayor.", status=ClaimStatus.RETRACTED)


def test_lists_corrections_and_retractions_newest_first(client, corrected, retracted, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert html.index("A mayor said the river is dry.") < html.index("Bridges melt in summer.")
    assert f'href="{claim_path(corrected.pk, corrected.text)}"' in html
    assert "The engineer&#x27;s report was misread." in html
    assert "The quote was from a different mayor." in html
    assert '<span class="fc-label fc-verdict-false">False</span>' in html
    assert '<span class="fc-label fc-verdict-mostly_false">Mostly false</span>' in html
    assert "Retracted" in html
    assert "Corrected" in html
    assert "<time datetime=" in html
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "nav" not in html.split("</main>")[0].split("correction-list")[-1]  # one page: no pager


def test_minor_updates_and_first_publications_stay_on_the_claims_own_log(client, reviewer, db):
    claim = published_claim(reviewer, "Minor one.")
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": "Because!"}, minor_edit=True)
    html = client.get(URL).content.decode()
    assert "Minor one." not in html
    assert "Nothing has been corrected or retracted yet." in html


@pytest.mark.usefixtures("one_person_desk")
def test_unpublished_claims_and_notes_never_show(client, reviewer, corrected):
    # Back to review: its page is a 404, so its log leaves /corrections/ until it is public again.
    services.claim_update(claim_id=corrected.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(
        claim_id=corrected.pk, user=reviewer, data={"verdict": Verdict.MIXED}, correction_note="secret thoughts"
    )
    draft = ClaimFactory(text="Draft statement.")
    services.claim_update(claim_id=draft.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="draft")
    html = client.get(URL).content.decode()
    assert "Bridges melt" not in html
    assert "secret thoughts" not in html
    assert "Draft statement." not in html
    correct(corrected, reviewer, "Re-reviewed.", status=ClaimStatus.PUBLISHED, verdict=Verdict.TRUE)
    html = client.get(URL).content.decode()
    assert "Re-reviewed." in html
    assert "fc-verdict-mixed" not in html  # the re-review's intermediate verdict is no public state


def test_chinese(client, corrected, retracted):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert response["Content-Language"] == "zh-hans"
    # Our own text and notes keep the language they were written in.
    assert 'lang="en">The engineer&#x27;s report was misread.' in html
    assert f'lang="en">{corrected.text}</a>' in html


def _many(reviewer, n):
    claim = published_claim(reviewer, "Often corrected.")
    start = timezone.now() - timedelta(days=1)
    Correction.objects.bulk_create(
        Correction(
            claim=claim,
            kind=CorrectionKind.CORRECTED,
            note=f"note {i:02d}",
            verdict_before=Verdict.FALSE,
            verdict_after=Verdict.TRUE,
            # Two entries at each moment: the page boundary has to break the tie by id.
            created_at=start + timedelta(minutes=i // 2),
        )
        for i in range(n)
    )
    return [f"note {i:02d}" for i in range(n)]


def _notes(html):
    return [part.split("</p>")[0] for part in html.split('class="correction-note" lang="en">')[1:]]


def test_keyset_paging_older_and_newer(client, reviewer, db):
    notes = _many(reviewer, 45)
    newest_first = notes[::-1]
    first = client.get(URL).content.decode()
    assert _notes(first) == newest_first[:20]
    assert '<nav class="pager" aria-label="Pages of the corrections log">' in first
    assert "Newer corrections" not in first
    older = first.split('rel="next" href="')[1].split('"')[0]
    second = client.get(URL + older.replace("&amp;", "&")).content.decode()
    assert _notes(second) == newest_first[20:40]
    assert 'name="robots" content="noindex, follow"' in second
    third = client.get(URL + second.split('rel="next" href="')[1].split('"')[0]).content.decode()
    assert _notes(third) == newest_first[40:]
    assert "Older corrections" not in third
    back = client.get(URL + third.split('rel="prev" href="')[1].split('"')[0]).content.decode()
    assert _notes(back) == newest_first[20:40]


@pytest.mark.parametrize("query", ["?before=x", "?after=12-", "?before=1-1&after=1-1", "?before=99999999999999999-1"])
def test_bad_page_token_is_a_400(client, db, query):
    response = client.get(URL + query)
    assert response.status_code == 400
    assert "This page of the corrections log does not exist." in response.content.decode()


def test_cursor_round_trip():
    moment = timezone.now()
    assert Cursor.parse(Cursor(moment, 7).token()) == Cursor(moment, 7)


def test_site_log_query_uses_the_index(reviewer, corrected, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        page = site_correction_log()
    assert [e.claim_id for e in page.entries] == [corrected.pk]
    sql = captured.captured_queries[0]["sql"]
    assert "IN ('corrected', 'retracted')" in sql  # constants, so the partial index's condition matches


def test_claim_log_fragment(rf: RequestFactory, reviewer, retracted):
    log = claim_correction_log(claim_id=retracted.pk, user=AnonymousUser())
    html = render_to_string("public/_correction_log.html", {"correction_log": log}, request=rf.get("/"))
    assert html.index("Published") < html.index("Retracted")
    assert "The quote was from a different mayor." in html
    assert '<h2 id="correction-log-heading">' in html
    assert "/corrections/" in html
    empty = render_to_string("public/_correction_log.html", {"correction_log": []}, request=rf.get("/"))
    assert "This fact-check has not been corrected." in empty
