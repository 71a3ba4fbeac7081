"""The database side of search: the text search configurations, the SQL functions that compute a claim's stored
vector, and the triggers that keep it (declared in claims.models' Meta, as claims.tally's are).

The stored ``Claim.search_vector`` holds, for quote and text (weight A), claimant (B) and article title (C):

* **exact forms**: every word lower-cased, NFKC-normalised and unaccented (the ``fc_simple`` configuration), and
  every CJK character bigram, Traditional characters folded to Simplified (claims.search.hanfold), each run's last
  character also alone, so a one-character query (``股:*``) finds it wherever it stands;
* **stems**: the same field's non-CJK words through the Snowball stemmer of the claim's language, each word both
  ways at its position (``fc_search_lexemes``): stemmed as written then unaccented (Snowball's rules know the
  accents: Portuguese "informações" and "informação" both give "inform"), and unaccented then stemmed
  (``fc_spanish``: unaccent, then spanish_stem), so a query typed without accents ("informacion") still meets
  them; the article title through its article's language. Chinese, Japanese and Korean
  claims stem their Latin-script words as English: here those are names, terms and the English ``text`` of a claim
  whose ``quote`` is Chinese. A language with no stemmer here gets exact forms only.

The stems and the exact forms are two runs of positions, one after the other, so a phrase matches within either;
the fields are one position apart, so a phrase never spans two. A query (claims.search.query) asks for any
stem or exact form at each position, so exact forms match too and rank higher (the doc matches more of the query).

Computed by PostgreSQL, on insert and on update of the searched columns, and when an article's title or language
changes: every write path (the ORM's create, save, update, bulk_create and bulk_update, loaddata, raw SQL, COPY)
leaves a claim findable the moment it commits. The SQL is generated here from the constants below, shipped in
migrations, and tests/search/test_schema.py holds the migrated functions equal to what this module generates.

Imported by claims.models (the triggers are declared in its Meta), so it imports no models of its own.
"""

from __future__ import annotations

import json

import pgtrigger

from .hanfold_table import SIMPLIFIED, TRADITIONAL

# BCP 47 primary language subtag -> PostgreSQL Snowball configuration (all present in PostgreSQL 15 and 18).
LANGUAGE_STEMMERS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
    # Chinese, Japanese and Korean words are CJK bigrams (no stemming); their Latin-script words are English here.
    "ja": "english",
    "ko": "english",
    "zh": "english",
}
SIMPLE_CONFIG = "fc_simple"  # exact forms: lower-cased, unaccented, no stemming, no stop words
# Stems as written whose last letter Snowball leaves apart from another's: Portuguese plurals in -ões of nouns in
# -ão too short for its suffix rules (ação/ações give "açã"/"açõ"; canção, eleição alike) meet at "ã".
STEM_ENDING_FOLDS = {"portuguese": ("õ", "ã")}
WEIGHTS = {"quote": "A", "text": "A", "claimant": "B", "article_title": "C"}
GAP = "fc0gap"  # a placeholder word between fields, deleted from the vector (it keeps phrases inside one field)

# CJK scripts, as in the bigram tokenizer before this one: kana, ideographs (and extensions), hangul syllables.
CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]"
# The same ranges for Python's re, which the query builder and the snippets use.
CJK_RE_CLASS = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]"


def config_name(stemmer: str) -> str:
    return f"fc_{stemmer}"


def language_config(language: str | None) -> str:
    """The text search configuration that stems words of ``language`` (a BCP 47 tag); fc_simple when none does."""
    primary = (language or "").replace("_", "-").split("-")[0].lower()
    stemmer = LANGUAGE_STEMMERS.get(primary)
    return config_name(stemmer) if stemmer else SIMPLE_CONFIG


def stemming_configs() -> list[str]:
    return sorted({config_name(stemmer) for stemmer in LANGUAGE_STEMMERS.values()})


# --- The SQL -----------------------------------------------------------------------------------------------------
# Word token types that can carry accents (asciiword and the like cannot): unaccent runs before the dictionary.
_ACCENTED_TOKENS = "hword, hword_part, word"


def configurations_sql() -> str:
    statements = [
        f"CREATE TEXT SEARCH CONFIGURATION {SIMPLE_CONFIG} (COPY = simple);",
        f"ALTER TEXT SEARCH CONFIGURATION {SIMPLE_CONFIG} ALTER MAPPING FOR {_ACCENTED_TOKENS} WITH unaccent, simple;",
    ]
    for stemmer in sorted(set(LANGUAGE_STEMMERS.values())):
        name = config_name(stemmer)
        statements += [
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {stemmer});",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {_ACCENTED_TOKENS} "
            f"WITH unaccent, {stemmer}_stem;",
        ]
    return "\n".join(statements)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _config_case() -> str:
    return "\n".join(
        f"    WHEN {_sql_string(code)} THEN {_sql_string(config_name(stemmer))}::regconfig"
        for code, stemmer in sorted(LANGUAGE_STEMMERS.items())
    )


# One lexeme of a tsvector written back as tsvector input: quoted (quotes doubled, backslashes escaped), positions.
_TSVECTOR_ENTRY = (
    "'''' || replace(replace(w.lexeme, '\\', '\\\\'), '''', '''''') || ''':' || array_to_string(w.positions, ',')"
)


def _stem_ending_fold_sql(lexeme: str) -> str:
    """SQL for ``lexeme`` (a stem as written, of configuration ``cfg``) with STEM_ENDING_FOLDS applied."""
    cases = "".join(
        f" WHEN {_sql_string(config_name(stemmer))}::regconfig"
        f" THEN regexp_replace({lexeme}, {_sql_string(ending + '$')}, {_sql_string(folded)})"
        for stemmer, (ending, folded) in sorted(STEM_ENDING_FOLDS.items())
    )
    return f"CASE cfg{cases} ELSE {lexeme} END"


def functions_sql(*, article_table: str) -> str:
    """The SQL functions, in dependency order (CREATE OR REPLACE, so a later migration can ship new bodies)."""
    folds = _sql_string(json.dumps(dict(zip(TRADITIONAL, SIMPLIFIED, strict=True)), ensure_ascii=False))
    traditional_class = _sql_string("[" + TRADITIONAL + "]")
    cjk = CJK_CLASS
    simple = _sql_string(SIMPLE_CONFIG)
    return f"""
-- The configuration that stems words of a BCP 47 language tag (claims.search.schema.LANGUAGE_STEMMERS).
CREATE OR REPLACE FUNCTION fc_search_config(language text) RETURNS regconfig
IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT CASE lower(split_part(replace(coalesce(language, ''), '_', '-'), '-', 1))
{_config_case()}
    ELSE {_sql_string(SIMPLE_CONFIG)}::regconfig END
$fn$;

-- Traditional Chinese characters to Simplified (claims.search.hanfold, from OpenCC). Text without a Traditional
-- character (most of it) costs one regular expression test; otherwise each distinct one is replaced once.
CREATE OR REPLACE FUNCTION fc_han_folds() RETURNS jsonb
IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT {folds}::jsonb
$fn$;

CREATE OR REPLACE FUNCTION fc_fold_han(t text) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE plpgsql AS $fn$
DECLARE
  found text;
  folded text;
BEGIN
  IF t !~ {traditional_class} THEN
    RETURN t;
  END IF;
  -- translate() with the whole table would scan it for every character of t: the few distinct ones are looked up
  -- in the table as jsonb (a constant of the cached plan), then translated at once.
  SELECT string_agg(c, ''), string_agg(fc_han_folds() ->> c, '')
    INTO found, folded
    FROM (SELECT DISTINCT m[1] AS c FROM regexp_matches(t, {traditional_class}, 'g') AS m) d;
  RETURN translate(t, found, folded);
END
$fn$;

-- A field's text as it is indexed: NFKC (full-width forms as ASCII), Traditional characters folded. ASCII text,
-- most of English, needs neither (and normalize() is slow even when it changes nothing).
CREATE OR REPLACE FUNCTION fc_search_normal(t text) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT CASE WHEN t !~ '[^\\x01-\\x7f]' THEN t
              ELSE fc_fold_han(CASE WHEN t IS NFKC NORMALIZED THEN t ELSE normalize(t, NFKC) END) END
$fn$;

-- Every CJK run of a normalised text written as its bigrams and its last character, space-separated ("处理时间" ->
-- "处理 理时 时间 间"); four passes that capture nothing (PostgreSQL's regular expressions are much slower with a
-- capture group).
CREATE OR REPLACE FUNCTION fc_search_bigrams(t text) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE plpgsql AS $fn$
BEGIN
  IF t !~ '{cjk}' THEN
    RETURN t;
  END IF;
  t := regexp_replace(t, '{cjk}+', ' \\& ', 'g');   -- each run between spaces
  t := regexp_replace(t, '{cjk}', '\\&\\&', 'g');    -- every character twice
  t := regexp_replace(t, ' {cjk}', ' ', 'g');       -- but a run's first once
  RETURN regexp_replace(t, '{cjk}{cjk}?', '\\& ', 'g');  -- then pairs
END
$fn$;

-- What the parser reads for the exact forms of a text (the query side analyses its words through it too).
CREATE OR REPLACE FUNCTION fc_search_text(t text) RETURNS text
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT fc_search_bigrams(fc_search_normal(t))
$fn$;

-- The lexemes of a text in a configuration, as both the index and the query side take them: with a stemming
-- configuration fc_X, each word both stemmed as written (PostgreSQL's own X) and then unaccented, and unaccented
-- and then stemmed (fc_X itself), at the word's position; Portuguese stems ending in õ as in ã
-- (STEM_ENDING_FOLDS). ASCII text, where the two ways agree, is parsed once.
CREATE OR REPLACE FUNCTION fc_search_lexemes(cfg regconfig, t text) RETURNS tsvector
IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT CASE
    WHEN cfg = {simple}::regconfig OR t !~ '[^\\x01-\\x7f]' THEN to_tsvector(cfg, t)
    ELSE (
      SELECT coalesce(string_agg({_TSVECTOR_ENTRY}, ' '), '')::tsvector
        FROM (SELECT unaccent({_stem_ending_fold_sql("x.lexeme")}) AS lexeme, x.positions
                FROM unnest(to_tsvector(substr(cfg::text, 4)::regconfig, t)) AS x
              UNION ALL
              SELECT x.lexeme, x.positions FROM unnest(to_tsvector(cfg, t)) AS x) AS w)
  END
$fn$;

-- One field's part of the vector: the stems of its non-CJK words (unless cfg stems nothing), then its exact forms.
CREATE OR REPLACE FUNCTION fc_search_field(cfg regconfig, field text, weight "char") RETURNS tsvector
IMMUTABLE PARALLEL SAFE LANGUAGE plpgsql AS $fn$
DECLARE
  normal text := fc_search_normal(coalesce(field, ''));
  stems tsvector := ''::tsvector;
BEGIN
  IF cfg <> {simple}::regconfig THEN
    stems := fc_search_lexemes(cfg, regexp_replace(normal, '{cjk}+', ' ', 'g') || ' {GAP}');
  END IF;
  RETURN setweight(stems || to_tsvector({simple}::regconfig, fc_search_bigrams(normal) || ' {GAP}'), weight);
END
$fn$;

-- A claim's stored vector from its fields (claims.search.schema's docstring says what it holds).
CREATE OR REPLACE FUNCTION fc_search_vector(
  quote text, body text, claimant text, article_title text, language text, article_language text
) RETURNS tsvector
IMMUTABLE PARALLEL SAFE LANGUAGE plpgsql AS $fn$
DECLARE
  cfg regconfig := fc_search_config(language);
  title_cfg regconfig := fc_search_config(coalesce(nullif(article_language, ''), language));
BEGIN
  RETURN ts_delete(
    fc_search_field(cfg, quote, '{WEIGHTS["quote"]}')
    || fc_search_field(cfg, body, '{WEIGHTS["text"]}')
    || fc_search_field(cfg, claimant, '{WEIGHTS["claimant"]}')
    || fc_search_field(title_cfg, article_title, '{WEIGHTS["article_title"]}'),
    '{GAP}');
END
$fn$;

-- The same for a claim row: its article's title and language looked up. (Parameters are named apart from the
-- article's columns: in an SQL function a column name wins over a parameter's.)
CREATE OR REPLACE FUNCTION fc_claim_search_vector(
  claim_quote text, claim_text text, claim_claimant text, claim_language text, claim_article_id bigint
) RETURNS tsvector
STABLE PARALLEL SAFE LANGUAGE sql AS $fn$
  SELECT fc_search_vector(claim_quote, claim_text, claim_claimant, a.title, claim_language, a.language)
  FROM (SELECT NULL) one LEFT JOIN {article_table} a ON a.id = claim_article_id
$fn$;
""".strip()


# --- The triggers ------------------------------------------------------------------------------------------------
SEARCHED_CLAIM_COLUMNS = ("quote", "text", "claimant", "language", "article_id")
_COMPUTE = (
    "NEW.search_vector := fc_claim_search_vector(NEW.quote, NEW.text, NEW.claimant, NEW.language, NEW.article_id);"
    "\n    RETURN NEW;"
)


def claim_triggers() -> list[pgtrigger.Trigger]:
    """On claims: the vector computed before each insert, and before each update that changes a searched column or
    writes the vector itself (a stale copy saved back by the ORM, or NULL from the repair command), so no write can
    store a vector that does not match the row."""
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in (*SEARCHED_CLAIM_COLUMNS, "search_vector"))
    return [
        pgtrigger.Trigger(
            name="search_vector_insert",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            func=_COMPUTE,
        ),
        pgtrigger.Trigger(
            name="search_vector_update",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.UpdateOf(*SEARCHED_CLAIM_COLUMNS, "search_vector"),
            condition=pgtrigger.Condition(f"{changed} OR NEW.search_vector IS NULL"),
            func=_COMPUTE,
        ),
    ]


def article_triggers(*, claim_table: str) -> list[pgtrigger.Trigger]:
    """On articles: their claims re-indexed when the title or language changes, and when an article arrives after
    claims that already name it (a fixture or a load in another order). Setting the vector to NULL is enough: the
    claims' update trigger computes it."""
    return [
        pgtrigger.Trigger(
            name="search_article_update",
            level=pgtrigger.Row,
            when=pgtrigger.After,
            operation=pgtrigger.UpdateOf("title", "language"),
            condition=pgtrigger.Condition(
                "OLD.title IS DISTINCT FROM NEW.title OR OLD.language IS DISTINCT FROM NEW.language"
            ),
            func=f"UPDATE {claim_table} SET search_vector = NULL WHERE article_id = NEW.id;\n    RETURN NULL;",
        ),
        pgtrigger.Trigger(
            name="search_article_insert",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            referencing=pgtrigger.Referencing(new="new_rows"),
            func=f"UPDATE {claim_table} c SET search_vector = NULL FROM new_rows n WHERE c.article_id = n.id;"
            "\n    RETURN NULL;",
        ),
    ]


def refresh_sql(claim_table: str) -> str:
    """The repair: NULL the vectors of the claims whose ids are in the array parameter; the trigger recomputes."""
    return f"UPDATE {claim_table} SET search_vector = NULL WHERE id = ANY(%s)"
