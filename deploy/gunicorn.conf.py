"""gunicorn's settings for factcheck: `gunicorn -c deploy/gunicorn.conf.py factcheck.wsgi:application`, as
docker-compose.yml and the Dockerfile run it. Command-line options still override these (tests do).

gunicorn stands behind the proxy (deploy/nginx.conf), which reads each request whole before passing it on and
reads each response as fast as gunicorn writes it, so slow clients cost nginx a connection, not a thread here.
README "Deploying" explains the choices.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# gthread: each process serves `threads` requests at once, and its main thread keeps the heartbeat while they run,
# so `timeout` restarts a process that hangs, not one whose thread is still streaming a long export (a sync worker
# streaming for longer than `timeout` is killed mid-export). Kept-alive connections wait in the process's poller,
# not in a thread. Django, psycopg and redis-py are thread-safe; each thread has its own database connection.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On a restart (a deploy), requests in flight get this long to finish, an export included, before being cut.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The proxy opens a connection per request; this is for the in-container healthcheck and direct use.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# gunicorn believes X-Forwarded-Proto (for wsgi.url_scheme) from the same proxies as Django does.
if os.environ.get("DJANGO_TRUSTED_PROXIES"):
    forwarded_allow_ips = os.environ["DJANGO_TRUSTED_PROXIES"]

# The heartbeat file on tmpfs: on a container's overlay filesystem its updates can stall a worker.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# No runtime control socket (gunicorn 25.1+): containers are restarted, not steered, and in the image the default
# path (under $HOME, /app) is not writable.
control_socket_disable = True
