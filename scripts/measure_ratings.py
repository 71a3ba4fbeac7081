"""How many real ratings the lexicon reads, against the word table it replaced.

    PYTHONPATH=. python scripts/measure_ratings.py [tests/importers/fixtures/real_ratings.csv]

The sample (tests/importers/fixtures/real_ratings.csv) holds rating texts seen in public material, each with the
verdict a careful reader gives it (`reading`): item-level ClaimReview markup of Aos Fatos, Agência Pública (Truco)
and Lupa as FACTCK.BR stored it (with each label's count and numbers), Full Fact's textualRatings from a saved
Fact Check API response, and label sets (MultiFC, ClaimsKG, scrapers and clients of TFC, Jiaozhen, China Fact
Check, Correctiv, Lupa; issue 15's named labels). Each source is one import batch.

Per outcome: `agree` (our verdict is the reading), `unrated` (left for a person while the reading is a verdict),
`wrong` (another verdict). The old code is the ratings module at OLD_COMMIT, read from git; it had no `unrated`,
so its fallback `unverifiable` counts as wrong unless the reading is `unverifiable`.
"""

import csv
import os
import subprocess
import sys
import types
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "importers" / "fixtures" / "real_ratings.csv"
NUMBER_COLUMNS = (("rating_value", "ratingValue"), ("best_rating", "bestRating"), ("worst_rating", "worstRating"))
OLD_COMMIT = "8367139edf38ce08b88ff6d67ca6947aa12aee1c"  # main before the lexicon became data


def old_ratings_module() -> types.ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:claims/importers/ratings.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("old_ratings")
    exec(compile(source, "old_ratings.py", "exec"), module.__dict__)  # our own file from our own history
    return module


def sample_reviews(path: Path) -> list[dict]:
    reviews = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rating = {"@type": "Rating", "alternateName": row["label"]}
            for column, key in NUMBER_COLUMNS:
                if row[column]:
                    rating[key] = row[column]
            review = {
                "@type": "ClaimReview",
                "author": {"@type": "Organization", "name": row["publisher"]} if row["publisher"] else {},
                "inLanguage": row["language"],
                "reviewRating": rating,
            }
            for _ in range(int(row["count"] or 1)):
                reviews.append({"source": row["source"], "reading": row["reading"], "review": review})
    return reviews


def outcome(verdict: str, reading: str) -> str:
    if verdict == reading:
        return "agree"
    return "unrated" if verdict == "unrated" else "wrong"


def main(path: Path) -> None:
    from claims.importers.ratings import MatchMethod, RatingBatch, map_review

    old = old_ratings_module()
    items = sample_reviews(path)
    batches = defaultdict(list)
    for item in items:
        batches[item["source"]].append(item["review"])
    batch_of = {source: RatingBatch.of(reviews) for source, reviews in batches.items()}

    by_source: dict[str, Counter] = defaultdict(Counter)
    distinct: dict[tuple, tuple] = {}
    changed = Counter()
    for item in items:
        review, reading, source = item["review"], item["reading"], item["source"]
        old_verdict, _ = old.map_rating(review["reviewRating"])
        new = map_review(review, batch=batch_of[source])
        old_known = old.verdict_from_name(review["reviewRating"]["alternateName"]) is not None
        new_known = new.method in (MatchMethod.LABEL, MatchMethod.LABEL_OTHER_LANGUAGE, MatchMethod.LEAD_PHRASE)
        counts = by_source[source]
        counts["items"] += 1
        counts[f"old {outcome(str(old_verdict), reading)}"] += 1
        counts[f"new {outcome(str(new.verdict), reading)}"] += 1
        counts["old label known"] += old_known
        counts["new label known"] += new_known
        distinct[(source, review["reviewRating"]["alternateName"].casefold())] = (old_known, new_known)
        if str(old_verdict) != str(new.verdict):
            changed[(review["reviewRating"]["alternateName"], str(old_verdict), str(new.verdict), reading)] += 1

    total = Counter()
    width = max(len(source) for source in by_source)
    print(f"{'source':{width}}  items  old agree  new agree  new unrated  new wrong  old wrong")
    for source, counts in by_source.items():
        total.update(counts)
        print(
            f"{source:{width}}  {counts['items']:5}  {counts['old agree']:9}  {counts['new agree']:9}"
            f"  {counts['new unrated']:11}  {counts['new wrong']:9}  {counts['old wrong'] + counts['old unrated']:9}"
        )
    n = total["items"]
    print(
        f"{'total':{width}}  {n:5}  {total['old agree']:9}  {total['new agree']:9}  {total['new unrated']:11}"
        f"  {total['new wrong']:9}  {total['old wrong']:9}"
    )
    print(
        f"\nagreement with the reading: old {total['old agree'] / n:.1%}, new {total['new agree'] / n:.1%}"
        f" ({n} ratings); new left unrated for a person: {total['new unrated']}, new wrong: {total['new wrong']}"
    )
    labels = len(distinct)
    print(
        f"distinct labels (per source) read by their words: old {sum(o for o, _ in distinct.values())}/{labels},"
        f" new {sum(n_ for _, n_ in distinct.values())}/{labels}"
    )
    print("\nratings whose verdict changed (label | old → new | reading | count):")
    for (label, before, after, reading), count in sorted(changed.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {label[:70]} | {before} → {after} | {reading} | {count}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1/unused")  # settings need one; never opened
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE)
