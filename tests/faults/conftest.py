"""Real services a fault test owns and stops: a private Redis, a private PostgreSQL, gunicorn.

Never the machine's shared Postgres or Redis: each server here runs on a free loopback port in a
temporary directory and is stopped by the test that started it.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from tests.processes import BIN, ROOT, free_port, stop_process, test_database_url, wait_for_port
from tests.support import RedisServer


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def pg_bin(name: str) -> str:
    """A PostgreSQL server binary: on PATH, or where Debian's packages put it."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda path: int(path.parts[-3]))
    if not candidates:
        raise FileNotFoundError(f"{name} not found: install PostgreSQL (see .ci/run)")
    return str(candidates[-1])


class PostgresServer:
    """A PostgreSQL cluster of our own (initdb as the postgres user) on a free loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/faults"
        shutil.chown(self.dir, user="postgres")
        self._as_postgres([pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                           "-E", "UTF8", "--no-sync"])

    def _as_postgres(self, command: list[str], timeout: float = 60) -> None:
        # initdb and pg_ctl refuse to run as root: run them as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + command, check=True, timeout=timeout, cwd=self.dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _pg_ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        log = str(self.dir / "server.log")
        self._as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-l", log,
                           "-o", options, "-w", "-t", "30", *args])

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("-m", "immediate", "stop")

    def create_database(self) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        "-c", "CREATE DATABASE faults"], check=True, timeout=30,
                       stdout=subprocess.DEVNULL)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.remove()


def app_env(**overrides: str) -> dict:
    """The environment of a web or worker process on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DATABASE_POOL_MAX": "4",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


@contextlib.contextmanager
def web_server(*, env: dict, log_path: Path, workers: int = 1):
    """gunicorn serving the app on a free loopback port; yields its base URL."""
    port = free_port()
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "marketplace.wsgi:application", "-w", str(workers),
             "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process, timeout=10)


def manage(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=True)


def token_session(user) -> requests.Session:
    """A requests session authenticated with the user's API token."""
    from rest_framework.authtoken.models import Token

    session = requests.Session()
    token, _ = Token.objects.get_or_create(user=user)
    session.headers["Authorization"] = f"Token {token.key}"
    return session
