"""Start real service processes for tests: a Celery worker on the test database, localstripe,
the Twilio fake."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def test_database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test_… database)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()  # a Celery worker stops its own pool
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def celery_worker(*, log_path: Path, extra_env: dict | None = None):
    """Run `celery -A marketplace worker` on the test database and a queue of its own.

    Yields the queue name; send tasks with `apply_async(queue=...)`.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_QUEUE": queue,
        "DATABASE_POOL_MAX": "4",
        **(extra_env or {}),
    }
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(BIN / "celery"), "-A", "marketplace", "worker", "-Q", queue, "-c", "1",
         "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield queue, process
    finally:
        stop_process(process)
        log.close()


class TwilioFakeProcess:
    """scripts/twilio_fake.py as a process of its own on a free port; stop() and start() keep the
    port (the provider goes away and comes back) but not the texts it took."""

    def __init__(self, log_dir: Path, *, account_sid: str = "ACtest"):
        self.port = free_port()
        auth_token = uuid.uuid4().hex
        self.base = f"http://127.0.0.1:{self.port}"
        self.account_sid, self.auth_token = account_sid, auth_token
        self.log = log_dir / f"twilio-fake-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def sms_url(self, sender: str = "+15550001111") -> str:
        return (f"twilio://{self.account_sid}:{self.auth_token}@127.0.0.1:{self.port}"
                f"?from={quote(sender)}&tls=0")

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "twilio_fake.py"), "--port",
                 str(self.port), "--account-sid", self.account_sid, "--auth-token",
                 self.auth_token],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)
            self.process = None

    def messages(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.base}/_fake/messages", timeout=5) as answer:
            return json.load(answer)["messages"]

    def outage(self, status: int | None) -> None:
        data = urllib.parse.urlencode({"status": status or ""}).encode()
        urllib.request.urlopen(f"{self.base}/_fake/outage", data=data, timeout=5).close()
