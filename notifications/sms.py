"""Sending one text message through the backend that SMS_URL names.

    console://                          write each text to the log (the default, development)
    file:///dir                         one file per text in /dir (`make run`: .data/sms/)
    locmem://                           keep texts in `outbox` in this process (tests)
    twilio://SID:TOKEN@api.twilio.com?from=%2B15551234567
                                        Twilio's Messages API through its official SDK; any other
                                        host is an API base of its own (https; `&tls=0` for http,
                                        as with the local fake scripts/twilio_fake.py)

`sms_send` returns the provider's reference for the text, or raises SmsProviderUnavailable (try
again later) or SmsRefused (never). What a text says is decided in notifications.rendering.
"""

import datetime
import logging
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .errors import SmsProviderUnavailable, SmsRefused

logger = logging.getLogger(__name__)
# The SDK logs every request's headers at INFO: keep its client to warnings and errors.
_twilio_log = logging.getLogger(f"{__name__}.twilio")
_twilio_log.setLevel(logging.WARNING)

TWILIO_HOST = "api.twilio.com"
TIMEOUT_SECONDS = 10
# Texts the locmem:// backend took in this process, oldest first (like django.core.mail.outbox).
outbox: list[dict] = []


def sms_send(*, to: str, body: str) -> str:
    """Hand one text to the configured provider; return its reference for the text."""
    url = urlsplit(settings.SMS_URL)
    if url.scheme == "console":
        reference = f"console-{uuid.uuid4().hex[:12]}"
        logger.info("Text message to %s (%s): %s", to, reference, body)
        return reference
    if url.scheme == "file":
        return _file_send(Path(unquote(url.path) or settings.DATA_DIR / "sms"), to=to, body=body)
    if url.scheme == "locmem":
        reference = f"locmem-{len(outbox) + 1}"
        outbox.append({"to": to, "body": body, "reference": reference})
        return reference
    if url.scheme == "twilio":
        return _twilio_send(url, to=to, body=body)
    raise ImproperlyConfigured(f"Unknown SMS_URL scheme {url.scheme!r}.")


def _file_send(directory: Path, *, to: str, body: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    reference = f"{stamp}-{uuid.uuid4().hex[:8]}"
    (directory / f"{reference}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
    return reference


def twilio_settings(url) -> dict:
    """The account, token, sender and API base an SMS_URL of scheme twilio names."""
    query = parse_qs(url.query)
    sender = query.get("from", [""])[0]
    account, token = unquote(url.username or ""), unquote(url.password or "")
    if not account or not token or not sender:
        raise ImproperlyConfigured(
            "SMS_URL must be twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B1…")
    host = url.hostname or TWILIO_HOST
    base = ""
    if host != TWILIO_HOST or url.port:
        scheme = "http" if query.get("tls", ["1"])[0] in {"0", "false"} else "https"
        base = f"{scheme}://{host}{f':{url.port}' if url.port else ''}"
    return {"account": account, "token": token, "sender": sender, "base": base}


def _twilio_send(url, *, to: str, body: str) -> str:
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.rest import Client

    options = twilio_settings(url)
    client = Client(options["account"], options["token"],
                    http_client=_twilio_http_client(options["base"]))
    try:
        message = client.messages.create(to=to, from_=options["sender"], body=body)
    except TwilioRestException as exc:
        detail = f"Twilio answered {exc.status}" + (f" (error {exc.code})" if exc.code else "")
        detail += f": {exc.msg}"
        if exc.status == 429 or exc.status >= 500:
            raise SmsProviderUnavailable(detail) from exc
        raise SmsRefused(detail) from exc
    except (TwilioException, OSError) as exc:
        # requests' errors (refused, reset, timed out) are OSErrors.
        raise SmsProviderUnavailable(f"Twilio could not be reached: {exc!r}") from exc
    return str(message.sid)


def _twilio_http_client(base: str):
    from twilio.http.http_client import TwilioHttpClient

    class BaseHttpClient(TwilioHttpClient):
        """The SDK's own HTTP client, sending to another API base when one is configured."""

        def request(self, method, url, *args, **kwargs):
            if base:
                url = re.sub(r"^https://[^/]+", base, url)
            return super().request(method, url, *args, **kwargs)

    # No pooled connections: texts are few, and a provider that restarted must not meet a dead
    # keep-alive socket.
    return BaseHttpClient(pool_connections=False, timeout=TIMEOUT_SECONDS, logger=_twilio_log)
