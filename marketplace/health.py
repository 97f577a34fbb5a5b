"""Liveness and readiness probes for load balancers and orchestrators."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        check()
    except Exception as exc:  # a probe reports every failure instead of raising it
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache():
    cache.set("readyz-probe", "1", timeout=10)
    if cache.get("readyz-probe") != "1":
        raise RuntimeError("the cache did not return what was written")


def _broker():
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2,
                    transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
                    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
