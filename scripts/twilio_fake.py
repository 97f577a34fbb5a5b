"""A local stand-in for Twilio's Messages API. Development and tests only.

It answers the one call the marketplace makes, over real HTTP, shaped like Twilio's:
  POST /2010-04-01/Accounts/<sid>/Messages.json   send a text: basic auth (account SID, auth
                                                  token), form fields To, From, Body → 201 and
                                                  the message (sid "SM…", status "queued")
  GET  /2010-04-01/Accounts/<sid>/Messages/<sid>.json   one message
Bad credentials → 401 (Twilio error 20003); a To that is not an E.164 number → 400 (21211); no
From → 400 (21603); no Body → 400 (21602); a Body over 1,600 characters → 400 (21617).

Test controls (not Twilio): GET /_fake/messages lists every text taken, oldest first;
POST /_fake/outage {status: 500 or 503, "" clears} makes every Messages call answer that status
(the provider is down); POST /_fake/reset forgets the texts and ends an outage.

    python scripts/twilio_fake.py --port 8422 --account-sid ACfake --auth-token secret \
        --state-file .data/twilio_fake.json

Point the marketplace at it with
SMS_URL=twilio://ACfake:secret@127.0.0.1:8422?from=%2B15550000000&tls=0
"""

import argparse
import base64
import email.utils
import http.server
import json
import os
import re
import secrets
import threading
from urllib.parse import urlparse

from fake_http import FormJsonHandler, run_until_interrupted, server_start

API = "/2010-04-01/Accounts/"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_BODY = 1600


class TwilioFake:
    def __init__(self, *, account_sid: str = "", auth_token: str = "", state_file: str = ""):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.outage: int | None = None
        self.state_file = state_file
        self._load()

    def _load(self) -> None:
        if not self.state_file:
            return
        try:
            with open(self.state_file) as handle:
                self.messages = json.load(handle).get("messages", [])
        except (OSError, ValueError):
            return

    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            with open(f"{self.state_file}.tmp", "w") as handle:
                json.dump({"messages": self.messages}, handle)
            os.replace(f"{self.state_file}.tmp", self.state_file)

    def message_new(self, *, account: str, form: dict) -> dict:
        sid = f"SM{secrets.token_hex(16)}"
        now = email.utils.formatdate(usegmt=True)
        body = form["Body"]
        return {
            "account_sid": account, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form["From"], "messaging_service_sid": None, "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 160))), "price": None,
            "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": f"{API}{account}/Messages/{sid}/Media.json"},
            "to": form["To"], "uri": f"{API}{account}/Messages/{sid}.json",
        }


def _error(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def handler_for(fake: TwilioFake):
    class Handler(FormJsonHandler):
        def _account(self, path: str) -> str | None:
            """The account SID of an API path when the request's basic auth holds it."""
            account = path[len(API):].split("/", 1)[0]
            header = self.headers.get("Authorization", "")
            try:
                decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
            except ValueError:
                return None
            user, _, token = decoded.partition(":")
            if not header.startswith("Basic ") or user != account:
                return None
            if fake.account_sid and (user != fake.account_sid or token != fake.auth_token):
                return None
            return account

        def _unauthorized(self) -> None:
            self._json(401, _error(401, 20003, "Authentication Error - invalid username"))

        def do_GET(self):  # noqa: N802
            path = urlparse(self.path).path
            if path == "/_fake/messages":
                with fake.lock:
                    return self._json(200, {"messages": list(fake.messages),
                                            "outage": fake.outage})
            if not path.startswith(API):
                return self._json(404, _error(404, 20404, "The requested resource was not found"))
            account = self._account(path)
            if account is None:
                return self._unauthorized()
            sid = path.rsplit("/", 1)[1].removesuffix(".json")
            with fake.lock:
                found = [message for message in fake.messages
                         if message["sid"] == sid and message["account_sid"] == account]
            if not found:
                return self._json(404, _error(404, 20404, f"The requested resource {path} was "
                                                           "not found"))
            return self._json(200, found[0])

        def do_POST(self):  # noqa: N802
            path = urlparse(self.path).path
            form = self._form()
            if path.startswith("/_fake/"):
                return self._control(path, form)
            if not (path.startswith(API) and path.endswith("/Messages.json")):
                return self._json(404, _error(404, 20404, "The requested resource was not found"))
            if fake.outage:
                return self._json(fake.outage, _error(fake.outage, 20500 if fake.outage == 500
                                                      else 20503, "Service unavailable"))
            account = self._account(path)
            if account is None:
                return self._unauthorized()
            if not E164.match(form.get("To", "")):
                return self._json(400, _error(400, 21211, f"Invalid 'To' Phone Number: "
                                                          f"{form.get('To', '')}"))
            if not form.get("From"):
                return self._json(400, _error(400, 21603, "A 'From' phone number is required."))
            if not form.get("Body"):
                return self._json(400, _error(400, 21602, "Message body is required."))
            if len(form["Body"]) > MAX_BODY:
                return self._json(400, _error(400, 21617, "The concatenated message body exceeds "
                                                          "the 1600 character limit."))
            message = fake.message_new(account=account, form=form)
            with fake.lock:
                fake.messages.append(message)
            fake.save()
            return self._json(201, message)

        def _control(self, path: str, form: dict) -> None:
            if path == "/_fake/outage":
                status = form.get("status", "")
                if status and status not in {"500", "503"}:
                    return self._json(400, {"error": "status must be 500, 503 or empty"})
                fake.outage = int(status) if status else None
                return self._json(200, {"outage": fake.outage})
            if path == "/_fake/reset":
                with fake.lock:
                    fake.messages, fake.outage = [], None
                fake.save()
                return self._json(200, {"ok": True})
            return self._json(404, {"error": "Unknown control"})

    return Handler


def serve(*, host: str = "127.0.0.1", port: int = 0, **options):
    """Start the fake in a thread; returns (server, fake). The caller stops server.shutdown()."""
    fake = TwilioFake(**options)
    server = http.server.ThreadingHTTPServer((host, port), handler_for(fake))
    server_start(server)
    return server, fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TWILIO_FAKE_PORT", "8422")))
    parser.add_argument("--account-sid", default="",
                        help="accept only this account SID (empty: any, with any token)")
    parser.add_argument("--auth-token", default="")
    parser.add_argument("--state-file", default="", help="keep the texts in this JSON file")
    args = parser.parse_args()
    server, _ = serve(host=args.host, port=args.port, account_sid=args.account_sid,
                      auth_token=args.auth_token, state_file=args.state_file)
    print(f"Twilio fake on http://{args.host}:{server.server_address[1]}", flush=True)
    run_until_interrupted(server)


if __name__ == "__main__":
    main()
