"""Project-level checks: compose file, the proxy and gunicorn configs, migrations in sync, deploy settings."""

import ipaddress
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def nginx_directives(text: str) -> list[tuple[str, str]]:
    """(name, arguments) of each simple directive in an nginx config, comments left out."""
    text = re.sub(r"#[^\n]*", "", text)
    return [(name, " ".join(args.split())) for name, args in re.findall(r"([a-z_0-9]+)\s+([^;{}]*);", text)]


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def nginx_seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


def test_compose_file_parses_and_names_the_services():
    compose = _compose()
    services = compose["services"]
    assert {"proxy", "web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("proxy", "web", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
        assert services[name]["healthcheck"]["test"], f"{name} healthcheck runs nothing"
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    # Worker and beat reuse the web image.
    assert services["worker"]["image"] == services["web"]["image"] == services["beat"]["image"]


def test_compose_puts_nginx_in_front_and_publishes_nothing_else():
    services = _compose()["services"]
    proxy = services["proxy"]
    # The official image, its version pinned (not "latest", not a floating major alone).
    assert re.fullmatch(r"nginx:\d+\.\d+(\.\d+)?(-alpine)?", proxy["image"]), proxy["image"]
    assert proxy["ports"] == ["80:80"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert NGINX_CONF.is_file()
    published = [name for name, service in services.items() if service.get("ports") and name != "proxy"]
    assert published == [], "only the proxy may publish a port: anything else reached directly dodges it"
    assert services["web"]["expose"] == ["8000"]
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])


def test_compose_trusts_forwarded_headers_from_the_proxy_alone():
    compose = _compose()
    services = compose["services"]
    address = ipaddress.ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    (subnet,) = [ipaddress.ip_network(c["subnet"]) for c in compose["networks"]["default"]["ipam"]["config"]]
    assert address in subnet
    for name in ("web", "worker", "worker-imports", "worker-maintenance", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_TRUSTED_PROXIES"] == f"{address}/32", name
        assert environment["DJANGO_NUM_PROXIES"] == "1", name  # the proxy sets X-Forwarded-For, one entry


def test_the_proxy_config_buffers_caps_times_out_and_sets_forwarded_headers(settings):
    directives = nginx_directives(NGINX_CONF.read_text())
    values = dict(directives)
    headers = {
        args.split(" ", 1)[0].lower(): args.split(" ", 1)[1] for name, args in directives if name == "proxy_set_header"
    }
    # Requests whole before gunicorn sees them; slow headers and stalled bodies cut.
    assert values["proxy_request_buffering"] == "on"
    assert nginx_size(values["client_body_buffer_size"]) >= 64 * 1024
    assert 0 < nginx_seconds(values["client_header_timeout"]) <= 30
    assert 0 < nginx_seconds(values["client_body_timeout"]) <= 30
    # The cap is the app's largest limit: nothing the app accepts is refused, nothing far larger is buffered.
    assert nginx_size(values["client_max_body_size"]) == settings.REQUEST_MAX_UPLOAD_BYTES
    assert nginx_size(values["client_max_body_size"]) >= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # Responses read as fast as gunicorn writes them, the streamed export's X-Accel-Buffering: no overruled.
    assert values["proxy_buffering"] == "on"
    assert values["proxy_ignore_headers"] == "X-Accel-Buffering"
    assert nginx_size(values["proxy_max_temp_file_size"]) >= 1024**3
    # Set, not appended: what a client wrote in X-Forwarded-For does not survive.
    assert headers["x-forwarded-for"] == "$remote_addr"
    assert headers["x-forwarded-proto"] == "$scheme"
    assert "$proxy_add_x_forwarded_for" not in NGINX_CONF.read_text()
    for dropped in ("x-forwarded-host", "x-real-ip", "forwarded"):
        assert headers[dropped] == '""', dropped
    # To web, where gunicorn listens; the proxy listens on the port compose publishes.
    assert values["set"] == "$web http://web:8000"
    assert values["proxy_pass"] == "$web"
    assert values["listen"].split()[0] == "80"


def test_gunicorn_config_chooses_threads_and_timeouts(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GUNICORN_") or name == "DJANGO_TRUSTED_PROXIES":
            monkeypatch.delenv(name)
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["worker_class"] == "gthread"
    assert config["threads"] >= 2
    assert config["workers"] >= 2
    assert config["timeout"] >= 30
    assert 0 < config["graceful_timeout"] <= config["timeout"]
    assert config["keepalive"] >= 1
    assert config["bind"] == "0.0.0.0:8000"
    proxy_read_timeout = nginx_seconds(dict(nginx_directives(NGINX_CONF.read_text()))["proxy_read_timeout"])
    assert proxy_read_timeout >= config["timeout"]
    # compose and the image both run gunicorn with it.
    assert "gunicorn -c deploy/gunicorn.conf.py factcheck.wsgi:application" in _compose()["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY deploy/gunicorn.conf.py" in dockerfile
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "factcheck.wsgi:application"]' in dockerfile


def test_the_image_holds_every_package_of_the_project():
    """The Dockerfile copies each package pyproject.toml installs (a new app left out runs in the tests, not in
    the image: notifications once was)."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    missing = [p.rstrip("*") for p in packages if f"COPY {p.rstrip('*')} ./{p.rstrip('*')}" not in dockerfile]
    assert missing == []


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def test_nginx_accepts_the_proxy_config(tmp_path):
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian package nginx; make test installs it): config checked above only")
    result = subprocess.run(
        [nginx, "-t", "-c", str(NGINX_CONF), "-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "a-real-looking-secret-key-for-tests-0123456789",
        DJANGO_ALLOWED_HOSTS="factcheck.example.org",
        DJANGO_SETTINGS_MODULE="factcheck.settings",
    )
    env.update(extra)
    return env


def test_deploy_check_passes_in_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_without_database_url_only_make_run_starts_and_the_error_says_so():
    env = {k: v for k, v in _production_env().items() if k != "DATABASE_URL"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
    assert "make run" in result.stderr


def test_a_database_other_than_postgresql_is_refused():
    result = _manage("check", env=_production_env(DATABASE_URL="sqlite:///var/old.sqlite3"))
    assert result.returncode != 0
    assert "must be PostgreSQL" in result.stderr


def test_compose_environment_gives_consistent_proxy_settings():
    environment = {
        k: str(v) for k, v in _compose()["services"]["web"]["environment"].items() if k.startswith("DJANGO_")
    }
    environment.pop("DJANGO_SECRET_KEY")
    environment.pop("DJANGO_ALLOWED_HOSTS")
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.TRUSTED_PROXY_NETWORKS, s.NUM_PROXIES, s.HEALTHZ_ALLOW_NETWORKS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_env(**environment), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    trusted, num_proxies, healthz = json.loads(result.stdout.strip().splitlines()[-1])
    assert trusted == ["172.30.80.10/32"]
    assert num_proxies == 1
    assert healthz == ["127.0.0.0/8", "::1/128"]  # compose's in-container healthcheck asks on loopback
    # Setting the trusted proxies alone implies one proxy in front.
    del environment["DJANGO_NUM_PROXIES"]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_env(**environment), capture_output=True, text=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1])[1] == 1


@pytest.mark.parametrize("variable", ["DJANGO_TRUSTED_PROXIES", "HEALTHZ_ALLOW_NETWORKS"])
def test_a_network_that_is_not_one_is_refused_at_start(variable):
    result = _manage("check", env=_production_env(**{variable: "172.30.80.10/33"}))
    assert result.returncode != 0
    assert f"{variable}: '172.30.80.10/33' is not an address or a network" in result.stderr


EMAIL_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
)
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _email_settings(**environment: str) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {EMAIL_SETTINGS!r}]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="factcheck.settings", **environment)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, ["django.core.mail.backends.console.EmailBackend", "localhost", 25, "", "", False, False]),
        ({"EMAIL_URL": ""}, ["django.core.mail.backends.console.EmailBackend", "localhost", 25, "", "", False, False]),
        (
            {"EMAIL_URL": "smtp+tls://desk%40example.org:p%40ss%2Fword@mail.example.org:587"},
            [SMTP, "mail.example.org", 587, "desk@example.org", "p@ss/word", True, False],
        ),
        ({"EMAIL_URL": "smtp+ssl://mail.example.org"}, [SMTP, "mail.example.org", 465, "", "", False, True]),
        ({"EMAIL_URL": "smtp://relay.internal:2525"}, [SMTP, "relay.internal", 2525, "", "", False, False]),
    ],
    ids=["unset", "empty", "smtp-starttls", "smtp-ssl", "smtp-plain"],
)
def test_email_url_is_parsed_into_djangos_email_settings(environment, expected):
    result = _email_settings(**environment)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found[:7] == expected
    assert found[7:] == [10, "factcheck@localhost"]  # a silent server is given up on; a sender by default


def test_email_timeout_and_sender_come_from_the_environment_and_a_bad_url_is_refused():
    result = _email_settings(DJANGO_EMAIL_TIMEOUT="3", DJANGO_DEFAULT_FROM_EMAIL="Desk <desk@example.org>")
    assert json.loads(result.stdout.strip().splitlines()[-1])[7:] == [3, "Desk <desk@example.org>"]
    result = _email_settings(EMAIL_URL="smtps+typo://mail.example.org")
    assert result.returncode != 0
    assert "Invalid email schema smtps+typo" in result.stderr
