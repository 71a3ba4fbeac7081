"""The similar-claims measure on the labelled pairs (README "Similar claims") and the API endpoint."""

import pytest
from django.conf import settings

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from claims.similarity import claim_similar_list, similarity_score
from tests.factories import ClaimFactory, PublishedClaimFactory

from .similar_pairs import DIFFERENT, DUPLICATE, PAIRS, RELATED

pytestmark = pytest.mark.django_db

# The figures README.md reports for the default thresholds; the measure must not fall below them.
REPORTED = {"suggest": {"precision": 0.91, "recall": 0.95}, "link": {"precision": 1.0, "recall": 0.83}}


def measure(scores: list[tuple[float, str]], threshold: float, positives: set[str]) -> tuple[float, float]:
    tp = sum(1 for score, label in scores if score >= threshold and label in positives)
    fp = sum(1 for score, label in scores if score >= threshold and label not in positives)
    fn = sum(1 for score, label in scores if score < threshold and label in positives)
    return (tp / (tp + fp) if tp + fp else 1.0), tp / (tp + fn)


def pair_scores_through_the_database() -> list[tuple[float, str]]:
    """Each pair's score as the selector finds it: B stored among every other claim, A as the probe."""
    stored = {}
    for _, _, b, _ in PAIRS:
        if b not in stored:
            stored[b] = ClaimFactory(text=b, quote="", article=None)
    scores = []
    for _, a, b, label in PAIRS:
        found = {s.claim.pk: s.score for s in claim_similar_list(claim=Claim(text=a), threshold=0.0, limit=1000)}
        scores.append((found.get(stored[b].pk, 0.0), label))
    return scores


def test_precision_and_recall_on_the_labelled_pairs():
    scores = pair_scores_through_the_database()
    suggest = measure(scores, settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD, {DUPLICATE, RELATED})
    link = measure(scores, settings.SIMILAR_CLAIMS_LINK_THRESHOLD, {DUPLICATE})
    print(
        f"suggest ≥{settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD}: precision {suggest[0]:.2f} recall {suggest[1]:.2f}; "
        f"link ≥{settings.SIMILAR_CLAIMS_LINK_THRESHOLD}: precision {link[0]:.2f} recall {link[1]:.2f}"
    )
    assert suggest[0] >= REPORTED["suggest"]["precision"]
    assert suggest[1] >= REPORTED["suggest"]["recall"]
    assert link[0] >= REPORTED["link"]["precision"]
    assert link[1] >= REPORTED["link"]["recall"]


def test_the_database_candidates_lose_nothing_the_scorer_would_find():
    via_db = pair_scores_through_the_database()
    direct = [(similarity_score(a, b), label) for _, a, b, label in PAIRS]
    for (db_score, _), (score, _) in zip(via_db, direct, strict=True):
        assert db_score >= score or score < settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD


def test_different_figures_are_suggested_but_never_linked():
    for _, a, b, label in PAIRS:
        if label == RELATED:
            assert (
                settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD
                <= similarity_score(a, b)
                < settings.SIMILAR_CLAIMS_LINK_THRESHOLD
            ), (a, b)
        if label == DIFFERENT:
            assert similarity_score(a, b) < settings.SIMILAR_CLAIMS_LINK_THRESHOLD, (a, b)


def test_score_is_symmetric():
    for _, a, b, _ in PAIRS:
        assert similarity_score(a, b) == similarity_score(b, a)


def test_api_lists_similar_claims_best_first_within_what_the_user_may_see(client, reviewer):
    # (no quotes: the factory's "Quoted sentence number N." would make every pair look alike)
    claim = PublishedClaimFactory(
        quote="", text="The leaked Sora model can generate 10-second videos at 1080p resolution."
    )
    close = PublishedClaimFactory(
        quote="",
        text="Sora, as leaked, is able to produce 1080p videos that are 10 seconds long.",
        verdict=Verdict.MOSTLY_TRUE,
    )
    translated = PublishedClaimFactory(quote="", text="泄露的 Sora 模型能够生成 10 秒钟的 1080p 分辨率视频。")
    draft = ClaimFactory(
        quote="", text="The leaked Sora model can generate 10-second videos at 1080p.", status=ClaimStatus.DRAFT
    )
    PublishedClaimFactory(quote="", text="The vaccine contains microchips.")

    response = client.get(f"/api/v1/claims/{claim.pk}/similar/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [translated.pk, close.pk] or [r["id"] for r in results] == [
        close.pk,
        translated.pk,
    ]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert set(results[0]) == {"id", "text", "verdict", "score"}
    assert next(r for r in results if r["id"] == close.pk)["verdict"] == "mostly_true"

    client.force_login(reviewer)  # reviewers see drafts too
    ids = [r["id"] for r in client.get(f"/api/v1/claims/{claim.pk}/similar/").json()["results"]]
    assert draft.pk in ids
    assert ids[0] == draft.pk

    client.logout()
    assert client.get(f"/api/v1/claims/{draft.pk}/similar/").status_code == 404
    assert client.get(f"/api/v1/claims/{claim.pk}/similar/", {"limit": "x"}).status_code == 400
    assert len(client.get(f"/api/v1/claims/{claim.pk}/similar/", {"limit": 1}).json()["results"]) == 1


# --- the rule for linking without a person (claims.similarity.automatic_link) ------------------------------------


def _rule(a: str, b: str, language_a: str = "", language_b: str = ""):
    from claims.similarity import automatic_link

    return automatic_link(
        text=a, language=language_a, other_text=b, other_language=language_b, score=similarity_score(a, b)
    )


def test_a_reworded_claim_in_the_same_language_may_be_linked():
    rule = _rule(
        "Sora co-lead Tim Brooks left OpenAI to join Google in early October.",
        "In early October Tim Brooks, who co-led Sora, left OpenAI for Google.",
    )
    assert rule.allowed, rule.reasons


def test_the_one_story_false_link_is_only_a_suggestion():
    """The wrong merge seen with the demo loaded: a Chinese review about Sora in Europe scored 0.68 against an
    unrelated demo claim about Sora's testers. A translation or near-translation is never linked by itself."""
    review = "OpenAI 表示 Sora 不会在欧盟、英国和瑞士提供。"
    demo = "Early testers had to get OpenAI's approval for every Sora video."
    rule = _rule(review, demo, "zh-Hans", "en")
    assert not rule.allowed
    assert any("languages differ" in reason for reason in rule.reasons)


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (
            "OpenAI says Sora will not be offered in the EU, the UK or Switzerland at launch next week.",
            "OpenAI says Sora will be offered to testers in the US and Canada at launch next week.",
            "names differ",
        ),
        (
            "A one-minute Sora clip took more than 10 minutes to render on the original system.",
            "A one-minute Sora clip took more than 20 minutes to render on the original system.",
            "figures differ",
        ),
        ("5G masts spread the coronavirus.", "The coronavirus is being spread by 5G masts.", "too short"),
        ("视频需要十分钟处理。", "视频需要十分钟的处理时间。", "too short"),
    ],
)
def test_what_stops_an_automatic_link(a, b, reason):
    rule = _rule(a, b, "en" if a.isascii() else "zh", "en" if b.isascii() else "zh")
    assert not rule.allowed
    assert any(r.startswith(reason) for r in rule.reasons), rule.reasons


@pytest.mark.parametrize(
    ("text", "declared", "language"),
    [
        ("The leaked model makes 10-second 1080p video.", "", "en"),
        ("The leaked model makes 10-second 1080p video.", "zh-Hans", "en"),  # the quote's tag, not the text's
        ("泄露的模型能生成 10 秒 1080p 视频。", "en", "zh"),
        ("La vacuna no contiene grafeno según los análisis del laboratorio.", "", "es"),
        ("Le vaccin ne contient pas de graphène selon les analyses.", "", "fr"),
        ("Der Impfstoff enthält kein Graphen und ist nicht gefährlich.", "", "de"),
        ("A vacina não contém grafeno e é segura para as crianças.", "", "pt"),
        ("Drinking hot water every 15 minutes prevents COVID-19 infection.", "en-GB", "en"),
        ("Drinking hot water every 15 minutes prevents COVID-19 infection.", "", ""),
    ],
)
def test_text_language(text, declared, language):
    from claims.similarity import text_language

    assert text_language(text, declared) == language
