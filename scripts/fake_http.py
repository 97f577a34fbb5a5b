"""What the local HTTP stand-ins share (stripe_connect_fake.py, twilio_fake.py): a request
handler that reads a form body and answers JSON without logging every request, a threaded
server started in the background, and a main loop that runs until interrupted."""

import http.server
import json
import threading
from urllib.parse import parse_qs


class FormJsonHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {key: values[-1] for key, values in parse_qs(raw).items()}

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        """Quiet: tests read the fake's state, not a line per request."""


def server_start(server: http.server.ThreadingHTTPServer) -> None:
    """Serve in a daemon thread; the caller stops it with server.shutdown()."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()


def run_until_interrupted(server: http.server.ThreadingHTTPServer) -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        return
    finally:
        server.shutdown()
