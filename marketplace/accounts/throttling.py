"""Log-in attempt limits per account and per IP address, counted atomically in the cache.

An attempt takes its slot before the password is checked (marketplace.ratelimit.counter_take:
`incr` is atomic in Redis), so two guesses sent at once cannot both slip under the limit.
A successful log-in gives the slots back.
"""

import contextlib
import hashlib

from django.conf import settings
from django.core.cache import cache

from marketplace.ratelimit import counter_take


class LoginThrottled(Exception):
    http_status = 429

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        minutes = max(1, retry_after // 60)
        super().__init__(
            f"Too many failed log-in attempts. Try again in {minutes} minutes."
        )


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-attempts:{kind}:{digest}"


def login_attempt_begin(*, email: str, ip: str) -> None:
    """Reserve an attempt for this account and IP; raise LoginThrottled past either limit."""
    window = settings.LOGIN_FAILURE_WINDOW
    account_ok = counter_take(
        _key("account", email), limit=settings.LOGIN_FAILURES_PER_ACCOUNT, window=window)
    ip_ok = counter_take(_key("ip", ip), limit=settings.LOGIN_FAILURES_PER_IP, window=window)
    if not (account_ok and ip_ok):
        raise LoginThrottled(retry_after=window)


def login_attempt_succeeded(*, email: str, ip: str, account: bool = True) -> None:
    """Give the IP's slot back; clear the account's failures too unless `account` is False
    (a staff member's password is right but their code is still owed)."""
    if account:
        cache.delete(_key("account", email))
    with contextlib.suppress(ValueError):  # the window had already expired
        cache.decr(_key("ip", ip))
