"""The language filter of subscriptions and feeds: one rule (notifications.language_rule), its Python form and its
SQL twin held equal over the same table of cases."""

import pytest
from django.core.exceptions import ValidationError

from notifications.language_rule import language_condition, language_filter_clean, language_matches
from notifications.models import Event

LANGUAGES = ["zh-Hans", "zh-Hant", "zh-hans-CN", "zh", "ZH-Hans", "zhx", "zh_Hans", "en", "en-GB", "english", ""]


@pytest.mark.parametrize(
    ("wanted", "matched"),
    [
        ("zh", {"zh-Hans", "zh-Hant", "zh-hans-CN", "zh", "ZH-Hans"}),  # at a subtag only: not zhx, not zh_Hans
        ("zh-Hans", {"zh-Hans", "zh-hans-CN", "ZH-Hans"}),  # any case
        ("ZH-HANS-cn", {"zh-hans-CN"}),
        ("en", {"en", "en-GB"}),
        ("en-GB", {"en-GB"}),
        ("fr", set()),
        ("", set()),  # no language is no match: callers leave the filter out instead
    ],
)
def test_the_rule_and_its_sql_twin_agree(db, wanted, matched):
    Event.objects.bulk_create(
        Event(type="claim.published", order_key=f"claim:{n}", language=language, payload={})
        for n, language in enumerate(LANGUAGES)
    )
    in_python = {language for language in LANGUAGES if language_matches(wanted, language)}
    in_sql = set(Event.objects.filter(language_condition(wanted)).values_list("language", flat=True))
    assert in_python == in_sql == matched


@pytest.mark.parametrize("value", ["zh", "zh-Hans", "en-GB", "zh-Hans-CN", "x-private1", " en "])
def test_well_formed_tags_are_kept(value):
    assert language_filter_clean(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    ["zh_Hans", "zh-", "-zh", "中文", "en GB", "abcdefghi", "zh-Hans-" + "a" * 9, "a-" * 18 + "a", "en%", "en_"],
)
def test_malformed_tags_are_refused_with_a_message(value):
    with pytest.raises(ValidationError, match="is not a language tag; use a BCP 47 tag"):
        language_filter_clean(value)


def test_no_filter_is_no_filter():
    assert language_filter_clean("") == language_filter_clean("   ") == language_filter_clean(None) == ""


def test_the_language_is_written_into_the_sql_not_sent_as_a_parameter(db):
    """A parameter would let a prepared statement's generic plan treat every language as common (LanguageCondition)."""
    sql, params = Event.objects.filter(language_condition("zh-Hans")).query.sql_with_params()
    assert "= 'ZH-HANS' OR" in sql
    assert "LIKE 'ZH-HANS-%%'" in sql
    assert params == ()
    for unsafe in ("x' OR 1=1 --", "zh%", "zh_", "中文", "a" * 36):
        with pytest.raises(ValueError, match="not a cleaned language filter"):
            language_condition(unsafe)
