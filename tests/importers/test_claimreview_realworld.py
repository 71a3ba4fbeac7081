"""ClaimReview as the real world writes it (issue 15): several reviews on one page, loose dates, bare-string
appearances, an author known only by its url, itemReviewed.url, the page's lang, saved Fact Check API responses;
other desks' reviews kept as records beside ours, links only when the rule allows, suggestions, merge, split."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from claims.choices import ClaimStatus, Verdict
from claims.importers.claimreview import parse_claimreview_text
from claims.importers.runner import claimreviews_import
from claims.importers.services import external_review_split, link_suggestion_dismiss, link_suggestion_merge
from claims.models import Claim, ExternalReview, LinkSuggestion
from tests import factories

pytestmark = pytest.mark.django_db


def item(text: str, url: str = "https://truco.example/debate", **overrides) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": text,
        "datePublished": "2024-10-02",
        "inLanguage": "pt",
        "author": {"@type": "Organization", "name": "Agência Exemplo", "url": "https://truco.example/"},
        "reviewRating": {"@type": "Rating", "alternateName": "Falso"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Candidata A"}},
    }
    data.update(overrides)
    return data


def parsed(payload, **kwargs):
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return parse_claimreview_text(text, **kwargs)


ROUND_UP = [
    item(
        "O desemprego caiu pela metade nos últimos quatro anos do governo estadual.",
        reviewRating={"@type": "Rating", "alternateName": "Verdadeiro em partes"},
    ),
    item(
        "A cidade construiu trezentas escolas novas desde o início do mandato atual.",
        reviewRating={"@type": "Rating", "alternateName": "Falso"},
    ),
    item(
        "O estado tem hoje a menor taxa de homicídios de toda a sua história recente.",
        reviewRating={"@type": "Rating", "alternateName": "Sem contexto"},
    ),
]


def test_several_reviews_on_one_page_are_several_records():
    report = claimreviews_import([("debate.json", json.dumps(ROUND_UP))])
    assert [row.action for row in report.rows].count("skipped") == 0
    assert ExternalReview.objects.filter(url="https://truco.example/debate").count() == 3
    verdicts = dict(ExternalReview.objects.values_list("claim_reviewed", "verdict"))
    assert verdicts[ROUND_UP[0]["claimReviewed"]] == Verdict.MIXED  # "em partes": never read as the bare word
    assert verdicts[ROUND_UP[1]["claimReviewed"]] == Verdict.FALSE
    # Each claim holds its own review's fields: nothing of one review is mixed into another.
    for review in ExternalReview.objects.select_related("claim"):
        assert review.claim.text == review.claim_reviewed
        assert review.claim.original_rating == review.rating_text
    again = claimreviews_import([("debate.json", json.dumps(ROUND_UP))])
    assert [row.action for row in again.rows] == ["updated"] * 3
    assert Claim.objects.count() == 3


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2017-03-01 20:30:17 UTC", "2017-03-01T20:30:17+00:00"),
        ("2022-06-28 21:14", "2022-06-28T21:14:00+00:00"),
        ("2024-11-28", "2024-11-28T00:00:00+00:00"),
        ("2024-11-28T09:23:00+08:00", "2024-11-28T09:23:00+08:00"),
        ("2024-11-28T01:23:00Z", "2024-11-28T01:23:00+00:00"),
    ],
)
def test_dates_as_feeds_write_them(written, iso):
    [result] = parsed(item("A claim long enough to stand by itself in this test.", datePublished=written))
    assert result.data.reviewed_at.isoformat() == iso


def test_one_bad_field_drops_that_field_with_a_warning_never_the_review():
    broken = item(
        "A claim long enough to stand by itself in this test.",
        datePublished="3 days ago",
        itemReviewed={
            "@type": "Claim",
            "datePublished": "2024-02-30",
            "appearance": ["1", "https://social.example/post/9", {"url": "javascript:alert(1)"}],
        },
    )
    [result] = parsed(broken)
    data = result.data
    assert data is not None
    assert data.reviewed_at is None
    assert data.claim_date is None
    assert [a.url for a in data.appearances] == ["https://social.example/post/9"]
    text = " | ".join(data.warnings)
    assert "datePublished dropped" in text
    assert "itemReviewed.datePublished dropped" in text
    assert "itemReviewed.appearance[1] dropped" in text
    assert "itemReviewed.appearance[3].url dropped" in text
    report = claimreviews_import([("broken.json", json.dumps(broken))])
    [row] = report.rows
    assert row.action == "created"
    assert len(row.warnings) == 4
    assert "4 warning(s)" in report.table()


def test_author_with_only_a_url_is_the_publisher_and_its_url_is_kept():
    [result] = parsed(
        item(
            "A claim long enough to stand by itself here too.",
            author={"@type": "Organization", "url": "https://factly.example/"},
        )
    )
    assert result.data.publisher == "https://factly.example/"
    assert result.data.publisher_url == "https://factly.example/"


def test_item_reviewed_as_a_creative_work_with_its_url_and_date():
    review = item(
        "A claim long enough to stand by itself, made in a video.",
        itemReviewed={"@type": "CreativeWork", "url": "https://video.example/watch/1", "datePublished": "2024-09-30"},
    )
    [result] = parsed(review)
    assert [a.url for a in result.data.appearances] == ["https://video.example/watch/1"]
    assert result.data.claim_date.date().isoformat() == "2024-09-30"


def test_the_claims_own_date_is_kept_without_an_appearance():
    review = item(
        "A claim long enough to stand by itself, with a date only.",
        itemReviewed={"@type": "Claim", "datePublished": "2024-09-30"},
    )
    claimreviews_import([("one.json", json.dumps(review))])
    assert Claim.objects.get().claimed_at.date().isoformat() == "2024-09-30"


def test_the_pages_lang_when_the_item_names_none():
    review = {
        k: v
        for k, v in item("Uma alegação longa o bastante para ficar de pé sozinha aqui.").items()
        if k != "inLanguage"
    }
    block = f'<script type="application/ld+json">{json.dumps(review)}</script>'
    page = f'<!doctype html><html lang="pt-BR"><head>{block}</head></html>'
    [result] = parsed(page)
    assert result.data.language == "pt-BR"


def test_numbers_are_kept_beside_the_label_and_an_unusable_scale_is_not_read():
    lupa = [
        item(
            f"Alegação número {n} de um político sobre a economia do país inteiro.",
            url=f"https://lupa.example/{n}",
            author={"@type": "Organization", "name": "Lupa"},
            reviewRating={
                "@type": "Rating",
                "alternateName": label,
                "ratingValue": 4,
                "bestRating": 6,
                "worstRating": 1,
            },
        )
        for n, label in enumerate(["Falso", "Verdadeiro", "Rótulo desconhecido"])
    ]
    claimreviews_import([("lupa.json", json.dumps(lupa))])
    records = {r.rating_text: r for r in ExternalReview.objects.all()}
    assert records["Falso"].verdict == Verdict.FALSE
    assert (records["Falso"].rating_value, records["Falso"].best_rating) == (Decimal(4), Decimal(6))
    assert records["Rótulo desconhecido"].verdict == Verdict.UNRATED  # Lupa's 4 of 6 says nothing
    assert records["Rótulo desconhecido"].score is None


def test_a_saved_fact_check_api_response_is_read():
    response = {
        "claims": [
            {
                "text": "Shopkeepers are sleeping inside their shops because of the new lockdown rules.",
                "claimant": "Social media",
                "claimDate": "2020-09-20T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "Alt News", "site": "altnews.in"},
                        "url": "https://www.altnews.in/old-images-shopkeepers/",
                        "title": "Old photos shared as recent",
                        "reviewDate": "2020-09-28T00:00:00Z",
                        "textualRating": "False",
                        "languageCode": "en",
                    }
                ],
            }
        ],
        "nextPageToken": "CBQ",
    }
    report = claimreviews_import([("api.json", json.dumps(response))])
    assert [row.action for row in report.rows] == ["created"]
    record = ExternalReview.objects.get()
    assert (record.publisher_name, record.publisher_url) == ("Alt News", "https://altnews.in/")
    assert record.verdict == Verdict.FALSE
    assert record.raw["claimReview"][0]["textualRating"] == "False"  # the entry as received
    assert record.claim.claimant == "Social media"
    assert record.claim.claimed_at.date().isoformat() == "2020-09-20"


# --- linking never merges different claims --------------------------------------------------------------------

DEMO = "Early testers had to get OpenAI's approval for every single Sora video they wanted to publish."


def test_the_one_story_false_link_is_a_suggestion_and_drops_nothing():
    """The wrong merge seen with the demo loaded: a Chinese review of Sora in Europe linked to a demo claim."""
    existing = factories.PublishedClaimFactory(text=DEMO, language="en")
    review = item(
        "OpenAI 表示 Sora 将不会在欧盟、英国和瑞士提供，至少在发布时不会。",
        url="https://tfc.example/sora-eu",
        inLanguage="zh-Hans",
        author={"@type": "Organization", "name": "示例查核中心"},
        reviewRating={"@type": "Rating", "alternateName": "正确"},
    )
    report = claimreviews_import([("tfc.json", json.dumps(review))])
    [row] = report.rows
    assert row.action in ("created", "suggested")
    new = Claim.objects.exclude(pk=existing.pk).get()
    assert new.status == ClaimStatus.IN_REVIEW
    assert new.verdict == Verdict.TRUE  # its own verdict, proposed, not dropped
    assert new.external_reviews.get().publisher_name == "示例查核中心"
    existing.refresh_from_db()
    assert not existing.external_reviews.exists()


def _suggested_pair():
    existing = factories.PublishedClaimFactory(
        text="The leaked Sora model can generate ten-second videos at 1080p resolution, testers said.", language="en"
    )
    review = item(
        "泄露的 Sora 模型能够生成长度为十秒钟的 1080p 分辨率视频，测试者表示。",
        url="https://checker.example/sora-1080p",
        inLanguage="zh-Hans",
        reviewRating={"@type": "Rating", "alternateName": "正确"},
        itemReviewed={"@type": "Claim", "appearance": "https://weibo.example/post/1"},
    )
    report = claimreviews_import([("zh.json", json.dumps(review))])
    [row] = report.rows
    assert row.action == "suggested", row.detail  # a translation is a person's call
    assert "languages differ" in row.detail
    suggestion = LinkSuggestion.objects.get()
    return existing, suggestion


def test_a_reviewer_merges_a_suggestion_in_one_click(client, reviewer):
    existing, suggestion = _suggested_pair()
    imported = suggestion.claim
    client.force_login(reviewer)
    page = client.get(f"/admin/claims/claim/{imported.pk}/change/").content.decode()
    assert f"Merge into #{existing.pk}" in page
    url = f"/admin/claims/claim/{imported.pk}/suggestions/{suggestion.pk}/merge/"
    assert client.get(url).status_code == 403  # a change is a POST
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/claims/claim/{existing.pk}/change/")
    assert not Claim.objects.filter(pk=imported.pk).exists()
    assert existing.external_reviews.get().url == "https://checker.example/sora-1080p"
    assert existing.appearances.filter(url="https://weibo.example/post/1").exists()


def test_a_reviewer_dismisses_a_suggestion(reviewer):
    _, suggestion = _suggested_pair()
    link_suggestion_dismiss(suggestion=suggestion, user=reviewer)
    suggestion.refresh_from_db()
    assert (suggestion.decision, suggestion.decided_by) == ("dismissed", reviewer)


def test_a_public_claim_is_never_merged_away(reviewer):
    _, suggestion = _suggested_pair()
    Claim.objects.filter(pk=suggestion.claim_id).update(status=ClaimStatus.PUBLISHED)
    with pytest.raises(Exception, match="public"):
        link_suggestion_merge(suggestion=suggestion, user=reviewer)


def test_a_reviewer_splits_a_wrong_link(client, reviewer):
    text = "The mayor of Exampletown spent two million dollars of public money on a golden bridge last year."
    existing = factories.PublishedClaimFactory(text=text, language="en")
    review = item(
        "The mayor of Exampletown spent two million dollars of public money on a golden bridge last year.",
        url="https://other-desk.example/bridge",
        inLanguage="en",
        reviewRating={"@type": "Rating", "alternateName": "Mostly False"},
        itemReviewed={"@type": "Claim", "appearance": ["https://blog.example/bridge", "https://social.example/bridge"]},
    )
    [row] = claimreviews_import([("bridge.json", json.dumps(review))]).rows
    assert row.action == "linked"
    assert existing.appearances.count() == 2
    record = existing.external_reviews.get()
    client.force_login(reviewer)
    page = client.get(f"/admin/claims/claim/{existing.pk}/change/").content.decode()
    assert "Split into its own claim" in page
    response = client.post(f"/admin/claims/claim/{existing.pk}/reviews/{record.pk}/split/")
    assert response.status_code == 302
    record.refresh_from_db()
    new = record.claim
    assert new.pk != existing.pk
    assert new.status == ClaimStatus.IN_REVIEW
    assert new.verdict == Verdict.MOSTLY_FALSE
    assert sorted(new.appearances.values_list("url", flat=True)) == [
        "https://blog.example/bridge",
        "https://social.example/bridge",
    ]
    assert not existing.appearances.exists()
    assert not existing.external_reviews.exists()
    # Imported again, the review stays with the claim it was split into.
    [again] = claimreviews_import([("bridge.json", json.dumps(review))]).rows
    assert (again.action, again.claim_id) == ("updated", new.pk)


def test_splitting_a_claims_own_review_is_refused(reviewer):
    claimreviews_import([("one.json", json.dumps(item("A claim that came with its own review and nothing else.")))])
    record = ExternalReview.objects.get()
    with pytest.raises(Exception, match="already its own claim"):
        external_review_split(review=record, user=reviewer)


@pytest.mark.usefixtures("one_person_desk")
def test_own_archive_is_ours_and_others_are_not(tmp_path, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Agência Exemplo"
    other = item(
        "Another desk reviewed this claim about the regional budget for schools.",
        url="https://b.example/1",
        author={"@type": "Organization", "name": "Another Desk"},
    )
    ours = item(
        "We reviewed this claim about the regional budget for hospitals last year.", url="https://truco.example/2"
    )
    (tmp_path / "mixed.json").write_text(json.dumps([ours, other]))
    out = StringIO()
    call_command("import_claimreview", str(tmp_path / "mixed.json"), "--own", "--publish", stdout=out)
    mine = Claim.objects.get(text=ours["claimReviewed"])
    theirs = Claim.objects.get(text=other["claimReviewed"])
    assert mine.status == ClaimStatus.PUBLISHED
    assert not mine.external_reviews.exists()
    assert theirs.status == ClaimStatus.IN_REVIEW
    assert theirs.external_reviews.get().publisher_name == "Another Desk"
    assert "not by us (author Another Desk)" in out.getvalue()
