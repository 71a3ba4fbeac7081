#!/usr/bin/env bash
# The admin is tested in headless Chromium from Debian's packages (Playwright drives it; it does not
# download a browser of its own). Install it where we can, otherwise say what is needed.
set -u
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "make test needs /usr/bin/chromium (Debian packages chromium and chromium-driver) for tests/e2e." >&2
    exit 1
fi
