#!/usr/bin/env bash
# The admin is tested in headless Chromium from Debian's packages (Playwright drives it; it does not
# download a browser of its own). Install it where we can, otherwise say what is needed.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
# A CJK font, so the Chinese in the screenshots under var/screenshots/ is legible.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-zenhei)
# msgfmt: tests/test_translations.py compiles each catalogue to check the committed .mo files.
command -v msgfmt >/dev/null || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages for the browser tests: ${missing[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >&2
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "make test needs /usr/bin/chromium (Debian packages chromium and chromium-driver) for tests/e2e." >&2
    exit 1
fi
if ! command -v msgfmt >/dev/null; then
    echo "make test needs msgfmt (Debian package gettext) for tests/test_translations.py." >&2
    exit 1
fi
