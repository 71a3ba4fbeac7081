"""The catalogues: compiled from their .po (make run has no gettext tools, so the .mo files are committed), and
complete where readers read them."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

from claims.choices import ClaimStatus, CorrectionKind, ExcerptStatus, Stance, Verdict
from sources.choices import Failure, Health, Outcome

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))
# Every catalogue of ours must be complete: the readers' site, and since issue 18 the admin and the API (claims,
# sources, and the project's own strings in factcheck/, which LOCALE_PATHS names since factcheck is not an app).
COMPLETE = ("public", "claims", "sources", "factcheck", "notifications")


def test_there_are_catalogues():
    assert {po.parts[-5] for po in CATALOGUES} >= set(COMPLETE)


def test_the_project_catalogue_is_found():
    """factcheck is not an installed app, so its catalogue is found through LOCALE_PATHS."""
    from django.conf import settings

    assert ROOT / "factcheck" / "locale" in [Path(p) for p in settings.LOCALE_PATHS]
    with translation.override("zh-hans"):
        assert translation.gettext("Invalid cursor.") == "无效的游标。"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_mo_is_compiled_from_its_po(po, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    assert committed.read_bytes() == compiled.read_bytes(), f"{committed} is stale: run `make messages`"


@pytest.mark.parametrize("app", COMPLETE)
def test_every_string_is_translated(app):
    po = polib.pofile(str(ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("app", COMPLETE)
def test_the_catalogue_holds_every_marked_string(app, tmp_path):
    """makemessages run afresh on a copy of the app finds no string the committed catalogue lacks, as `make
    messages` runs it: an app from its own directory, the project package from the directory above it (Celery puts
    the working directory on sys.path, where factcheck/redis.py would hide redis)."""
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    # makemessages finds the copy's locale/ as it walks the copy, and writes the copy's strings there.
    cwd, made = (tmp_path if app == "factcheck" else copy), copy / "locale"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "factcheck.settings", "PYTHONPATH": str(ROOT), **_env()},
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(made / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    committed = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    }
    assert sorted(fresh - committed, key=str) == []


def test_a_string_in_two_catalogues_reads_the_same_in_both():
    """Django merges the catalogues (LOCALE_PATHS first, then the apps in INSTALLED_APPS order): a msgid two of them
    hold must say the same, or one page would read another's words (a context, pgettext, keeps them apart)."""
    seen: dict[tuple, tuple[str, str]] = {}
    differ = []
    for po in CATALOGUES:
        for entry in polib.pofile(str(po)):
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            text = entry.msgstr or str(sorted(entry.msgstr_plural.items()))
            if not text or "fuzzy" in entry.flags:
                continue
            if key in seen and seen[key][1] != text:
                differ.append((key, seen[key], (po.parts[-5], text)))
            seen.setdefault(key, (po.parts[-5], text))
    assert differ == []


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PATH", "DATABASE_URL", "REDIS_URL", "HOME")}


@pytest.mark.parametrize(
    "choices", [Verdict, ClaimStatus, Stance, ExcerptStatus, CorrectionKind, Health, Outcome, Failure]
)
def test_labels_readers_see_are_translated(choices):
    with translation.override("zh-hans"):
        chinese = {member: str(member.label) for member in choices}
    with translation.override("en"):
        english = {member: str(member.label) for member in choices}
    assert all(chinese[m] != english[m] for m in choices), chinese
