"""The catalogues: compiled from their .po (make run has no gettext tools, so the .mo files are committed), and
complete where readers read them."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

from claims.choices import ClaimStatus, Stance, Verdict

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))
# Apps whose every string must be translated (the others fill in with issue 18's admin translation).
COMPLETE = ("public",)


def test_there_are_catalogues():
    assert {po.parts[-5] for po in CATALOGUES} >= {"public", "claims"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_mo_is_compiled_from_its_po(po, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    assert committed.read_bytes() == compiled.read_bytes(), f"{committed} is stale: run `make messages`"


@pytest.mark.parametrize("app", COMPLETE)
def test_every_string_of_the_public_site_is_translated(app):
    po = polib.pofile(str(ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("app", COMPLETE)
def test_the_catalogue_holds_every_marked_string(app, tmp_path):
    """makemessages run afresh on a copy of the app finds no string the committed catalogue lacks."""
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "factcheck.settings", "PYTHONPATH": str(ROOT), **_env()},
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    committed = {e.msgid for e in polib.pofile(str(ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    assert sorted(fresh - committed) == []


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PATH", "DATABASE_URL", "REDIS_URL", "HOME")}


@pytest.mark.parametrize("choices", [Verdict, ClaimStatus, Stance])
def test_labels_readers_see_are_translated(choices):
    with translation.override("zh-hans"):
        chinese = {member: str(member.label) for member in choices}
    with translation.override("en"):
        english = {member: str(member.label) for member in choices}
    assert all(chinese[m] != english[m] for m in choices), chinese
