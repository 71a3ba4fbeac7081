"""Ratings → verdicts (claims/importers/ratings.py and rating_labels.csv): every lexicon row, and the rules that
issue 15's real-world sample broke (unknown labels, qualified labels, labels that start with a verdict, scales
that mean nothing)."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from claims.choices import Verdict
from claims.importers import ratings
from claims.importers.ratings import (
    LexiconEntry,
    MatchMethod,
    RatingBatch,
    build_lexicon,
    fold,
    lexicon_conflicts,
    lexicon_language,
    map_rating,
    map_review,
    publisher_key,
    read_lexicon,
    strip_accents,
    unusable_scales,
)

ROWS = read_lexicon()


# --- the table ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.language}:{row.label}" for row in ROWS])
def test_every_lexicon_row_maps_to_its_verdict(row):
    match = map_rating({"@type": "Rating", "alternateName": row.label}, language=row.language)
    assert (match.verdict, match.matched_label, match.method) == (row.verdict, row.label, MatchMethod.LABEL)
    assert match.original_rating == row.label


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.language}:{row.label}" for row in ROWS])
def test_every_lexicon_row_maps_to_its_verdict_without_a_language(row):
    """Reviews often carry no inLanguage: then a label is read in whichever language has it, which works only
    while no two languages read one label differently. A new row that breaks this needs a decision."""
    match = map_rating(row.label.upper())
    assert match.verdict == row.verdict, match.warnings


def test_no_label_is_listed_twice_in_one_language():
    keys = [(row.language, strip_accents(fold(row.label))) for row in ROWS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_no_label_reads_two_verdicts_in_one_language():
    assert lexicon_conflicts(ROWS) == []


def test_a_conflicting_row_is_found_and_refused():
    rows = [LexiconEntry("pt", "Falso", "false"), LexiconEntry("pt", "FALSO!", "mixed")]
    assert lexicon_conflicts(rows) == ["pt: “Falso” is false but “FALSO!” is mixed"]
    with pytest.raises(ValueError, match="reads a label two ways"):
        build_lexicon(rows)


def test_accent_folding_cannot_hide_a_conflict():
    assert lexicon_conflicts([LexiconEntry("fr", "Exagéré", "misleading"), LexiconEntry("fr", "Exagere", "false")])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("it,Falso,false,,", "language “it”"),
        ("pt,Falso,wrong,,", "verdict “wrong”"),
        ("pt,!!!,false,,", "the label is empty"),
    ],
)
def test_the_table_refuses_rows_it_cannot_use(tmp_path, row, message):
    table = tmp_path / "labels.csv"
    table.write_text(f"language,label,verdict,publishers,note\n{row}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_lexicon(table)


def test_the_table_covers_the_languages_it_promises():
    assert {row.language for row in ROWS} >= {"en", "es", "fr", "de", "pt", "zh-Hans", "zh-Hant"}


@pytest.mark.parametrize("verdict", list(Verdict))
def test_our_own_labels_read_back_to_the_same_verdict(verdict):
    """Our ClaimReview export names each verdict by its label; importing it again must not change it."""
    assert map_rating(str(verdict.label), language="zh-Hans").verdict == verdict


# --- issue 15's sample -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "verdict"),
    [
        ("Three Pinocchios", Verdict.MOSTLY_FALSE),
        ("Not the whole story", Verdict.MISLEADING),
        ("Cherry Picks", Verdict.MISLEADING),
        ("Spins the Facts", Verdict.MISLEADING),
        ("Exaggerates", Verdict.MISLEADING),
        ("Bad Info", Verdict.FALSE),
        ("Sem contexto", Verdict.MISLEADING),
        ("impreciso", Verdict.MISLEADING),
        ("Impossível provar", Verdict.UNVERIFIABLE),
    ],
)
def test_the_nine_labels_the_sample_did_not_know(label, verdict):
    """They became `unverifiable` or a guess from the number; the number here would say `mostly_true`."""
    match = map_rating({"alternateName": label, "ratingValue": 4, "bestRating": 5, "worstRating": 1})
    assert (match.verdict, match.method) == (verdict, MatchMethod.LABEL)


def test_a_qualified_label_is_not_read_as_its_first_word():
    """Issue 15: "Verdadeiro em partes" became `true` because the first word won."""
    assert map_rating("Verdadeiro em partes", language="pt").verdict == Verdict.MIXED


def test_a_label_that_starts_with_a_verdict_is_read_by_it():
    """Issue 15: "False. There is no evidence…" became `unverifiable`: the longest phrase ("no evidence") won."""
    match = map_rating("False. There is no evidence that 5G networks spread the virus.", language="en")
    assert (match.verdict, match.matched_label, match.method) == (Verdict.FALSE, "False", MatchMethod.LEAD_PHRASE)


@pytest.mark.parametrize(
    ("label", "verdict", "matched"),
    [
        ("Falso: a foto é uma montagem", Verdict.FALSE, "Falso"),
        ("Falso, segundo especialistas", Verdict.FALSE, "Falso"),
        ("FAUX – la photo date de 2015", Verdict.FALSE, "Faux"),
        ("Mostly false. The figure is from 2019.", Verdict.MOSTLY_FALSE, "Mostly false"),
        ("This is not true. There is no evidence that 5G WiFi networks are linked.", Verdict.FALSE, "This is not true"),
        ("Correct. On 13 March 2020, Montgomery County confirmed it.", Verdict.TRUE, "Correct"),
        ("Verdadeiro, mas o dado é de 2019", Verdict.MOSTLY_TRUE, "Verdadeiro, mas"),
        ("Rating: Mostly True", Verdict.MOSTLY_TRUE, "Mostly true"),
        ("Rating by Fact Crescendo: False", Verdict.FALSE, "False"),
        ("Conclusion: accurate", Verdict.TRUE, "Accurate"),
        ("【錯誤】網傳影片並非本月拍攝", Verdict.FALSE, "錯誤"),
        ("错误：该视频摄于2019年", Verdict.FALSE, "错误"),
    ],
)
def test_the_verdict_phrase_a_label_starts_with(label, verdict, matched):
    match = map_rating(label)
    assert (match.verdict, match.matched_label, match.method) == (verdict, matched, MatchMethod.LEAD_PHRASE)


@pytest.mark.parametrize(
    ("label", "qualifier"),
    [
        ("True, but the numbers are older", "but"),
        ("Falso em partes", "em partes"),
        ("Verdadero, aunque exagera la cifra", "aunque"),
        ("Richtig, aber unvollständig", "aber"),
        ("正确，但是缺少背景", "但是"),
    ],
)
def test_a_qualified_verdict_word_without_an_entry_is_left_unrated(label, qualifier):
    match = map_rating(label)
    assert (match.verdict, match.method) == (Verdict.UNRATED, MatchMethod.NONE)
    assert match.original_rating == label
    assert any(f"“{qualifier}”" in warning for warning in match.warnings)


@pytest.mark.parametrize(
    "label",
    ["There is a news story reporting that seven patients recovered.", "Says the thing", "Half", "Totally bogus"],
)
def test_an_unknown_label_with_no_number_is_unrated_not_unverifiable(label):
    match = map_rating(label)
    assert (match.verdict, match.original_rating) == (Verdict.UNRATED, label)
    assert "not in the lexicon" in match.warnings[0]


def test_words_are_not_searched_for_inside_a_label():
    """The old table read "no evidence" (unverifiable) or "true" out of any sentence containing them."""
    assert map_rating("Experts say there is no evidence, so it is not true").verdict == Verdict.UNRATED


# --- languages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("pt-BR", "pt"),
        ("en_US", "en"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-Hans", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("it", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_lexicon_language(code, language):
    assert lexicon_language(code) == language


@pytest.fixture
def two_readings(monkeypatch):
    """A lexicon where one word means different things in two languages."""
    table = build_lexicon([LexiconEntry("es", "Cierto", "true"), LexiconEntry("pt", "Cierto", "mixed")])
    monkeypatch.setattr(ratings, "lexicon", lambda: table)


def test_the_reviews_language_decides_between_two_readings(two_readings):
    assert map_rating("Cierto", language="es-AR").verdict == Verdict.TRUE
    assert map_rating("Cierto", language="pt-BR").verdict == Verdict.MIXED


def test_two_readings_and_no_language_is_left_unrated(two_readings):
    match = map_rating("Cierto")
    assert match.verdict == Verdict.UNRATED
    assert match.warnings == ("“Cierto” reads true in es, mixed in pt",)


def test_a_label_found_under_another_language_says_so():
    match = map_rating("Falso", language="en")
    assert (match.verdict, match.method, match.matched_language) == (
        Verdict.FALSE,
        MatchMethod.LABEL_OTHER_LANGUAGE,
        "es",
    )


def test_traditional_and_simplified_are_both_read():
    assert map_rating("部分錯誤", language="zh-Hans").verdict == Verdict.MIXED
    assert map_rating("部分错误", language="zh-TW").verdict == Verdict.MIXED
    assert map_rating("事實釐清", language="zh-TW").verdict == Verdict.UNRATED  # TFC's clarification: no verdict


# --- numbers -----------------------------------------------------------------------------------------------


def test_the_numbers_are_kept_beside_the_label():
    match = map_rating({"alternateName": "False", "ratingValue": "1", "bestRating": "5", "worstRating": "1"})
    assert match.verdict == Verdict.FALSE
    assert (match.rating_value, match.best_rating, match.worst_rating, match.score) == (
        Decimal(1),
        Decimal(5),
        Decimal(1),
        0.0,
    )


def test_the_label_wins_over_a_number_that_is_not_a_truth_scale():
    """Truco rates "Sem contexto" 7 of 8 and "Impossível provar" 2 of 8: by number they would read mostly true
    and mostly false."""
    no_context = map_rating({"alternateName": "Sem contexto", "ratingValue": 7, "bestRating": 8})
    assert (no_context.verdict, no_context.score) == (Verdict.MISLEADING, round(6 / 7, 4))
    unprovable = map_rating({"alternateName": "Impossível provar", "ratingValue": 2, "bestRating": 8})
    assert unprovable.verdict == Verdict.UNVERIFIABLE


@pytest.mark.parametrize(
    ("rating", "verdict", "score"),
    [
        ({"ratingValue": 2, "bestRating": 10, "worstRating": 0}, Verdict.MOSTLY_FALSE, 0.2),
        ({"ratingValue": "3,5", "bestRating": "5", "worstRating": "1"}, Verdict.MOSTLY_TRUE, 0.625),
        ({"ratingValue": 1, "bestRating": 1, "worstRating": 7}, Verdict.TRUE, 1.0),  # lower is better
        ({"ratingValue": 5}, Verdict.TRUE, 1.0),  # schema.org: best 5, worst 1 when omitted
        ({"alternateName": "Totally bogus", "ratingValue": 1, "bestRating": 4, "worstRating": 1}, Verdict.FALSE, 0.0),
    ],
)
def test_an_unknown_label_falls_back_to_a_usable_scale(rating, verdict, score):
    match = map_rating(rating)
    assert (match.verdict, match.method, match.score) == (verdict, MatchMethod.SCALE, score)
    assert any("read from the number" in warning for warning in match.warnings)


@pytest.mark.parametrize(
    ("rating", "problem"),
    [
        ({"ratingValue": 3, "bestRating": 3, "worstRating": 3}, "no range"),
        ({"ratingValue": -1, "bestRating": -1, "worstRating": -1}, "placeholder"),
        ({"ratingValue": -1, "bestRating": 5, "worstRating": 1}, "placeholder"),
        ({"ratingValue": 42}, "outside its scale"),
        ({"ratingValue": 0, "bestRating": 10}, "outside its scale"),  # worst defaults to 1
        ({"ratingValue": "N/A", "bestRating": 5, "worstRating": 1}, "not a number"),
    ],
)
def test_an_unusable_scale_is_never_read(rating, problem):
    match = map_rating({"alternateName": "Totally bogus", **rating})
    assert (match.verdict, match.method, match.score) == (Verdict.UNRATED, MatchMethod.NONE, None)
    assert any(problem in warning for warning in match.warnings)


def test_no_rating_at_all_is_unrated():
    for rating in (None, {}, [], "", {"@type": "Rating"}):
        match = map_rating(rating)
        assert (match.verdict, match.original_rating) == (Verdict.UNRATED, "")
    assert map_rating({}).warnings == ("the review has no rating",)


def test_a_number_without_a_label_is_shown_on_its_scale():
    assert map_rating({"ratingValue": 4, "bestRating": 6}).original_rating == "4 (worst 1, best 6)"


# --- a batch -----------------------------------------------------------------------------------------------


def lupa(label: str, n: int) -> dict:
    return {
        "@type": "ClaimReview",
        "url": f"https://piaui.folha.uol.com.br/lupa/2018/12/{n}/",
        "claimReviewed": f"Claim {n}",
        "inLanguage": "pt-BR",
        "author": {"@type": "Organization", "url": "https://piaui.folha.uol.com.br/lupa/"},
        "reviewRating": {"@type": "Rating", "ratingValue": "4", "bestRating": "6", "alternateName": label},
    }


def truco(label: str, value: int, n: int) -> dict:
    return {
        "@type": "ClaimReview",
        "author": {"@type": "Organization", "name": "Agência Pública", "url": "https://apublica.org"},
        "reviewRating": {"@type": "Rating", "ratingValue": value, "bestRating": 8, "alternateName": label},
        "url": f"https://apublica.org/2017/04/truco-{n}/",
    }


def test_a_publisher_with_one_number_for_every_label_has_no_usable_scale():
    """Lupa rates every label 4 of 6 (FACTCK.BR's copy of Lupa's ClaimReview markup: Falso, Verdadeiro, Exagerado
    and De olho, all 4/6)."""
    reviews = [lupa("Falso", 1), lupa("Verdadeiro", 2), lupa("Exagerado", 3), lupa("De olho", 4)]
    reviews += [truco("Falso", 1, 5), truco("Verdadeiro", 8, 6), truco("Falso", 1, 7)]
    assert unusable_scales(reviews) == {"piaui.folha.uol.com.br"}


def test_a_publisher_that_used_one_label_cannot_be_judged():
    assert unusable_scales([lupa("Falso", 1), lupa("FALSO", 2), truco("Falso", 1, 3)]) == frozenset()


def test_reviews_without_numbers_or_labels_do_not_count():
    bare = lupa("", 5)
    del bare["reviewRating"]["ratingValue"]
    assert unusable_scales([lupa("Falso", 1), bare, lupa("", 6), "not a review", {"reviewRating": "Falso"}]) == set()


def test_an_unknown_label_from_a_publisher_without_a_usable_scale_stays_unrated():
    reviews = [lupa("Falso", 1), lupa("Verdadeiro", 2), lupa("Verdadeiro com ressalvas", 3)]
    unknown = reviews[-1]
    alone = map_review(unknown)
    assert (alone.verdict, alone.method) == (Verdict.MIXED, MatchMethod.SCALE)  # 4 of 6, read as a truth scale
    batch = RatingBatch.of(reviews)
    in_batch = map_review(unknown, batch=batch)
    assert (in_batch.verdict, in_batch.method, in_batch.score) == (Verdict.UNRATED, MatchMethod.NONE, None)
    assert in_batch.rating_value == Decimal(4)
    assert "same number to every label" in in_batch.warnings[-1]
    known = map_review(reviews[0], batch=batch)
    assert (known.verdict, known.score) == (Verdict.FALSE, None)


def test_map_review_reads_the_language_and_the_publisher():
    review = {"inLanguage": {"@type": "Language", "name": "zh-TW"}, "reviewRating": {"alternateName": "易誤導"}}
    match = map_review(review)
    assert (match.verdict, match.matched_language, match.method) == (Verdict.MISLEADING, "zh-Hant", MatchMethod.LABEL)
    assert map_review(review, language="pt").method == MatchMethod.LABEL_OTHER_LANGUAGE  # the page's lang wins


@pytest.mark.parametrize(
    ("review", "key"),
    [
        ({"author": {"@type": "Organization", "name": "Aos Fatos", "url": "https://aosfatos.org"}}, "aos fatos"),
        ({"author": {"@type": "Organization", "url": "https:www.aosfatos.org"}}, "aosfatos.org"),
        ({"author": [{"url": "https://WWW.PolitiFact.com/"}]}, "politifact.com"),
        ({"publisher": {"name": "Le Monde"}}, "le monde"),
        ({"author": "Full Fact"}, "full fact"),
        ({}, ""),
    ],
)
def test_publisher_key(review, key):
    assert publisher_key(review) == key


# --- real ratings ------------------------------------------------------------------------------------------

REAL = Path(__file__).parent / "fixtures" / "real_ratings.csv"


def test_real_ratings_are_read_as_a_careful_reader_reads_them_or_left_unrated():
    """The sample scripts/measure_ratings.py measures (rating texts from public ClaimReview markup, Fact Check API
    responses and label sets, each with a careful reading): no rating may get a verdict other than its reading;
    what we cannot read stays unrated for a person."""
    with REAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    reviews: dict[str, list[tuple[dict, str]]] = {}
    for row in rows:
        rating = {"alternateName": row["label"], "ratingValue": row["rating_value"], "bestRating": row["best_rating"]}
        review = {"author": {"name": row["publisher"]}, "inLanguage": row["language"], "reviewRating": rating}
        reviews.setdefault(row["source"], []).append((review, row["reading"]))
    wrong, unrated, read = [], 0, 0
    for batch_reviews in reviews.values():
        batch = RatingBatch.of(review for review, _ in batch_reviews)
        for review, reading in batch_reviews:
            verdict = map_review(review, batch=batch).verdict
            if verdict == reading:
                read += 1
            elif verdict == Verdict.UNRATED:
                unrated += 1
            else:
                wrong.append((review["reviewRating"]["alternateName"], verdict, reading))
    assert wrong == []
    assert read >= 0.9 * len(rows), (read, unrated)


def test_the_rating_text_is_kept_verbatim():
    text = "  Falso:\n a foto   é de 2015 "
    match = map_rating({"alternateName": text})
    assert (match.verdict, match.rating_text, match.original_rating) == (
        Verdict.FALSE,
        text.strip(),
        "Falso: a foto é de 2015",
    )
