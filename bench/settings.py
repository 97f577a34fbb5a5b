"""Benchmark settings: the real site plus one bare view to compare against (never deployed)."""

from marketplace.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
