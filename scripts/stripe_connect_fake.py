"""A local stand-in for Stripe Connect, which localstripe does not have. Development and tests only.

It answers the Connect calls the marketplace makes, over real HTTP, shaped like Stripe's:
  POST /v1/accounts            create an Express account (an Idempotency-Key gives the same one)
  GET  /v1/accounts/<id>       the account: charges_enabled, payouts_enabled, requirements
  POST /v1/account_links       a single-use onboarding link (url = this server's page below)
  POST /v1/transfers           a transfer to an account whose payouts are enabled (keyed)
  GET  /v1/transfers           the transfers, by transfer_group
and serves the stand-in onboarding page the link points to: the seller clicks "Finish" (the
account becomes enabled) or "Leave for now" (it stays unfinished) and is sent to return_url; a
used link sends them to refresh_url, as Stripe does. Every change of an account is sent as an
`account.updated` event to the webhook URL, signed like Stripe (Stripe-Signature: t=…,v1=…).

Test controls (not Stripe): GET /_fake/state; POST /_fake/webhook {url, secret, delay};
POST /_fake/accounts/<id> {payouts_enabled, charges_enabled, details_submitted, currently_due
(comma-separated), disabled_reason} changes an account and sends its event;
POST /_fake/refuse {path, message} makes every request to that path prefix a 400 ("" clears).

    python scripts/stripe_connect_fake.py --port 8421 --state-file .data/stripe_connect_fake.json \
        --webhook-url http://127.0.0.1:8000/api/v1/payments/stripe/webhook --webhook-secret whsec_…

--webhook-secret is the Connect endpoint's signing secret (STRIPE_CONNECT_WEBHOOK_SECRET), or the
platform's (STRIPE_WEBHOOK_SECRET) when no Connect secret is configured.
"""

import argparse
import hashlib
import hmac
import html
import http.server
import itertools
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

from fake_http import FormJsonHandler, run_until_interrupted, server_start

ONBOARDING_DUE = ["external_account", "individual.dob.day", "individual.ssn_last_4",
                  "tos_acceptance.date"]


class ConnectFake:
    def __init__(self, *, public_base: str, webhook_url: str = "", webhook_secret: str = "",
                 webhook_delay: float = 0.0, state_file: str = ""):
        self.public_base = public_base.rstrip("/")
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.webhook_delay = webhook_delay
        self.lock = threading.Lock()
        self.accounts: dict[str, dict] = {}
        self.links: dict[str, dict] = {}
        self.transfers: list[dict] = []
        self.keys: dict[tuple[str, str], dict] = {}
        self.refuse: dict[str, str] = {}
        self.events_sent: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.numbers = itertools.count(1)
        self.state_file = state_file
        self._load()

    # --- state on disk (make run restarts keep the demo seller's account) ----------------
    def _load(self) -> None:
        if not self.state_file:
            return
        try:
            with open(self.state_file) as handle:
                state = json.load(handle)
        except (OSError, ValueError):
            return
        self.accounts, self.links = state.get("accounts", {}), state.get("links", {})
        self.transfers = state.get("transfers", [])
        self.keys = {tuple(k.split(" ", 1)): v for k, v in state.get("keys", {}).items()}
        self.numbers = itertools.count(len(self.accounts) + 1)

    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            state = {"accounts": self.accounts, "links": self.links, "transfers": self.transfers,
                     "keys": {" ".join(k): v for k, v in self.keys.items()}}
            with open(f"{self.state_file}.tmp", "w") as handle:
                json.dump(state, handle)
            os.replace(f"{self.state_file}.tmp", self.state_file)

    # --- objects -------------------------------------------------------------------------
    def _account_new(self, form: dict) -> dict:
        number = next(self.numbers)
        return {
            "id": f"acct_fake{number:06d}{secrets.token_hex(3)}", "object": "account",
            "type": form.get("type", "express"), "country": form.get("country", "US"),
            "email": form.get("email"), "created": int(time.time()),
            "business_profile": {"name": form.get("business_profile[name]")},
            "charges_enabled": False, "payouts_enabled": False, "details_submitted": False,
            "requirements": {"currently_due": list(ONBOARDING_DUE), "eventually_due": [],
                             "past_due": [], "disabled_reason": "requirements.past_due"},
            "metadata": _metadata(form),
        }

    def account_finish(self, account_id: str) -> dict:
        with self.lock:
            account = self.accounts[account_id]
            account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
            account["requirements"] = {"currently_due": [], "eventually_due": [],
                                       "past_due": [], "disabled_reason": None}
            return json.loads(json.dumps(account))

    def account_change(self, account_id: str, form: dict) -> dict:
        with self.lock:
            account = self.accounts[account_id]
            for name in ("charges_enabled", "payouts_enabled", "details_submitted"):
                if name in form:
                    account[name] = form[name] in {"true", "1", "on"}
            if "currently_due" in form:
                due = [item for item in form["currently_due"].split(",") if item]
                account["requirements"]["currently_due"] = due
            if "disabled_reason" in form:
                account["requirements"]["disabled_reason"] = form["disabled_reason"] or None
            return json.loads(json.dumps(account))

    # --- webhooks ------------------------------------------------------------------------
    def event_send(self, account: dict) -> None:
        """Send `account.updated` to the webhook, signed, from a thread (as Stripe would)."""
        if not self.webhook_url:
            return
        event = {
            "id": f"evt_fake_{secrets.token_hex(8)}", "object": "event",
            "type": "account.updated", "account": account["id"], "created": int(time.time()),
            "livemode": False, "api_version": "2024-06-20", "data": {"object": account},
        }
        url, secret, delay = self.webhook_url, self.webhook_secret, self.webhook_delay

        def deliver():
            if delay:
                time.sleep(delay)
            payload = json.dumps(event).encode()
            stamp = int(time.time())
            digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
            request = urllib.request.Request(  # noqa: S310 - a configured loopback URL
                url, data=payload, method="POST",
                headers={"Content-Type": "application/json",
                         "Stripe-Signature": f"t={stamp},v1={digest.hexdigest()}"})
            status = None
            for _attempt in range(3):
                try:
                    with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
                        status = answer.status
                        break
                except urllib.error.HTTPError as error:
                    status = error.code
                    if error.code < 500:
                        break
                except OSError:
                    status = None
                time.sleep(0.5)
            with self.lock:
                self.events_sent.append({"id": event["id"], "account": account["id"],
                                         "status": status})

        threading.Thread(target=deliver, daemon=True).start()


def _metadata(form: dict) -> dict:
    return {key[9:-1]: value for key, value in form.items() if key.startswith("metadata[")}


def _error(message: str, *, code: str = "", kind: str = "invalid_request_error") -> dict:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Set up payouts (test stand-in for Stripe)</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7fb; color: #1a1f36; }}
main {{ max-width: 30rem; margin: 0 auto; padding: 1.5rem 1rem; }}
.note {{ background: #fff4d6; border: 1px solid #b58100; padding: .75rem; border-radius: 6px; }}
button {{ font: inherit; padding: .7rem 1.2rem; border-radius: 6px; border: 0; margin: .3rem 0;
  width: 100%; cursor: pointer; }}
.finish {{ background: #4f3fd8; color: #fff; }}
.leave {{ background: #fff; color: #1a1f36; border: 1px solid #5b6270; }}
</style></head>
<body><main>
<h1>Set up payouts for {name}</h1>
<p class="note">This is a local test stand-in for Stripe's onboarding, used in development
and tests. On the real Stripe you would give your legal name, date of birth, the last 4
digits of your SSN and a bank account here.</p>
<p>Account <code>{account}</code></p>
<form method="post" action="/connect/onboarding/{token}/finish">
<button class="finish" type="submit">Finish</button></form>
<form method="post" action="/connect/onboarding/{token}/leave">
<button class="leave" type="submit">Leave for now</button></form>
</main></body></html>
"""


def handler_for(fake: ConnectFake):
    class Handler(FormJsonHandler):
        def _redirect(self, url: str) -> None:
            self.send_response(303)
            self.send_header("Location", url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _refused(self, path: str) -> bool:
            for prefix, message in fake.refuse.items():
                if path.startswith(prefix):
                    self._json(400, _error(message))
                    return True
            return False

        def do_GET(self):  # noqa: N802
            url = urlparse(self.path)
            path = url.path
            with fake.lock:
                fake.requests.append(("GET", path))
            if path == "/_fake/state":
                with fake.lock:
                    return self._json(200, {"accounts": fake.accounts, "links": fake.links,
                                            "transfers": fake.transfers,
                                            "events_sent": fake.events_sent})
            if self._refused(path):
                return None
            if path.startswith("/v1/accounts/"):
                with fake.lock:
                    account = fake.accounts.get(path.rsplit("/", 1)[1])
                if account is None:
                    return self._json(404, _error("No such account", code="resource_missing"))
                return self._json(200, account)
            if path == "/v1/transfers":
                group = parse_qs(url.query).get("transfer_group", [None])[0]
                with fake.lock:
                    data = [t for t in fake.transfers
                            if group is None or t["transfer_group"] == group]
                return self._json(200, {"object": "list", "data": data, "has_more": False,
                                        "url": "/v1/transfers"})
            if path.startswith("/connect/onboarding/"):
                token = path.split("/")[3]
                with fake.lock:
                    link = fake.links.get(token)
                    account = fake.accounts.get(link["account"]) if link else None
                if link is None:
                    return self._page(404, "<h1>This link is not valid</h1>")
                if link["used"] or link["expires_at"] < time.time():
                    return self._redirect(link["refresh_url"])
                name = (account.get("business_profile") or {}).get("name") or "your shop"
                return self._page(200, PAGE.format(name=html.escape(name), token=token,
                                                   account=html.escape(account["id"])))
            return self._json(404, _error(f"Unrecognized request URL (GET: {path})"))

        def _page(self, status: int, body: str) -> None:
            if not body.startswith("<!doctype"):
                body = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
                        f"<title>Stripe stand-in</title></head><body><main>{body}"
                        "</main></body></html>")
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802
            try:
                self._post()
            finally:
                fake.save()

        def _post(self):
            path = urlparse(self.path).path
            form = self._form()
            with fake.lock:
                fake.requests.append(("POST", path))
            if path.startswith("/_fake/"):
                return self._control(path, form)
            if self._refused(path):
                return None
            key = self.headers.get("Idempotency-Key")
            if key:
                with fake.lock:
                    earlier = fake.keys.get((path, key))
                if earlier is not None:
                    return self._json(200, earlier)
            if path == "/v1/accounts":
                with fake.lock:
                    account = fake._account_new(form)
                    fake.accounts[account["id"]] = account
                    if key:
                        fake.keys[(path, key)] = account
                return self._json(200, account)
            if path == "/v1/account_links":
                with fake.lock:
                    account = fake.accounts.get(form.get("account", ""))
                if account is None:
                    return self._json(400, _error("No such account", code="resource_missing"))
                missing = [n for n in ("refresh_url", "return_url", "type") if not form.get(n)]
                if missing:
                    return self._json(400, _error(f"Missing required param: {missing[0]}."))
                token = secrets.token_urlsafe(12)
                link = {"account": account["id"], "refresh_url": form["refresh_url"],
                        "return_url": form["return_url"], "used": False,
                        "expires_at": int(time.time()) + 300}
                with fake.lock:
                    fake.links[token] = link
                return self._json(200, {
                    "object": "account_link", "created": int(time.time()),
                    "expires_at": link["expires_at"],
                    "url": f"{fake.public_base}/connect/onboarding/{token}",
                })
            if path == "/v1/transfers":
                with fake.lock:
                    account = fake.accounts.get(form.get("destination", ""))
                    if account is None or not account["payouts_enabled"]:
                        return self._json(400, _error(
                            "Your destination account needs to have at least one of the "
                            "following capabilities enabled: transfers, crypto_transfers, "
                            "legacy_payments"))
                    transfer = {
                        "id": f"tr_fake_{len(fake.transfers) + 1}", "object": "transfer",
                        "amount": int(form["amount"]), "currency": form["currency"],
                        "destination": account["id"],
                        "transfer_group": form.get("transfer_group"),
                        "metadata": _metadata(form),
                    }
                    fake.transfers.append(transfer)
                    if key:
                        fake.keys[(path, key)] = transfer
                return self._json(200, transfer)
            if path.startswith("/connect/onboarding/"):
                parts = path.split("/")
                token, action = parts[3], parts[4] if len(parts) > 4 else ""
                with fake.lock:
                    link = fake.links.get(token)
                    if link is None:
                        return self._page(404, "<h1>This link is not valid</h1>")
                    if link["used"]:
                        return self._redirect(link["refresh_url"])
                    link["used"] = True
                if action == "finish":
                    fake.event_send(fake.account_finish(link["account"]))
                return self._redirect(link["return_url"])
            return self._json(404, _error(f"Unrecognized request URL (POST: {path})"))

        def _control(self, path: str, form: dict) -> None:
            if path == "/_fake/webhook":
                fake.webhook_url = form.get("url", "")
                fake.webhook_secret = form.get("secret", "")
                fake.webhook_delay = float(form.get("delay") or 0)
                return self._json(200, {"ok": True})
            if path == "/_fake/refuse":
                with fake.lock:
                    if form.get("message"):
                        fake.refuse[form["path"]] = form["message"]
                    else:
                        fake.refuse.pop(form.get("path", ""), None)
                return self._json(200, {"ok": True})
            if path.startswith("/_fake/accounts/"):
                account_id = path.rsplit("/", 1)[1]
                if account_id not in fake.accounts:
                    return self._json(404, _error("No such account"))
                account = fake.account_change(account_id, form)
                if form.get("send_event", "true") == "true":
                    fake.event_send(account)
                return self._json(200, account)
            return self._json(404, _error("Unknown control"))

    return Handler


def serve(*, host: str = "127.0.0.1", port: int = 0, public_base: str = "", **options):
    """Start the fake in a thread; returns (server, fake). The caller stops server.shutdown()."""
    server = http.server.ThreadingHTTPServer((host, port), None)
    base = public_base or f"http://{host}:{server.server_address[1]}"
    fake = ConnectFake(public_base=base, **options)
    server.RequestHandlerClass = handler_for(fake)
    server_start(server)
    return server, fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8421)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    parser.add_argument("--webhook-delay", type=float, default=0.0)
    parser.add_argument("--state-file", default="",
                        help="keep accounts, links and transfers in this JSON file across runs")
    args = parser.parse_args()
    server, _ = serve(host=args.host, port=args.port, webhook_url=args.webhook_url,
                      webhook_secret=args.webhook_secret, webhook_delay=args.webhook_delay,
                      state_file=args.state_file)
    print(f"Stripe Connect fake on http://{args.host}:{server.server_address[1]}", flush=True)
    run_until_interrupted(server)


if __name__ == "__main__":
    main()
