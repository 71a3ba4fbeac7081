#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the test suite talks to are up; start them the way
# DEVELOPERS.md does where this machine can, otherwise say what is needed and stop.
set -u
PGHOST=127.0.0.1 PGPORT=5432
REDIS_HOST=127.0.0.1 REDIS_PORT=6379

postgres_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_up() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if ! postgres_up; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "PostgreSQL is down; starting it." >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
        for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
    fi
    if ! postgres_up; then
        echo "make test needs PostgreSQL on $PGHOST:$PGPORT (trust auth for user postgres), or TEST_DATABASE_URL." >&2
        exit 1
    fi
fi

if ! redis_up; then
    if command -v redis-server >/dev/null; then
        echo "Redis is down; starting it." >&2
        mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
        for _ in $(seq 1 30); do redis_up && break; sleep 1; done
    fi
    if ! redis_up; then
        echo "make test needs Redis on $REDIS_HOST:$REDIS_PORT, or TEST_REDIS_URL." >&2
        exit 1
    fi
fi
# The database the suite names; pytest-django makes its own test_ copy beside it.
if ! psql -h "$PGHOST" -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='factcheck'" postgres \
        | grep -q 1; then
    createdb -h "$PGHOST" -p "$PGPORT" -U postgres factcheck
fi
echo "PostgreSQL and Redis are up."
