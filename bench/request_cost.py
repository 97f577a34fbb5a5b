"""What one request costs, in process: CPU time of the Python side and of its PostgreSQL backend,
or (with --instructions) the Python side's instruction count, which does not drift with the load
of the machine the way times do.

    .venv/bin/python bench/request_cost.py --demo "/api/v1/listings/?q=honey" "/search/?q=honey"
    .venv/bin/python bench/request_cost.py --demo --instructions "/api/v1/listings/?q=honey"

Each request goes through Django's WSGI handler with the benchmark's settings and database
(bench/catalog.py: run it once with --load-only first), anonymously, with a URL of its own
(`nocache=`), so the page cache misses as it does for a query nobody asked for before: what
bench/catalog.py's "uncached" wrk runs measure, without gunicorn and wrk. Times are the best of
five runs of --requests requests. Instructions come from valgrind's callgrind (Debian: apt-get
install valgrind): two runs of different lengths, the difference divided by the requests between
them, so start-up cancels out; PostgreSQL's side is not counted there.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environ(path: str, serial: int) -> dict:
    route, _, query = path.partition("?")
    query = f"{query}&nocache={time.time_ns()}-{serial}" if query else f"nocache={serial}"
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
    }


class Requests:
    def __init__(self):
        import django

        django.setup()
        from django.core.handlers.wsgi import WSGIHandler

        self.app, self.serial = WSGIHandler(), 0

    def run(self, path: str, count: int) -> None:
        statuses = []
        for _ in range(count):
            self.serial += 1
            body = self.app(_environ(path, self.serial), lambda status, *_: statuses.append(status))
            b"".join(body)
            body.close()
        if not statuses[-1].startswith("200"):
            raise SystemExit(f"{path}: answered {statuses[-1]}")


def _backend_cpu_seconds(pid: int) -> float:
    # schedstat's first field: nanoseconds on a CPU (/proc/<pid>/stat counts 10 ms ticks).
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def times(paths: list[str], count: int) -> None:
    from django.db import connection

    requests = Requests()
    for path in paths:
        requests.run(path, 50)  # warm: prepared statements, remembered cards, the pool
        best = None
        for _ in range(5):
            connection.ensure_connection()  # the pool's one connection: the requests' own
            backend = connection.connection.info.backend_pid
            connection.close()
            began, pg_began = time.process_time(), _backend_cpu_seconds(backend)
            requests.run(path, count)
            python = (time.process_time() - began) / count * 1e6
            postgres = (_backend_cpu_seconds(backend) - pg_began) / count * 1e6
            if best is None or python + postgres < sum(best):
                best = (python, postgres)
        print(f"{path:48} python {best[0]:6.0f} µs   postgresql {best[1]:5.0f} µs", flush=True)


def instructions(paths: list[str], argv: list[str]) -> None:
    lengths = (20, 120)
    for path in paths:
        counts = []
        for count in lengths:
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                       sys.executable, __file__, *argv, "--one", str(count), path]
            result = subprocess.run(command, capture_output=True, text=True, check=True,
                                    env={**os.environ, "PYTHONHASHSEED": "0"})
            counts.append(int(re.search(r"Collected : (\d+)", result.stderr).group(1)))
        per_request = (counts[1] - counts[0]) / (lengths[1] - lengths[0])
        print(f"{path:48} {per_request / 1e6:6.2f} M instructions (Python side)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--demo", action="store_true", help="the demo data's database")
    parser.add_argument("--requests", type=int, default=500, help="per timed run")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a run under callgrind
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.argv = sys.argv[:1] + ["--demo"] * args.demo
    import bench.catalog  # noqa: F401 - the benchmark's environment (database, settings)

    if args.one:
        requests = Requests()
        requests.run(args.paths[0], 60)
        requests.run(args.paths[0], args.one)
    elif args.instructions:
        instructions(args.paths, ["--demo"] * args.demo)
    else:
        times(args.paths, args.requests)


if __name__ == "__main__":
    main()
