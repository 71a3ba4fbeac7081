"""The layering and the one-engine rule, checked rather than hoped for."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PACKAGES = ("claims", "sources", "factcheck", "accounts")


def test_make_lint_passes_with_the_import_contracts():
    """`make lint`: ruff, ruff format and import-linter's contracts (pyproject.toml [tool.importlinter])."""
    done = subprocess.run(["make", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Contracts: 6 kept, 0 broken." in done.stdout


def test_the_seam_contract_catches_a_direct_import(tmp_path):
    """The seam contract is not vacuous: a sources module importing claims elsewhere than claims.seam breaks it."""
    config = tmp_path / "contracts.toml"
    pyproject = (ROOT / "pyproject.toml").read_text()
    config.write_text(pyproject[pyproject.index("\n[tool.importlinter]\n") :])
    probe = ROOT / "sources" / "_layering_probe.py"
    probe.write_text("from claims.selectors import visibility  # noqa: F401\n")
    try:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "lint-imports"), str(config), "--no-cache"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        probe.unlink()
    assert done.returncode != 0
    assert "sources._layering_probe -> claims.selectors.visibility" in done.stdout


def test_no_runtime_code_branches_on_the_database_engine():
    """PostgreSQL is the one engine: no connection.vendor checks and no SQLite paths outside the tests."""
    pattern = re.compile(r"\.vendor\b|sqlite", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in RUNTIME_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
