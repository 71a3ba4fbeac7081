"""Settings for factcheck, read from the environment (twelve-factor), in one module grouped by area.

The defaults suit a laptop: tasks run in-process, DEBUG on. The database is always PostgreSQL: DATABASE_URL, which
`make run` sets to an embedded server under var/postgres/ when it is unset (factcheck/embedded_postgres.py).
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL; TLS is
expected to end at a reverse proxy in front of gunicorn.

Areas, each read before the ones that use it: Django core (apps, middleware), the organisation, database, Redis and
the cache, link health, import and similar claims, Celery, email, the tip form, API, security, logging.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Django core ------------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-only"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "factcheck.apps.AdminConfig",  # django.contrib.admin, its home with the reviewers' dashboard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "simple_history",
    "pgtrigger",  # the evidence tally's triggers, declared in claims.models (claims/tally.py)
    "accounts",  # each user's language and time zone (accounts.middleware)
    "claims",
    "sources",
    "notifications",  # the event outbox, webhooks and the changes feeds
    "public",  # the readers' site (/, /claims/, feeds, tips); after claims so its templates override none of theirs
    "django.contrib.sitemaps",
    "corsheaders",
    "axes",
    "drf_spectacular_sidecar",
    "django.forms",  # the widgets' own templates, for FORM_RENDERER below
    # Last, as it asks: a FileField's file (a capture's WARC) is deleted from storage once the deletion of its row
    # commits, so a deleted source leaves no WARC that nothing names.
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    # X-Forwarded-* from a peer that is not one of our proxies is dropped before anything reads it.
    "factcheck.security.ForwardedHeadersMiddleware",
    # /healthz is answered first (no host check, no TLS redirect, no throttle); a lost database is a 503 with
    # Retry-After (DATABASE_UNAVAILABLE_RETRY_AFTER).
    "factcheck.middleware.HealthzMiddleware",
    "factcheck.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CORS answers before anything else can; the size guard refuses oversized bodies before anyone reads them.
    "corsheaders.middleware.CorsMiddleware",
    "factcheck.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the language switch's cookie, else Accept-Language (LANGUAGES below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's language and time zone on the admin and the API (not the readers' site); needs the user.
    "accounts.middleware.UserPreferencesMiddleware",
    "factcheck.middleware.ReadReplicaMiddleware",  # the router's per-request choice needs the user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "public.context_processors.site",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so factcheck/templates can name the zone beside the admin's date-and-time inputs
# (admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "factcheck.wsgi.application"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a typed "example.org" means https

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English and Simplified Chinese, both first-class. zh-hans also answers Accept-Language zh-CN, zh-SG and plain zh.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The desk's zone: the reviewers' default (each may choose their own: accounts), the calendar of the dashboard's days
# and weeks, the scheduled tasks' clock.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Each app's catalogue is in its locale/ (compiled .mo files are committed: make run needs no gettext tools). The
# project's own strings (API errors, charts, middleware) are in factcheck/locale, which is not an app: named here.
LOCALE_PATHS = [BASE_DIR / "factcheck" / "locale"]
# Date formats per language that name the zone of every time shown (factcheck/formats).
FORMAT_MODULE_PATH = ["factcheck.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Files we keep (the captures' WARCs): under MEDIA_ROOT, or in an S3-compatible bucket when MEDIA_S3_BUCKET is set.
# Nothing serves MEDIA_URL: a capture is someone else's page, downloaded through views that check who asks.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    # django-storages; keys left empty fall back to boto3's own chain (AWS_* variables, an instance or task role).
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("MEDIA_S3_ADDRESSING_STYLE", default="") or None,  # path | virtual
            "location": env.str("MEDIA_S3_PREFIX", default=""),  # a folder inside the bucket
            "default_acl": None,  # private: the bucket's own policy decides, and it must not be public-read
            "querystring_auth": True,  # any url handed out is signed and expires
            "file_overwrite": True,  # our names are unique: spare the HEAD request that checks
        },
    }
else:
    _MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- The organisation -------------------------------------------------------------------------------------------
FACTCHECK_ORGANIZATION_NAME = env.str("FACTCHECK_ORGANIZATION_NAME", default="factcheck demo desk")
FACTCHECK_ORGANIZATION_URL = env.str("FACTCHECK_ORGANIZATION_URL", default="https://factcheck.example.org/")
# Where readers open our pages; a ClaimReview's `url` is FACTCHECK_SITE_URL + /claims/<id>/. Empty (the default):
# the scheme, host and port the request came to, so `runserver 8123` links to 8123 (claims.api.claimreview).
FACTCHECK_SITE_URL = env.str("FACTCHECK_SITE_URL", default="")
# The zone of every time the public site shows (named beside it). Unset: DJANGO_TIME_ZONE.
FACTCHECK_PUBLIC_TIME_ZONE = env.str("FACTCHECK_PUBLIC_TIME_ZONE", default=TIME_ZONE)
# Who may frame the verdict card (/claims/<id>/embed/): its CSP frame-ancestors sources, space-separated. "*" (the
# default): any site, as an embed for newsrooms and CMSs is meant to be.
FACTCHECK_EMBED_FRAME_ANCESTORS = env.str("FACTCHECK_EMBED_FRAME_ANCESTORS", default="*")
# The language our reviews (explanations) are written in, for claims whose review_language is blank: ClaimReview's
# inLanguage. Not Claim.language, which is the quote's.
FACTCHECK_REVIEW_LANGUAGE = env.str("FACTCHECK_REVIEW_LANGUAGE", default=LANGUAGE_CODE)
# Second review: publishing a claim needs the approval of a reviewer other than the one who last changed its verdict
# or explanation (claims.services.second_review_problems). A one-person desk turns it off.
FACTCHECK_REQUIRE_SECOND_REVIEW = env.bool("FACTCHECK_REQUIRE_SECOND_REVIEW", default=True)

# --- Database ---------------------------------------------------------------------------------------------------
_database_url = env.str("DATABASE_URL", default="")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Set it to a PostgreSQL database (postgres://user:password@host:5432/name), "
        "or use `make run`, which starts an embedded PostgreSQL under var/postgres/ and sets it."
    )
DATABASES = {"default": env.db_url_config(_database_url)}
# Reuse connections but check them first, so a restarted PostgreSQL does not need a restarted web process.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side binding lets psycopg prepare a statement run DATABASE_PREPARE_THRESHOLD times on a connection, so
# PostgreSQL plans the API's hot queries once per connection rather than on every request (BENCHMARKS.md). 0 turns
# it off (a transaction-mode PgBouncer needs that).
DATABASE_PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
if DATABASE_PREPARE_THRESHOLD:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": DATABASE_PREPARE_THRESHOLD}
    )

# Read replicas: DATABASE_REPLICA_URLS="postgres://...,postgres://..." become DATABASES "replica_1", "replica_2"...
# factcheck.routers sends anonymous and researcher API reads there; writes, reviewers and all else stay on default.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = {
        **env.db_url_config(_url),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **env.db_url_config(_url).get("OPTIONS", {})},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["factcheck.routers.PrimaryReplicaRouter"]
for _alias, _db in DATABASES.items():
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"The {_alias} database must be PostgreSQL (postgres://...), not {_db['ENGINE']}.")
    # A database that does not answer fails the request in seconds (a 503), instead of hanging a worker.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # Django's backend, whose per-request health check sends no query while the connection is fine.
    _db["ENGINE"] = "factcheck.backends.postgresql"
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)  # seconds

# --- Redis and the cache ----------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # Redis stopped: the cache fails open, a miss for reads and nothing for writes, instead of failing the request
    # (factcheck.failsafe); a short timeout keeps a blackholed Redis from holding requests.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Link health (sources/fetch.py, sources/health.py, sources/tasks.py) ----------------------------------------
LINKCHECK_CONNECT_TIMEOUT = env.float("LINKCHECK_CONNECT_TIMEOUT", default=10.0)
LINKCHECK_READ_TIMEOUT = env.float("LINKCHECK_READ_TIMEOUT", default=10.0)
LINKCHECK_DEADLINE = env.float("LINKCHECK_DEADLINE", default=20.0)  # whole check, all hops; cuts tricklers
LINKCHECK_MAX_BODY_BYTES = env.int("LINKCHECK_MAX_BODY_BYTES", default=2 * 1024 * 1024)  # decoded bytes
LINKCHECK_MAX_REDIRECTS = env.int("LINKCHECK_MAX_REDIRECTS", default=10)
# CIDRs the SSRF guard lets through although they are not public (tests: 127.0.0.1/32). Empty in production.
LINKCHECK_ALLOW_NETWORKS = env.list("LINKCHECK_ALLOW_NETWORKS", default=[])
LINKCHECK_CONTACT_URL = env.str("LINKCHECK_CONTACT_URL", default=FACTCHECK_ORGANIZATION_URL)
LINKCHECK_USER_AGENT = env.str("LINKCHECK_USER_AGENT", default="")  # empty: "factcheck-linkcheck/1.0 (+contact)"
LINKCHECK_DEAD_AFTER_FAILURES = env.int("LINKCHECK_DEAD_AFTER_FAILURES", default=3)
LINKCHECK_DEAD_AFTER_DAYS = env.float("LINKCHECK_DEAD_AFTER_DAYS", default=3)
LINKCHECK_OK_INTERVAL_HOURS = env.float("LINKCHECK_OK_INTERVAL_HOURS", default=7 * 24)
LINKCHECK_FAILING_INTERVAL_HOURS = env.float("LINKCHECK_FAILING_INTERVAL_HOURS", default=24)
LINKCHECK_DEAD_INTERVAL_HOURS = env.float("LINKCHECK_DEAD_INTERVAL_HOURS", default=7 * 24)
LINKCHECK_JITTER = env.float("LINKCHECK_JITTER", default=0.1)  # +-10% of each interval
LINKCHECK_HOST_CONCURRENCY = env.int("LINKCHECK_HOST_CONCURRENCY", default=2)
LINKCHECK_HOST_INTERVAL = env.float("LINKCHECK_HOST_INTERVAL", default=0.5)
# The interval spaces the starts of checks; True spaces each follow-up request of a check too (hops, GET after HEAD).
LINKCHECK_PACE_FOLLOW_UPS = env.bool("LINKCHECK_PACE_FOLLOW_UPS", default=False)
LINKCHECK_REDIS_URL = env.str("LINKCHECK_REDIS_URL", default=REDIS_URL)  # politeness; empty: per process
LINKCHECK_REDIS_PREFIX = env.str("LINKCHECK_REDIS_PREFIX", default="linkcheck:host:")
LINKCHECK_BATCH_SIZE = env.int("LINKCHECK_BATCH_SIZE", default=500)  # per batch task (BENCHMARKS.md)
LINKCHECK_BATCH_CONCURRENCY = env.int("LINKCHECK_BATCH_CONCURRENCY", default=100)  # checks in flight per task
LINKCHECK_BATCH_BUDGET = env.float("LINKCHECK_BATCH_BUDGET", default=240.0)  # s; unstarted urls go back
LINKCHECK_DUE_LIMIT = env.int("LINKCHECK_DUE_LIMIT", default=20000)  # sources claimed per beat run
LINKCHECK_DUE_PER_HOST = env.int("LINKCHECK_DUE_PER_HOST", default=100)  # per host per beat run
LINKCHECK_LEASE_SECONDS = env.int("LINKCHECK_LEASE_SECONDS", default=3600)  # a claimed source is re-due after
ARCHIVE_LOOKUP_URL = env.str("ARCHIVE_LOOKUP_URL", default="https://archive.org/wayback/available")

# --- Captures (sources/capture.py: our own WARC of each cited page, README "Captures") ----------------------------
# Through the link checker's fetcher, its guard, politeness and deadline. Off: no capture is taken by itself (at
# citation, on drift, monthly); a reviewer's "Capture now" still takes one.
CAPTURE_ENABLED = env.bool("CAPTURE_ENABLED", default=True)
# Bodies stream to a file, so this may be raised well past the checker's cap (reports in PDF are often larger); the
# text is read from the first LINKCHECK_MAX_BODY_BYTES, as the drift check reads it.
CAPTURE_MAX_BODY_BYTES = env.int("CAPTURE_MAX_BODY_BYTES", default=LINKCHECK_MAX_BODY_BYTES)
CAPTURE_INTERVAL_DAYS = env.float("CAPTURE_INTERVAL_DAYS", default=30)  # recapture of sources public claims cite
CAPTURE_CONCURRENCY = env.int("CAPTURE_CONCURRENCY", default=20)  # captures in flight per task
CAPTURE_BATCH_SIZE = env.int("CAPTURE_BATCH_SIZE", default=100)  # sources per batch task
CAPTURE_DUE_LIMIT = env.int("CAPTURE_DUE_LIMIT", default=2000)  # sources claimed per beat run
CAPTURE_LEASE_SECONDS = env.int("CAPTURE_LEASE_SECONDS", default=3600)  # a claimed source is due again after
# A source cited this long ago and never captured (its task was lost, or it was cited before captures existed) is
# taken by the beat job; sooner, the capture queued at citation is still on its way.
CAPTURE_GRACE_MINUTES = env.int("CAPTURE_GRACE_MINUTES", default=60)

# --- Import (article and ClaimReview import, similar claims) ----------------------------------------------------
# Similarity scores are 0..1 (claims.similarity). Above SUGGEST a match is shown to reviewers; above LINK an
# importer adds the appearance to the existing claim instead of creating another (see README "Similar claims").
SIMILAR_CLAIMS_SUGGEST_THRESHOLD = env.float("SIMILAR_CLAIMS_SUGGEST_THRESHOLD", default=0.35)
SIMILAR_CLAIMS_LINK_THRESHOLD = env.float("SIMILAR_CLAIMS_LINK_THRESHOLD", default=0.65)
SIMILAR_CLAIMS_LIMIT = env.int("SIMILAR_CLAIMS_LIMIT", default=10)
# Search without `language=` stems the query in each of these languages (BCP 47 tags; claims.search.query): the
# languages we import. Claims in others are still stemmed when indexed and found by `language=` or exact forms.
SEARCH_LANGUAGES = env.list("SEARCH_LANGUAGES", default=["en", "es", "fr", "de", "pt"])
# Zone for a Markdown export's 发布时间 when neither the file nor its 发布地 says which (the exporter's own).
IMPORT_DEFAULT_TIME_ZONE = env.str("IMPORT_DEFAULT_TIME_ZONE", default="Asia/Shanghai")

# --- Celery -----------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Without a broker, tasks run in-process so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Reliability: a task is acknowledged after it ran, so a killed worker's task is delivered again (tasks are
# idempotent: LinkCheck is unique per source and run); one task prefetched at a time; the broker waits longer than
# any time limit or retry countdown before redelivering.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600),
    "socket_connect_timeout": 2,
    "socket_keepalive": True,
}
# The limits leave a link-check batch its whole budget.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=int(LINKCHECK_BATCH_BUDGET) + 120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=int(LINKCHECK_BATCH_BUDGET) + 180)

# Queues: link checks, captures, imports and maintenance apart, so a large import never starves the check schedule.
# A worker started without -Q consumes them all (make run, tests); production runs a worker per group.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue("celery"),
    Queue("linkcheck"),
    Queue("captures"),
    Queue("imports"),
    Queue("maintenance"),
    Queue("webhooks"),
]
CELERY_TASK_ROUTES = {
    "sources.tasks.check_source": {"queue": "linkcheck"},
    "sources.tasks.check_sources_batch": {"queue": "linkcheck"},
    "sources.tasks.check_due_sources": {"queue": "maintenance"},
    # Captures apart from checks: a capture downloads whole pages and writes files, and must not delay the schedule.
    "sources.tasks.source_capture": {"queue": "captures"},
    "sources.tasks.sources_capture": {"queue": "captures"},
    "sources.tasks.sources_capture_due": {"queue": "maintenance"},
    "claims.tasks.claims_flag_stale": {"queue": "maintenance"},
    "sources.tasks.check_rollups_rebuild": {"queue": "maintenance"},
    "claims.tasks.claim_tallies_rebuild": {"queue": "maintenance"},
    "notifications.tasks.webhooks_deliver": {"queue": "webhooks"},
    "notifications.tasks.webhook_deliveries_prune": {"queue": "maintenance"},
}
# The broker may go away: workers retry the connection forever (also at start-up) and web processes give up
# publishing after about a second (the request still succeeds: what is due lives in PostgreSQL).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
# A lost broker connection does not cancel running checks; their late acks may be lost, and the redelivery after the
# visibility timeout records nothing new (one LinkCheck per source and run).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False

# --- Webhooks (notifications/: the outbox, delivery, README "Notifications") -----------------------------------------
# Secrets are kept encrypted under these keys (Fernet keys or any passphrases; the first encrypts, all decrypt, so a
# new key goes first and the old one stays until nothing uses it). Empty: a key derived from DJANGO_SECRET_KEY.
WEBHOOK_SECRET_KEYS = env.list("WEBHOOK_SECRET_KEYS", default=[])
# Subscriptions one owner may have: each one multiplies the deliveries of every event; 0 means no limit.
WEBHOOK_SUBSCRIPTIONS_PER_OWNER = env.int("WEBHOOK_SUBSCRIPTIONS_PER_OWNER", default=25)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)  # then the delivery is failed
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=75.0)  # x3 each attempt: about a day
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=12 * 3600)
WEBHOOK_PAUSE_AFTER_HOURS = env.float("WEBHOOK_PAUSE_AFTER_HOURS", default=72)  # every delivery failing this long
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_DEADLINE = env.float("WEBHOOK_DEADLINE", default=10.0)  # one POST, connect to last byte read
WEBHOOK_MAX_RESPONSE_BYTES = env.int("WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)  # read at most, then hang up
# A claimed delivery's lease is 2 x the deadline + this: what recording a round may take. A worker killed mid-send
# leaves its deliveries to be sent again (same delivery id) once the lease has run out.
WEBHOOK_LEASE_MARGIN_SECONDS = env.float("WEBHOOK_LEASE_MARGIN_SECONDS", default=30.0)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=500)  # deliveries claimed per round
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=100)  # POSTs in flight per worker
WEBHOOK_HOST_CONCURRENCY = env.int("WEBHOOK_HOST_CONCURRENCY", default=20)  # per receiving host
WEBHOOK_SWEEP_SECONDS = env.int("WEBHOOK_SWEEP_SECONDS", default=30)  # beat: the outbox and due retries
# After-commit nudges of the webhook worker: at most one per this many seconds per process, the next held to the end
# of the interval (notifications.dispatch.NudgeClock); 0 sends one per committing transaction.
WEBHOOK_NUDGE_INTERVAL_SECONDS = env.float("WEBHOOK_NUDGE_INTERVAL_SECONDS", default=0.5)
# Delivered and failed deliveries (and their attempt logs) are deleted this many days after their event or last
# replay, daily; 0 keeps them forever. Events stay: the changes feeds list them.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)

HEALTHZ_BEAT_TASK = "sources.tasks.check_due_sources"  # its PeriodicTask.last_run_at is beat's heartbeat (/healthz)

# --- Email (the assignee's email: claims.emails, sent on commit by claims.tasks.claim_assignment_notify) ------------
# One url: smtp://user:password@host:25, smtp+tls://...:587 (STARTTLS), smtp+ssl://...:465; user and password
# percent-encoded. Unset or empty: consolemail://, each email printed by the process that sends it (make run's, or the
# worker's). The tests use Django's own in-memory outbox whatever this says.
_email = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or (465 if _email.get("EMAIL_USE_SSL") else 25)
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="factcheck@localhost")
# Seconds a mail server may take to answer: without a limit a silent one holds a worker for ever.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)

# --- The tip form (/tips/, public/views/tips.py) ------------------------------------------------------------------
# Tips one client may send, "<count>/<second|min|hour|day>"; beyond it a 429 page. Counted per client in the cache
# (Redis with REDIS_URL, so all web processes share the count) under an HMAC of the address, never the address.
# Empty turns the limit off.
TIPS_RATE = env.str("TIPS_RATE", default="10/hour")

# --- API (claims/api, sources/api) ------------------------------------------------------------------------------
# Anonymous clients are throttled per address, signed-in users per user (factcheck.api.throttling), counted in Redis
# when REDIS_URL is set (every web process shares the count), else in the local cache. Empty turns a rate off.
API_ANON_THROTTLE_RATE = env.str("API_ANON_THROTTLE_RATE", default="120/min")
# Reviewers save often and scripts with a token read a lot: five times the anonymous rate, still a ceiling for a
# leaked or looping token.
API_USER_THROTTLE_RATE = env.str("API_USER_THROTTLE_RATE", default="600/min")
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
# Rows fetched per round trip by the streamed export (server-side cursor): memory stays flat whatever the size.
API_EXPORT_CHUNK_SIZE = env.int("API_EXPORT_CHUNK_SIZE", default=2000)
# Streamed exports running at once (factcheck.api.concurrency): per client (user or address) across all web
# processes, counted in Redis; and in total per web process. Beyond either, 429 with Retry-After. 0 turns one off.
API_EXPORT_CONCURRENCY_PER_CLIENT = env.int("API_EXPORT_CONCURRENCY_PER_CLIENT", default=2)
API_EXPORT_CONCURRENCY = env.int("API_EXPORT_CONCURRENCY", default=4)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "factcheck.api.authentication.TokenAuthentication",  # DRF's, switching the user's preferences on
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["factcheck.api.permissions.ReadAnyoneWriteReviewers"],
    "DEFAULT_THROTTLE_CLASSES": ["factcheck.api.throttling.AnonThrottle", "factcheck.api.throttling.UserThrottle"],
    "DEFAULT_PAGINATION_CLASS": "factcheck.api.pagination.KeysetPagination",
    "EXCEPTION_HANDLER": "factcheck.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "factcheck.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # A JSON body nested deeper than Python's parser goes is a 400, not a RecursionError (its JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "factcheck.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Claims, verdicts, evidence and link health, for researchers and reviewers; webhooks that tell "
    "your server when a published claim changes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "claims.choices.Verdict",
        "ClaimStatusEnum": "claims.choices.ClaimStatus",
        "StanceEnum": "claims.choices.Stance",
        "HealthEnum": "sources.choices.Health",
        "OutcomeEnum": "sources.choices.Outcome",
        "EventTypeEnum": "notifications.choices.EventType",
        "DeliveryStateEnum": "notifications.choices.DeliveryState",
    },
    # Swagger UI from drf-spectacular-sidecar (our own static files, no CDN), its initialiser served as a separate
    # script (factcheck.security.SwaggerDocsView), so the docs page runs under a CSP that allows only 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
API_DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# --- Security (TLS ends at the reverse proxy; CORS, admin login lockout, request size) -------------------------
# Reverse proxies (README "Deploying"). X-Forwarded-For and X-Forwarded-Proto count only from a peer in
# TRUSTED_PROXY_NETWORKS (DJANGO_TRUSTED_PROXIES, CIDRs; compose: the proxy's fixed address); from anyone else
# factcheck.security drops them, so a client that reaches gunicorn directly cannot choose its address or scheme.
# Unset, they are loopback and the private ranges, where an existing deployment's proxy lives: a client from a
# public address is not trusted either way. NUM_PROXIES is how many proxies of ours stand in a row, each setting or
# appending the address it saw (factcheck.security.client_ip); 0 ignores X-Forwarded-For. Setting
# DJANGO_TRUSTED_PROXIES makes it 1 unless DJANGO_NUM_PROXIES says otherwise.
_PRIVATE_NETWORKS = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]


def _networks(variable: str, default: list[str]) -> list[str]:
    """CIDRs from the environment, checked at start: a typo must not silently trust nobody, or everybody."""
    values = env.list(variable, default=default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{variable}: {value!r} is not an address or a network (CIDR).") from None
    return values


TRUSTED_PROXY_NETWORKS = _networks("DJANGO_TRUSTED_PROXIES", _PRIVATE_NETWORKS)
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=1 if env.str("DJANGO_TRUSTED_PROXIES", default="") else 0)
# /healthz tells everyone its status; its details (each check, queue depths, error text) only to staff signed in
# and to clients in these networks, by the address client_ip finds (never a header a client chose). Compose's
# healthcheck asks from inside the container, on loopback.
HEALTHZ_ALLOW_NETWORKS = _networks("HEALTHZ_ALLOW_NETWORKS", ["127.0.0.0/8", "::1/128"])
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Cross-origin reads of the public API from any site, without credentials; nothing else (writes need a token or a
# session, both of which a preflight for them is refused: only GET, HEAD and OPTIONS are allowed).
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "content-language", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Link", "Retry-After"]  # Link: the ClaimReview feed's pages
CORS_PREFLIGHT_MAX_AGE = 86400

# Admin login: AXES_FAILURE_LIMIT failures for one user name from one address lock that pair out for
# AXES_COOLOFF_MINUTES (a 429 page that says so). Kept in the database, so it works while Redis is down.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "factcheck/lockout.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "factcheck.security.client_ip"
# The lockout JSON (XHR logins) is for our own pages only: FACTCHECK_SITE_URL's origin, or, when that follows the
# request, none (same-origin pages need no CORS header, and an empty one lets no other origin read it).
AXES_ALLOWED_CORS_ORIGINS = "{0.scheme}://{0.netloc}".format(urlsplit(FACTCHECK_SITE_URL)) if FACTCHECK_SITE_URL else ""

# Request bodies: forms and JSON up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB default), uploads (the admin's
# article and ClaimReview files, 20 MB each) up to REQUEST_MAX_UPLOAD_BYTES; larger is a 413 before the body is read
# (DRF reads JSON as a stream, past Django's own limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
REQUEST_MAX_UPLOAD_BYTES = env.int("REQUEST_MAX_UPLOAD_BYTES", default=21 * 1024 * 1024)

# --- Logging ----------------------------------------------------------------------------------------------------
# Each Redis error the cache ignores is logged by django-redis, and made one warning per interval by our filter.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"cache_unavailable": {"()": "factcheck.failsafe.CacheUnavailableFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"django_redis.cache": {"filters": ["cache_unavailable"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
