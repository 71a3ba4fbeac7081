#!/usr/bin/env bash
# The proxy's config (deploy/nginx.conf) is checked with `nginx -t` and run in front of gunicorn on loopback by
# tests/test_project.py and tests/faults/test_proxy.py. Install Debian's nginx where we can; without it those tests
# are skipped (saying so), the structural checks of the config still run.
set -u
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's nginx for the proxy tests" >&2
    was_running=0
    [ -f /run/nginx.pid ] && was_running=1
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >&2 || true
    # The tests start their own nginx on loopback; stop the system one if the package just started it on port 80.
    if [ "$was_running" = 0 ] && [ -f /run/nginx.pid ]; then
        /usr/sbin/nginx -s quit 2>/dev/null || true
    fi
fi
exit 0
