"""`make run`: the whole marketplace on embedded or local defaults, in the foreground.

Starts PostgreSQL (DATABASE_URL, or an embedded pgserver under .data/pg), localstripe on
loopback with our webhook registered, the local Stripe Connect fake (payout accounts and
transfers, which localstripe lacks; scripts/stripe_connect_fake.py), migrations and demo data,
then the web server, a Celery worker and beat. Ctrl-C stops every process it started.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DATA_DIR", ROOT / ".data"))
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("PORT", "8000"))
STRIPE_PORT = int(os.environ.get("LOCALSTRIPE_PORT", "8420"))
CONNECT_PORT = int(os.environ.get("STRIPE_CONNECT_FAKE_PORT", "8421"))


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def start_database(env: dict) -> object | None:
    if env.get("DATABASE_URL"):
        say("using DATABASE_URL")
        return None
    import pgserver  # a dev dependency: an embedded PostgreSQL, no system server needed

    pgdata = DATA / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded PostgreSQL in {pgdata}")
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'taobao_village';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE taobao_village;")
    socket_dir = urllib.parse.quote(str(pgdata), safe="")
    env["DATABASE_URL"] = f"postgres://postgres@{socket_dir}/taobao_village"
    return server


def start_localstripe(env: dict, children: list) -> None:
    if env.get("STRIPE_API_BASE"):
        say(f"using Stripe at {env['STRIPE_API_BASE']}")
        return
    base = f"http://127.0.0.1:{STRIPE_PORT}"
    process = None
    if port_is_open(STRIPE_PORT):
        say(f"something already listens on {STRIPE_PORT}; using it as localstripe")
    else:
        say(f"starting localstripe on {base}")
        log = open(DATA / "localstripe.log", "ab")  # noqa: SIM115 - lives as long as the child

        def launch(*extra: str) -> subprocess.Popen:
            process = subprocess.Popen(
                [str(BIN / "localstripe"), "--port", str(STRIPE_PORT), *extra],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            children.append(("localstripe", process))
            return process

        process = launch()
    deadline = time.monotonic() + 20
    while not port_is_open(STRIPE_PORT):
        if process is not None and process.poll() is not None:
            # localstripe keeps its state in one fixed file, /tmp/localstripe.pickle, which every
            # localstripe on the machine (the test suite's too) rewrites: a half-written or foreign
            # file stops it at start. Start again without it (earlier test payments are forgotten).
            children.pop()
            say("localstripe could not read its saved state (/tmp/localstripe.pickle); "
                "starting it from scratch")
            process = launch("--from-scratch")
        if time.monotonic() > deadline:
            raise SystemExit(f"localstripe did not start; see {DATA / 'localstripe.log'}")
        time.sleep(0.2)
    env["STRIPE_API_BASE"] = base
    hook = urllib.parse.urlencode({
        "url": f"http://127.0.0.1:{PORT}/api/v1/payments/stripe/webhook",
        "secret": env["STRIPE_WEBHOOK_SECRET"],
    }).encode()
    url = f"{base}/_config/webhooks/taobao-village"
    urllib.request.urlopen(url, data=hook, timeout=5).close()  # noqa: S310 - loopback http
    say("registered the webhook with localstripe")


def start_connect_fake(env: dict, children: list) -> None:
    """The local Stripe Connect stand-in: connected accounts, account links, the onboarding
    page the demo seller clicks through, transfers; it signs its account.updated events."""
    if env.get("STRIPE_CONNECT_API_BASE"):
        say(f"using Stripe Connect at {env['STRIPE_CONNECT_API_BASE']}")
        return
    if port_is_open(CONNECT_PORT):
        raise SystemExit(f"port {CONNECT_PORT} is taken; set STRIPE_CONNECT_FAKE_PORT to another")
    base = f"http://127.0.0.1:{CONNECT_PORT}"
    say(f"starting the Stripe Connect fake on {base}")
    log = open(DATA / "stripe_connect_fake.log", "ab")  # noqa: SIM115 - lives with the child
    children.append(("connect-fake", subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "stripe_connect_fake.py"),
         "--port", str(CONNECT_PORT), "--state-file", str(DATA / "stripe_connect_fake.json"),
         "--webhook-url", f"http://127.0.0.1:{PORT}/api/v1/payments/stripe/webhook",
         # Stripe signs connected-account events with the Connect endpoint's own secret.
         "--webhook-secret",
         env.get("STRIPE_CONNECT_WEBHOOK_SECRET") or env["STRIPE_WEBHOOK_SECRET"]],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )))
    deadline = time.monotonic() + 20
    while not port_is_open(CONNECT_PORT):
        if time.monotonic() > deadline:
            raise SystemExit("the Connect fake did not start; see "
                             f"{DATA / 'stripe_connect_fake.log'}")
        time.sleep(0.2)
    env["STRIPE_CONNECT_API_BASE"] = base


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def stop(children: list) -> None:
    for _, child in children:
        if child.poll() is None:
            child.terminate()  # the process stops its own children (Celery's pool) cleanly
    deadline = time.monotonic() + 10
    for name, child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in time; killing it")
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    for folder in ("broker/queue", "broker/processed", "broker/results", "broker/control",
                   "mail", "sms", "media"):
        (DATA / folder).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATA_DIR", str(DATA))
    env.setdefault("MEDIA_ROOT", str(DATA / "media"))
    env.setdefault("EMAIL_URL", f"file://{DATA / 'mail'}")
    # Text messages: one file per text (scripts/twilio_fake.py stands in for Twilio when
    # SMS_URL=twilio://…@127.0.0.1:8422?…&tls=0 is set and the fake is started by hand).
    env.setdefault("SMS_URL", f"file://{DATA / 'sms'}")
    env.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_localstripe_development")
    env.setdefault("SITE_URL", f"http://127.0.0.1:{PORT}")
    children: list = []
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server = start_database(env)
    try:
        start_localstripe(env, children)
        start_connect_fake(env, children)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        celery = str(BIN / "celery")
        for name, command in (
            ("web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"]),
            ("worker", [celery, "-A", "marketplace", "worker", "-l", "info", "-c", "2"]),
            ("beat", [celery, "-A", "marketplace", "beat", "-l", "info",
                      "-s", str(DATA / "celerybeat-schedule")]),
        ):
            children.append(
                (name, subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
            )
        say(f"Taobao Village US is running at http://127.0.0.1:{PORT}/  (Ctrl-C stops it all)")
        say("e-mails are written to " + env["EMAIL_URL"])
        say("text messages are written to " + env["SMS_URL"])
        sys.path.insert(0, str(ROOT))
        from marketplace import demo_data

        say(f"demo log-ins, password {demo_data.DEMO_PASSWORD!r}:")
        for role, (email, _) in (("buyer", demo_data.DEMO_BUYER),
                                 ("seller", demo_data.DEMO_SELLER),
                                 ("staff", demo_data.DEMO_STAFF),
                                 ("rights owner", demo_data.DEMO_RIGHTS_OWNER)):
            say(f"  {role:<12} {email}")
        say(f"  staff sign-in also asks for a code: add the authenticator key "
            f"{demo_data.DEMO_STAFF_TOTP_SECRET} to an authenticator app (time-based, 6 digits)")
        while not stopping:
            for name, child in children:
                if child.poll() is not None:
                    say(f"{name} exited with status {child.returncode}; stopping everything")
                    stopping = True
            time.sleep(0.5)
    finally:
        say("stopping…")
        stop(children)
        if server is not None:
            server.cleanup()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
