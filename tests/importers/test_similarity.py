"""The similar-claims measure on the labelled pairs (README "Similar claims") and the API endpoint."""

from dataclasses import dataclass

import pytest
from django.conf import settings

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from claims.similarity import automatic_link, claim_similar_list, features, similarity_score, text_language
from tests.factories import ClaimFactory, PublishedClaimFactory

from .similar_pairs import DIFFERENT, DUPLICATE, PAIRS, PAIRS_AFTER_THE_FIX, RELATED, SAME_STORY, Pair

pytestmark = pytest.mark.django_db

# The figures README.md reports for the default thresholds; the measure must not fall below them. Automatic links
# must never join two claims that are not the same: link precision is exactly 1.0. Link recall is given over every
# duplicate and over same-language duplicates only (a translation is never linked by itself, by design).
REPORTED = {
    "suggest": {"precision": 0.56, "recall": 0.95},
    "link": {"precision": 1.0, "recall": 0.13, "recall_same_language": 0.17},
}


@dataclass(frozen=True)
class Measured:
    pair: Pair
    score: float
    linked: bool

    @property
    def suggested(self) -> bool:
        return self.score >= settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD


def precision_recall(rows: list[Measured], predicted: str, positives: set[str]) -> tuple[float | None, float | None]:
    """Precision and recall of `predicted` ("suggested" or "linked") for `positives`; None where undefined."""
    tp = sum(1 for r in rows if getattr(r, predicted) and r.pair.label in positives)
    fp = sum(1 for r in rows if getattr(r, predicted) and r.pair.label not in positives)
    fn = sum(1 for r in rows if not getattr(r, predicted) and r.pair.label in positives)
    return (tp / (tp + fp) if tp + fp else None), (tp / (tp + fn) if tp + fn else None)


def pairs_through_the_database(pairs: list[Pair] = PAIRS) -> list[Measured]:
    """Each pair as an import meets it: B stored among every other claim, A as the probe; the score is what the
    selector finds, and the link is automatic_link's decision on that score."""
    stored = {}
    for pair in pairs:
        if pair.text_b not in stored:
            stored[pair.text_b] = ClaimFactory(text=pair.text_b, quote="", article=None)
    rows = []
    for pair in pairs:
        found = {
            s.claim.pk: s.score for s in claim_similar_list(claim=Claim(text=pair.text_a), threshold=0.0, limit=1000)
        }
        score = found.get(stored[pair.text_b].pk, 0.0)
        rule = automatic_link(
            text=pair.text_a,
            language=pair.language_a,
            other_text=pair.text_b,
            other_language=pair.language_b,
            score=score,
        )
        rows.append(Measured(pair, score, rule.allowed))
    return rows


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def similarity_table(rows: list[Measured]) -> str:
    """The README table: suggest and link precision/recall, overall and by kind of pair."""
    suggest_positives, link_positives = {DUPLICATE, RELATED}, {DUPLICATE}
    lines = [
        "| pairs | count (duplicate / related / different) | suggest precision | suggest recall "
        "| link precision | link recall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    groups = [
        ("all", rows),
        ("same language", [r for r in rows if r.pair.same_language]),
        ("across languages", [r for r in rows if not r.pair.same_language]),
        ("written after the fix", [r for r in rows if r.pair in PAIRS_AFTER_THE_FIX]),
    ]
    for name, group in groups:
        counts = " / ".join(
            str(sum(1 for r in group if r.pair.label == label)) for label in (DUPLICATE, RELATED, DIFFERENT)
        )
        suggest = precision_recall(group, "suggested", suggest_positives)
        link = precision_recall(group, "linked", link_positives)
        lines.append(
            f"| {name} | {len(group)} ({counts}) | {_figure(suggest[0])} | {_figure(suggest[1])} "
            f"| {_figure(link[0])} | {_figure(link[1])} |"
        )
    story = [r for r in rows if r.pair.variation == SAME_STORY]
    lines.append(
        f"| same story, different claims | {len(story)} (0 / 0 / {len(story)}) "
        f"| {sum(r.suggested for r in story)} suggested | – | {sum(r.linked for r in story)} linked | – |"
    )
    return "\n".join(lines)


def test_precision_and_recall_on_the_labelled_pairs():
    rows = pairs_through_the_database()
    suggest = precision_recall(rows, "suggested", {DUPLICATE, RELATED})
    link = precision_recall(rows, "linked", {DUPLICATE})
    same_language_link = precision_recall([r for r in rows if r.pair.same_language], "linked", {DUPLICATE})
    assert suggest[0] >= REPORTED["suggest"]["precision"]
    assert suggest[1] >= REPORTED["suggest"]["recall"]
    assert link[0] == REPORTED["link"]["precision"] == 1.0, [
        r.pair for r in rows if r.linked and r.pair.label != DUPLICATE
    ]
    assert link[1] >= REPORTED["link"]["recall"]
    assert same_language_link[1] >= REPORTED["link"]["recall_same_language"]
    assert not any(r.linked for r in rows if not r.pair.same_language)


def test_print_the_table(capsys):
    """`pytest -k print_the_table` prints the README "Similar claims" table."""
    table = similarity_table(pairs_through_the_database())
    with capsys.disabled():
        print("\n" + table)
    assert table.startswith("| pairs |")
    assert len(table.splitlines()) == 7
    assert "| same story, different claims |" in table
    assert " 0 linked " in table


def test_the_pairs_cover_what_issue_15_asks_for():
    assert len(PAIRS) >= 150
    story = [p for p in PAIRS if p.variation == SAME_STORY]
    assert len(story) >= 40
    assert all(p.label == DIFFERENT for p in story)
    assert {(p.language_a.split("-")[0], p.language_b.split("-")[0]) for p in story} >= {
        ("en", "en"),
        ("zh", "zh"),
        ("zh", "en"),
    }
    assert {p.language_b for p in PAIRS if p.variation == "script"} == {"zh-Hant"}
    assert {"es", "fr", "de", "pt"} <= {p.language_a for p in PAIRS if p.label == DUPLICATE}
    assert len({(p.text_a, p.text_b) for p in PAIRS}) == len(PAIRS)


def test_the_database_candidates_lose_nothing_the_scorer_would_find():
    """Among 180 claims, dozens naming OpenAI and Sora, a translation is still a candidate. The one exception:
    a name under three characters ("5G") is not looked up, since the trigram index serves three or more."""
    lost = []
    for row in pairs_through_the_database():
        score = similarity_score(row.pair.text_a, row.pair.text_b)
        if row.score < score and score >= settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD:
            lost.append(row.pair)
    assert all(max(map(len, features(p.text_a).names)) < 3 for p in lost), lost
    assert [p.text_a for p in lost] == ["5G masts spread the coronavirus."]


def test_different_figures_are_suggested_but_never_linked():
    for pair in PAIRS:
        score = similarity_score(pair.text_a, pair.text_b)
        if pair.label == RELATED:
            assert score < settings.SIMILAR_CLAIMS_LINK_THRESHOLD, pair
            if pair.same_language:
                assert settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD <= score, pair


def test_only_duplicates_are_ever_linked():
    """The score alone lets different claims through (a swapped name or a "not" scores 1.0); the rule must not."""
    for pair in PAIRS:
        if pair.label != DUPLICATE:
            assert not _rule(pair.text_a, pair.text_b, pair.language_a, pair.language_b).allowed, pair


def test_score_is_symmetric():
    for pair in PAIRS:
        assert similarity_score(pair.text_a, pair.text_b) == similarity_score(pair.text_b, pair.text_a)


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
    return automatic_link(
        text=a, language=language_a, other_text=b, other_language=language_b, score=similarity_score(a, b)
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Before sharing any Sora video in public, early testers needed approval from OpenAI.",
            "Early testers needed approval from OpenAI before sharing any Sora video in public.",
        ),
        (
            "La vacuna contra la COVID-19 contiene grafeno, según un supuesto análisis de laboratorio.",
            "Según un supuesto análisis de laboratorio, las vacunas contra la COVID-19 contienen grafeno.",
        ),
        (
            "OpenAI 在泄露发生 3 小时后关闭了艺术家的 Sora 早期访问权限。",
            "泄露发生 3 小时后，OpenAI 关闭了艺术家的 Sora 早期访问权限。",
        ),
        # the other Chinese script: a Taiwan desk's claim is folded to Simplified before anything is compared
        (
            "所有 Sora 生成的视频在公开分享之前都必须经过 OpenAI 审核。",
            "所有 Sora 生成的視頻在公開分享之前都必須經過 OpenAI 審核。",
        ),
    ],
)
def test_the_same_claim_reworded_with_the_same_words_may_be_linked(a, b):
    """Another order, other grammar words, another inflection: the same words, so the same claim."""
    rule = _rule(a, b, "und", "und")
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
        # the one-story wrong merges the score alone let through (each was linked before the wording rule)
        (
            "OpenAI says Sora will not be offered in the EU, the UK or Switzerland at launch.",
            "OpenAI says Sora will be offered in the EU, the UK and Switzerland at launch.",
            "one side negates",
        ),
        (
            "泄露 Sora 的艺术家们表示，他们反对 AI 艺术本身。",
            "泄露 Sora 的艺术家们表示，他们并不反对 AI 艺术本身。",
            "one side negates",
        ),
        (
            "Tim Brooks left OpenAI to join Google DeepMind in October 2024.",
            "Tim Brooks left Google DeepMind to join OpenAI in October 2024.",
            "roles swapped",
        ),
        (
            "快手可灵和 Minimax 海螺 AI 在视频生成上已经超越了 Sora。",
            "Sora 在视频生成上已经超越了快手可灵和 Minimax 海螺 AI。",
            "roles swapped",
        ),
        (
            "OpenAI cut off all artists' early access to Sora three hours after the leak.",
            "OpenAI restored all artists' early access to Sora three hours after the leak.",
            "wording differs",
        ),
        (
            "PR-Puppets released OpenAI's Sora model on Hugging Face in protest.",
            "PR-Puppets released the weights of OpenAI's Sora model on Hugging Face in protest.",
            "wording differs",
        ),
        (
            "泄露约 3 小时后，OpenAI 关闭了艺术家们的 Sora 早期访问权限。",
            "泄露约 3 小时后，OpenAI 恢复了艺术家们的 Sora 早期访问权限。",
            "wording differs",
        ),
        # a true rewording, but "to join" is an added word, and one added word can make another claim (the one
        # above): it is suggested, and a person links it
        (
            "Sora co-lead Tim Brooks left OpenAI to join Google in early October.",
            "In early October Tim Brooks, who co-led Sora, left OpenAI for Google.",
            "wording differs",
        ),
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
        ("A vacina contra a COVID-19 altera o DNA humano de quem a recebe.", "", "pt"),
        ("Tim Brooks 离开了 OpenAI，加入了 Google DeepMind。", "", "zh"),  # Chinese grammar around Latin names
    ],
)
def test_text_language(text, declared, language):
    assert text_language(text, declared) == language


@pytest.mark.parametrize(
    "texts",
    [
        (
            "亚马逊向 Anthropic 追加了 40 亿美元投资。",
            "亞馬遜向 Anthropic 追加了 40 億美元投資。",
            "Amazon put $4 billion into it.",
        ),
        (
            "Amazon investiert weitere 4 Milliarden Dollar.",
            "Amazon invierte otros 4 mil millones de dólares.",
            "Amazon is investing another $4 billion.",
        ),
        ("OpenAI est valorisée à 150 milliards.", "A OpenAI vale 150 bilhões.", "OpenAI is worth $150 billion."),
        ("Hundreds of artists tested Sora.", "数百名艺术家测试了 Sora。", "Cientos de artistas probaron Sora."),
    ],
)
def test_figures_are_read_in_every_script_and_language(texts):
    figures = [features(text).figures for text in texts]
    assert figures[0], texts[0]
    assert len(set(figures)) == 1, figures


def test_an_order_of_magnitude_is_not_another():
    assert features("Hundreds of artists tested Sora.").figures != features("Thousands of artists tested Sora.").figures
    assert features("数百名艺术家").figures != features("数千名艺术家").figures
    assert features("数百万人").figures == features("Millions of people").figures
    assert features("Miles de artistas probaron Sora.").figures == features("Thousands of artists tested Sora.").figures
    assert features("The Great Wall is 13,000 miles long.").figures == {"13000"}  # English miles are a distance
