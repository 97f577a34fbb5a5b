"""What scripts/test_services.sh (run by `make test`) decides on machines it has never seen.

The script runs with a PATH of its own: stub `apt-get`, `pg_isready`, `redis-cli`, `id`, … that
write each call to a log and keep the machine's state in files (installing chromium creates
the executable, starting PostgreSQL makes `pg_isready` answer). Only what the script calls is
stubbed; the decisions are the real script's.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.processes import ROOT

SCRIPT = ROOT / "scripts" / "test_services.sh"
REAL_TOOLS = ("ls", "sort", "tail", "seq", "mkdir", "cat", "sleep")

# Each stub logs "name args" to $STATE/calls, then acts on the files in $STATE.
STUBS = {
    "id": 'echo "$FAKE_UID"',
    "pg_isready": '[ -e "$STATE/pg_up" ]',
    "redis-cli": '[ -e "$STATE/redis_up" ]',
    "redis-server": ': > "$STATE/redis_up"',
    "pg_ctlcluster": 'case "$4" in start|restart) : > "$STATE/pg_up";; esac',
    "pg_createcluster": '/usr/bin/mkdir -p "$PG_ETC_DIR/$1/main"',
    "su": """case "$3" in
  *"FROM pg_roles"*) [ -e "$STATE/role" ] && echo 1;;
  *"CREATE ROLE"*) : > "$STATE/role";;
  *"FROM pg_database"*) [ -e "$STATE/database" ] && echo 1;;
  *"CREATE DATABASE"*) : > "$STATE/database";;
  *"SHOW max_connections"*) echo 200;;
esac""",
    "apt-get": """[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in
    postgresql)  # Debian's package also creates and starts the cluster 15/main
      stub pg_isready; stub pg_ctlcluster; stub pg_createcluster
      /usr/bin/mkdir -p "$PG_LIB_DIR/15" "$PG_ETC_DIR/15/main"; : > "$STATE/pg_up";;
    redis-server) stub redis-server;;
    redis-tools) stub redis-cli;;
    chromium) : > "$CHROMIUM"; /usr/bin/chmod +x "$CHROMIUM";;
  esac
done""",
}


class Machine:
    """A throwaway directory standing in for a Debian machine, and the script run on it."""

    def __init__(self, root: Path):
        self.root = root
        self.bin = root / "bin"
        self.state = root / "state"
        self.bin.mkdir()
        self.state.mkdir()
        self.env = {
            "PATH": str(self.bin), "STATE": str(self.state), "FAKE_UID": "0",
            "CHROMIUM": str(root / "usr-bin" / "chromium"),
            "PG_ETC_DIR": str(root / "etc-postgresql"),
            "PG_LIB_DIR": str(root / "usr-lib-postgresql"),
            "REDIS_DATA_DIR": str(root / "var-lib-redis"),
            "REDIS_LOG_DIR": str(root / "var-log-redis"),
        }
        (root / "usr-bin").mkdir()
        for tool in REAL_TOOLS:
            (self.bin / tool).symlink_to(shutil.which(tool))
        # Every stub is written here once; `stub NAME` (also from apt-get) puts it on the PATH.
        self.stubs = root / "stubs"
        self.stubs.mkdir()
        for name, body in STUBS.items():
            path = self.stubs / name
            path.write_text(
                "#!/bin/bash\n"
                f'echo "{name} $*" >> "$STATE/calls"\n'
                f'stub() {{ /usr/bin/cp "{self.stubs}/$1" "{self.bin}/$1"; }}\n'
                + body + "\n"
            )
            path.chmod(0o755)
        for name in ("id", "su", "apt-get"):
            self.stub(name)

    def stub(self, name: str) -> None:
        shutil.copy(self.stubs / name, self.bin / name)

    def with_everything(self) -> "Machine":
        """PostgreSQL 15 installed, running, with the test role and database; Redis up."""
        for name in ("pg_isready", "pg_ctlcluster", "pg_createcluster", "redis-cli",
                     "redis-server"):
            self.stub(name)
        (Path(self.env["PG_ETC_DIR"]) / "15" / "main").mkdir(parents=True)
        for flag in ("pg_up", "redis_up", "role", "database"):
            (self.state / flag).touch()
        self.chromium_install()
        return self

    def chromium_install(self) -> None:
        chromium = Path(self.env["CHROMIUM"])
        chromium.touch()
        chromium.chmod(0o755)

    def run(self, *, uid: int = 0, **extra_env) -> subprocess.CompletedProcess:
        env = {**self.env, "FAKE_UID": str(uid), **extra_env}
        return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True,
                              text=True, timeout=60)

    @property
    def calls(self) -> list[str]:
        log = self.state / "calls"
        return log.read_text().splitlines() if log.exists() else []

    def called(self, name: str) -> list[str]:
        return [call for call in self.calls if call.split(" ", 1)[0] == name]


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


def test_everything_present_installs_and_starts_nothing(machine):
    machine.with_everything()
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert machine.called("apt-get") == []
    assert machine.called("redis-server") == []
    assert [call for call in machine.called("pg_ctlcluster") if " start" in call
            or " restart" in call] == []
    assert not [call for call in machine.called("su") if "CREATE" in call]


def test_missing_chromium_as_root_is_installed_and_nothing_else(machine):
    machine.with_everything()
    Path(machine.env["CHROMIUM"]).unlink()
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert machine.called("apt-get") == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core",
    ]
    assert os.access(machine.env["CHROMIUM"], os.X_OK)
    assert done.stdout.splitlines() == ["[test-services] installing Chromium"]


def test_stopped_postgres_and_redis_are_started_not_installed(machine):
    machine.with_everything()
    (machine.state / "pg_up").unlink()
    (machine.state / "redis_up").unlink()
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert machine.called("apt-get") == []
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in machine.calls
    (redis,) = machine.called("redis-server")
    assert redis.startswith("redis-server --daemonize yes --bind 127.0.0.1 --port 6379")
    assert done.stdout.splitlines() == [
        "[test-services] starting PostgreSQL 15", "[test-services] starting Redis",
    ]


def test_a_fresh_machine_as_root_gets_everything_with_one_package_list_update(machine):
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert machine.called("apt-get") == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib",
        "apt-get install -y -qq --no-install-recommends redis-server redis-tools",
        "apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core",
    ]
    assert (machine.state / "role").exists() and (machine.state / "database").exists()
    assert len(machine.called("redis-server")) == 1
    conf = Path(machine.env["PG_ETC_DIR"]) / "15/main/conf.d/90-taobao-village-tests.conf"
    assert "fsync = off" in conf.read_text()


def test_postgres_installed_without_a_cluster_gets_one_and_it_is_started(machine):
    machine.with_everything()
    shutil.rmtree(machine.env["PG_ETC_DIR"])
    Path(machine.env["PG_LIB_DIR"], "15").mkdir(parents=True)
    (machine.state / "pg_up").unlink()
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert machine.called("apt-get") == []
    assert machine.called("pg_createcluster") == ["pg_createcluster 15 main"]
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in machine.calls


def test_missing_things_when_not_root_are_named_in_one_line_and_fail(machine):
    machine.stub("pg_isready")
    machine.stub("redis-cli")
    (machine.state / "pg_up").touch()  # PostgreSQL runs; Redis and Chromium are missing
    done = machine.run(uid=1000)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "[test-services] not root, so nothing installed; make test needs: "
        "redis-server (or set REDIS_URL), chromium (as root: make services)"
    ]
    assert machine.called("apt-get") == []
    assert machine.called("su") == []


def test_nothing_missing_when_not_root_passes_silently(machine):
    machine.with_everything()
    done = machine.run(uid=1000)
    assert (done.returncode, done.stdout) == (0, "")
    assert machine.called("apt-get") == []


def test_not_root_checks_the_servers_the_urls_name(machine):
    machine.with_everything()
    done = machine.run(uid=1000, DATABASE_URL="postgres://me:pw@db.example:6543/village",
                       REDIS_URL="redis://cache.example/2")
    assert (done.returncode, done.stdout) == (0, "")
    assert machine.called("pg_isready") == ["pg_isready -h db.example -p 6543 -q"]
    assert machine.called("redis-cli") == ["redis-cli -h cache.example -p 6379 ping"]
