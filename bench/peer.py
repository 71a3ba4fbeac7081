"""The peer: the same public claims in SQLite, served by Datasette (in its own virtualenv under var/).

The copy is what a researcher would build with sqlite-utils: the public claims with their articles,
evidence and sources, foreign keys declared, indexes on the columns filtered on, and an FTS5 table over
quote and text (Datasette's ``_search``).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from .servers import PEER_VENV

PEER_PACKAGES = ["datasette==0.65.*", "linkchecker==10.*"]

SCHEMA = """
CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT, title TEXT, outlet TEXT, published_at TEXT, language TEXT);
CREATE TABLE sources (id INTEGER PRIMARY KEY, url TEXT, domain TEXT, health TEXT, archive_url TEXT);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY, article_id INTEGER REFERENCES articles(id), quote TEXT, text TEXT, language TEXT,
    claimant TEXT, verdict TEXT, explanation TEXT, status TEXT, reviewed_at TEXT, published_at TEXT,
    created_at TEXT);
CREATE TABLE evidence (id INTEGER PRIMARY KEY, claim_id INTEGER REFERENCES claims(id),
    source_id INTEGER REFERENCES sources(id), stance TEXT, excerpt TEXT);
"""
INDEXES = """
CREATE INDEX claims_verdict ON claims(verdict);
CREATE INDEX claims_language ON claims(language);
CREATE INDEX claims_status ON claims(status);
CREATE INDEX claims_article ON claims(article_id);
CREATE INDEX evidence_claim ON evidence(claim_id);
CREATE INDEX evidence_source ON evidence(source_id);
CREATE INDEX sources_health ON sources(health);
CREATE VIRTUAL TABLE claims_fts USING fts5(quote, text, content="claims", content_rowid="id");
INSERT INTO claims_fts (rowid, quote, text) SELECT id, quote, text FROM claims;
"""

COPIES = [
    ("articles", "SELECT id, url, title, outlet, published_at::text, language FROM claims_article"),
    ("sources", "SELECT id, url, domain, health, archive_url FROM sources_source"),
    (
        "claims",
        "SELECT id, article_id, quote, text, language, claimant, verdict, explanation, status, "
        "reviewed_at::text, published_at::text, created_at::text FROM claims_claim "
        "WHERE status IN ('published', 'retracted') ORDER BY id",
    ),
    (
        "evidence",
        "SELECT e.id, e.claim_id, e.source_id, e.stance, e.excerpt FROM claims_evidence e "
        "JOIN claims_claim c ON c.id = e.claim_id WHERE c.status IN ('published', 'retracted')",
    ),
]


def ensure_venv(log=print) -> float:
    """Create var/bench-venv with Datasette and LinkChecker unless it is there; return seconds spent."""
    t0 = time.perf_counter()
    if (PEER_VENV / "bin" / "datasette").exists() and (PEER_VENV / "bin" / "linkchecker").exists():
        return 0.0
    log(f"  installing {', '.join(PEER_PACKAGES)} into {PEER_VENV}")
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "--quiet", *PEER_PACKAGES], check=True)
    return time.perf_counter() - t0


def build_sqlite(dsn: str, path: Path, log=print) -> dict:
    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
        p.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(SCHEMA)
    counts = {}
    with psycopg.connect(dsn) as conn:
        for table, query in COPIES:
            n = 0
            with conn.cursor(name=f"peer_{table}") as cur:
                cur.itersize = 20_000
                cur.execute(query)
                while rows := cur.fetchmany(20_000):
                    marks = ",".join("?" * len(rows[0]))
                    db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                    n += len(rows)
            counts[table] = n
    db.commit()
    t_rows = time.perf_counter() - t0
    db.executescript(INDEXES)
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()
    out = {"rows": counts, "copy_s": t_rows, "total_s": time.perf_counter() - t0, "bytes": path.stat().st_size}
    log(f"  SQLite copy for Datasette: {counts} in {out['total_s']:.1f}s, {out['bytes'] / 1e6:.0f} MB")
    return out
