import pytest

import marketplace.ratelimit


class Clock:
    """Stands in for time.time() inside the rate limiter: tests move to the next window."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    # The start of a whole hour, so every window in these tests starts at the same moment.
    fake = Clock(start=1_900_000_800.0)
    monkeypatch.setattr(marketplace.ratelimit.time, "time", fake)
    return fake


@pytest.fixture
def tight_limits(settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "signup": "2/minute", "report": "2/minute", "upload": "2/minute", "checkout": "2/minute",
    }
    return settings.RATE_LIMITS


