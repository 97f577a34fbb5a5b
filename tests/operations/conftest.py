import subprocess

import pytest

from tests.processes import BIN, free_port, stop_process, wait_for_port


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """A real S3 API (moto's standalone server) on loopback for the whole run."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_for_port(port, timeout=30)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_process(process)
