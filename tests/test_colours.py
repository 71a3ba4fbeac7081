"""Choices carry their colours (factcheck.colours): every choice has one, declared once, readable as a label, and
the labels' stylesheet is the one the choices make."""

import re
from pathlib import Path

import pytest

from claims import labels
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from factcheck.colours import ColouredChoices, Swatch
from sources.choices import OUTCOME_GROUPS, Health, Outcome, outcome_group
from sources.models import Source

ROOT = Path(__file__).resolve().parents[1]
HEX = re.compile(r"#[0-9a-f]{6}")


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey


@pytest.mark.parametrize(("kind", "choices"), labels.LABEL_KINDS)
def test_every_choice_has_a_readable_swatch(kind, choices):
    for choice in choices:
        assert isinstance(choice.swatch, Swatch), choice
        assert HEX.fullmatch(choice.swatch.background), choice
        assert HEX.fullmatch(choice.swatch.text), choice
        assert contrast(choice.swatch.text, choice.swatch.background) >= 4.5, (kind, choice)


def test_the_models_use_the_coloured_choices():
    assert Claim._meta.get_field("verdict").choices == Verdict.choices
    assert Claim._meta.get_field("status").choices == ClaimStatus.choices
    assert Source._meta.get_field("health").choices == Health.choices


def test_a_choice_without_a_colour_does_not_import():
    with pytest.raises(TypeError):

        class Uncoloured(ColouredChoices):
            PLAIN = "plain", "Plain"

    with pytest.raises(TypeError, match="value, Swatch"):

        class Unwrapped(ColouredChoices):
            GREEN = "green", "#15803d", "Green"


def test_the_labels_stylesheet_is_generated_from_the_choices():
    assert labels.STYLESHEET.read_text() == labels.stylesheet(), (
        "claims/static/claims/labels.css is out of date: run `python -m claims.labels`"
    )
    css = labels.stylesheet()
    for kind, choices in labels.LABEL_KINDS:
        for choice in choices:
            rule = f".fc-{kind}-{choice.value} {{ background: {choice.colour}; color: {choice.swatch.text}; }}"
            assert css.count(f".fc-{kind}-{choice.value} ") == 1
            assert rule in css


def _files(*suffixes: str):
    for app in ("claims", "sources", "factcheck"):
        for path in sorted((ROOT / app).rglob("*")):
            if path.suffix in suffixes and path != labels.STYLESHEET and "migrations" not in path.parts:
                yield path


def test_no_label_colour_is_declared_anywhere_else():
    """A second spelling of a choice's colour (a CSS rule, or a dict from choice to colour in Python) would drift."""
    values = "|".join(v for _, choices in labels.LABEL_KINDS for v in choices.values)
    css_rule = re.compile(r"\.fc-(?:verdict|status|health)-[\w-]+[^{}]*\{")
    colour_map = re.compile(
        rf"""(?:\b(?:Verdict|ClaimStatus|Health)\.[A-Z_]+|["'](?:{values})["'])\s*:\s*["']#[0-9a-fA-F]{{3,6}}"""
    )
    found = []
    for path in _files(".css", ".html"):
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in css_rule.finditer(path.read_text())]
    for path in _files(".py"):
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in colour_map.finditer(path.read_text())]
    assert not found, found


def test_every_outcome_is_in_exactly_one_chart_group():
    for outcome in Outcome:
        groups = [g.key for g in OUTCOME_GROUPS if outcome in g.outcomes]
        assert len(groups) == 1, (outcome, groups)
        assert outcome_group(outcome.value).key == groups[0]
    assert len({g.key for g in OUTCOME_GROUPS}) == len(OUTCOME_GROUPS)
    assert len({g.colour for g in OUTCOME_GROUPS}) == len(OUTCOME_GROUPS)  # a reader can tell them apart
    assert all(HEX.fullmatch(g.colour) for g in OUTCOME_GROUPS)
    assert outcome_group("not_an_outcome").key == "other"
