"""Sentences joined as the active language writes them: English puts a space between two sentences, Chinese none."""

from functools import reduce

from django.utils.translation import pgettext


def join_sentences(*parts: str) -> str:
    """The non-empty ``parts``, one after the other, each already a sentence with its own full stop."""
    parts = [part for part in parts if part]
    if not parts:
        return ""
    return reduce(
        lambda first, then: pgettext("two sentences in a row", "%(first)s %(then)s") % {"first": first, "then": then},
        parts,
    )
