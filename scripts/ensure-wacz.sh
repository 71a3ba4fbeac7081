#!/usr/bin/env bash
# Webrecorder's `wacz` package validates the evidence bundles in tests/sources/test_capture_bundle.py. It lives in a
# virtualenv of its own, var/wacz-venv: its dependencies (frictionless and its typer, cdxj-indexer...) are not ours,
# and older releases pin a typer that breaks import-linter in the project's venv. Made once, kept until `make clean`.
set -eu
PYTHON=${PYTHON:-python3.11}
VENV=var/wacz-venv
# wacz 0.6 validates WACZ 1.1.1, the version the bundle writes (sources/bundle.py WACZ_VERSION).
WACZ_REQUIREMENT='wacz>=0.6,<0.7'
if [ -x "$VENV/bin/wacz" ] && "$VENV/bin/python" -m pip show --quiet wacz >/dev/null 2>&1 \
    && [ -f "$VENV/.requirement" ] && [ "$(cat "$VENV/.requirement")" = "$WACZ_REQUIREMENT" ]; then
    exit 0
fi
echo "Creating $VENV with $WACZ_REQUIREMENT (validates the evidence bundles in the tests)" >&2
rm -rf "$VENV"
mkdir -p var
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet "$WACZ_REQUIREMENT" >&2
echo "$WACZ_REQUIREMENT" > "$VENV/.requirement"
