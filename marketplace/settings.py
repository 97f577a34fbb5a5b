"""Settings for Taobao Village US, read from the environment only (see README: Configuration).

Development defaults are safe and need no configuration. With DEBUG=0 the process refuses to
start unless every production secret is set.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marketplace.rates import rate_parse  # plain Python: safe to import here

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ImproperlyConfigured(f"{name} must be at least {minimum}{upper}, not {value}.")
    return value


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Production refuses to start without its secrets rather than run on a guessable default.
_missing = [
    name
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                 "SITE_URL")
    if not DEBUG and not env_str(name)
]
if _missing:
    raise ImproperlyConfigured(
        "Production mode (DEBUG=0) needs these environment variables: "
        + ", ".join(_missing)
        + ". Set them, or run with DEBUG=1 for development."
    )
# The base of every link in an e-mail (address changes, password resets): production's must be
# the public https address, never the development default.
if not DEBUG and not env_str("SITE_URL").lower().startswith("https://"):
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's https:// address in production, not {env_str('SITE_URL')!r}."
    )

SECRET_KEY = (
    env_str("SECRET_KEY") or "dev-only-secret-key-never-used-in-production-0123456789abcdef"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "marketplace.admin_apps.MarketplaceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "marketplace",
    "marketplace.accounts",
    "jobs",
    "notifications",
    "sellers",
    "payments",
    "orders",
    "moderation",
    "insights",
    "brands",
    "hubs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "marketplace.accounts.middleware.StaffSessionMiddleware",
    "marketplace.accounts.middleware.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "marketplace.security.SecurityHeadersMiddleware",
    "marketplace.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "orders.context_processors.header",
            ],
        },
    },
]

# --- Database: PostgreSQL through psycopg 3 with Django's connection pool -------------------
DATABASE_URL = env_str("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/taobao_village"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://…).")
_db.setdefault("OPTIONS", {})
# A fresh connection costs ~90 ms here; a pooled one a few. The pool replaces CONN_MAX_AGE.
_db["OPTIONS"]["pool"] = {
    "min_size": env_int("DATABASE_POOL_MIN", 1),
    "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
    # Seconds a query waits for a pooled connection; while PostgreSQL is down every query of a
    # request waits this long before failing (docs/operations.md).
    "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1, maximum=120),
}
# Django's backend with a pool health check that costs no round trip (marketplace/postgresql):
# each pooled connection is checked before it is lent, so after a PostgreSQL restart or
# failover no request gets a dead connection.
_db["ENGINE"] = "marketplace.postgresql"
_db["CONN_HEALTH_CHECKS"] = True
_db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}
# A read replica for catalog reads (marketplace/db_router.py); unset = everything on "default".
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a PostgreSQL URL (postgres://…).")
    _replica["ENGINE"] = _db["ENGINE"]
    _replica["OPTIONS"] = {**_replica.get("OPTIONS", {}), "pool": dict(_db["OPTIONS"]["pool"])}
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the primary's test database
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["marketplace.db_router.ReplicaRouter"]
# Typo correction takes its candidates from pg_trgm when the extension is installed; 0 uses the
# word-length/first-letters window instead (what a server without pg_trgm gets anyway).
SEARCH_TRIGRAM = env_bool("SEARCH_TRIGRAM", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate-limit counters, Celery broker ----------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketplace.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX") or "tvus",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # Embedded development default: no server to run. Counters are per process here, which is
    # fine for one development web process; production always sets REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"

CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE") or "celery"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_RESULT_EXPIRES = 3600

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The e-mail address is the log-in; it is unique among accounts that have one (a hub's neighbour
# may have none), a conditional constraint Django's check cannot see: hence auth.W004 is silenced
# and the backend refuses an empty address.
AUTHENTICATION_BACKENDS = ["marketplace.accounts.backends.EmailBackend"]
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed log-ins allowed per account and per IP address within LOGIN_FAILURE_WINDOW seconds.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 10, minimum=1)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 50, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900, minimum=1)

# --- Staff: second factor and sessions that end (marketplace/accounts/second_factor.py) ------
# required: every is_staff person enrolls a TOTP authenticator and enters a code before any
# staff page, admin page or staff API opens. optional: staff may enroll, nothing demands it;
# only for local test harnesses, refused unless DEBUG=1.
STAFF_SECOND_FACTOR = (env_str("STAFF_SECOND_FACTOR") or "required").lower()
if STAFF_SECOND_FACTOR not in {"required", "optional"}:
    raise ImproperlyConfigured(
        f"STAFF_SECOND_FACTOR must be required or optional, not {STAFF_SECOND_FACTOR!r}.")
if STAFF_SECOND_FACTOR == "optional" and not DEBUG:
    raise ImproperlyConfigured(
        "STAFF_SECOND_FACTOR=optional is only accepted with DEBUG=1: production staff always "
        "need a second factor.")
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=240)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1, maximum=24)
# Dispute outcomes, refunds and payouts marked paid ask for a code newer than this.
STAFF_FRESH_CODE_MINUTES = env_int("STAFF_FRESH_CODE_MINUTES", 15, minimum=1, maximum=60)
STAFF_TOKEN_HOURS = env_int("STAFF_TOKEN_HOURS", 12, minimum=1, maximum=12)
OTP_TOTP_ISSUER = "Taobao Village US"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Wrong codes count in the log-in throttle (per account and IP); django-otp's own per-device
# back-off is off so that there is one throttle, with one message and one Retry-After.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0


def env_rate(name: str, default: str) -> str:
    value = env_str(name) or default
    try:
        rate_parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}.") from None
    return value


# Requests allowed per signed-in user (or per IP address when signed out) in each window;
# which views count is marketplace/ratelimit.py's RATE_LIMITED_VIEWS. 429 with Retry-After.
RATE_LIMITS = {
    "signup": env_rate("RATE_LIMIT_SIGNUP", "10/hour"),
    "report": env_rate("RATE_LIMIT_REPORT", "20/hour"),
    "upload": env_rate("RATE_LIMIT_UPLOAD", "120/hour"),
    "checkout": env_rate("RATE_LIMIT_CHECKOUT", "30/minute"),
    # Password-reset requests per IP address, and per e-mail address asked for.
    "password_reset": env_rate("RATE_LIMIT_PASSWORD_RESET", "10/hour"),
    "password_reset_address": env_rate("RATE_LIMIT_PASSWORD_RESET_ADDRESS", "3/hour"),
    # Confirmation links sent per account (a new sign-up link, a change of address).
    "email_link": env_rate("RATE_LIMIT_EMAIL_LINK", "5/hour"),
    # Downloads of one's data and attempts to close one's account, per account.
    "account_data": env_rate("RATE_LIMIT_ACCOUNT_DATA", "5/hour"),
    "account_close": env_rate("RATE_LIMIT_ACCOUNT_CLOSE", "5/hour"),
    # Rights notices per rights owner (the owner and all their agents together).
    "notice": env_rate("RATE_LIMIT_NOTICE", "30/hour"),
    # Applications to be a hub agent, per person.
    "hub": env_rate("RATE_LIMIT_HUB", "20/hour"),
    # Cash-outs at a village hub per agent: starts, codes sent again, confirmations, cancels.
    "hub_cash": env_rate("RATE_LIMIT_HUB_CASH", "60/hour"),
    # A hub agent's parcel acts (arrived, hand-over tries), per agent.
    "hub_parcel": env_rate("RATE_LIMIT_HUB_PARCEL", "300/hour"),
    # What a hub agent does for the shops they run (edits, stock, shipping, hand-overs), per agent.
    "hub_act": env_rate("RATE_LIMIT_HUB_ACT", "300/hour"),
}

# Links mailed to confirm an e-mail address (at sign-up or on a change) and to reset a
# password expire after these many seconds.
EMAIL_CONFIRMATION_MAX_AGE = env_int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600, minimum=60)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600, minimum=60)

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Stored times and the server's own clock are UTC; people see their own zone (their account's
# time_zone, else DEFAULT_USER_TIME_ZONE), activated per request by TimeZoneMiddleware.
TIME_ZONE = "UTC"
DEFAULT_USER_TIME_ZONE = env_str("DEFAULT_USER_TIME_ZONE") or "America/Chicago"
try:
    import zoneinfo as _zoneinfo

    _zoneinfo.ZoneInfo(DEFAULT_USER_TIME_ZONE)
except (ValueError, _zoneinfo.ZoneInfoNotFoundError):
    raise ImproperlyConfigured(
        f"DEFAULT_USER_TIME_ZONE must be an IANA time zone such as America/Chicago, "
        f"not {DEFAULT_USER_TIME_ZONE!r}.") from None
USE_I18N = True
USE_TZ = True

# --- Static files and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# A hub's private papers (consent forms, cash receipts); empty = "private-media" beside
# MEDIA_ROOT (hubs/storage.py). Never served by MEDIA_URL.
PRIVATE_MEDIA_ROOT = env_str("PRIVATE_MEDIA_ROOT")
# Serve uploaded media from Django (with nosniff); off when a CDN or object storage serves it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Uploaded media: local disk (default) or S3-compatible object storage via django-storages.
MEDIA_STORAGE = env_str("MEDIA_STORAGE") or "local"


def media_storage_from_env() -> dict:
    """The default storage the environment asks for (tests build it the same way)."""
    kind = env_str("MEDIA_STORAGE") or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {kind!r}.")
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment (or an IAM
    # role); boto3 reads them itself, so they never sit in settings. That the bucket exists is
    # a system check (marketplace/checks.py), so a wrong name stops `migrate`, not an upload.
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,  # MinIO, R2, Spaces…
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,  # the CDN in front
            # Listing photos are public: plain URLs (cacheable by a CDN), no signed query string.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "default_acl": None,  # the bucket policy decides, not a per-object ACL
            "file_overwrite": False,
            "location": env_str("AWS_LOCATION"),
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }


STORAGES = {
    "default": media_storage_from_env(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development serves static files straight from the finders; production from collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail: EMAIL_URL = smtp://user:pass@host:587?tls=1 | console:// | file:///dir | locmem:// -
EMAIL_URL = env_str("EMAIL_URL") or "console://"
_email = urlparse(EMAIL_URL)
_email_backends = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
if _email.scheme not in _email_backends:
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme must be one of {', '.join(_email_backends)}, not {_email.scheme!r}."
    )
EMAIL_BACKEND = _email_backends[_email.scheme]
if _email.scheme == "smtp":
    _email_query = parse_qs(_email.query)
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email_query.get("tls", ["0"])[0] in {"1", "true"}
    EMAIL_USE_SSL = _email_query.get("ssl", ["0"])[0] in {"1", "true"}
    EMAIL_TIMEOUT = 10
elif _email.scheme == "file":
    EMAIL_FILE_PATH = _email.path or str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Taobao Village US <no-reply@localhost>"
SITE_URL = env_str("SITE_URL") or "http://127.0.0.1:8000"

# --- Text messages: SMS_URL = console:// | file:///dir | locmem:// |
#     twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15551234567 (notifications/sms.py) --
SMS_URL = env_str("SMS_URL") or "console://"
_sms_scheme = urlparse(SMS_URL).scheme
if _sms_scheme not in {"console", "file", "locmem", "twilio"}:
    raise ImproperlyConfigured(
        f"SMS_URL scheme must be one of console, file, locmem, twilio, not {_sms_scheme!r}."
    )
# Texts to one phone number in any 24 hours; more are skipped (kept in the inbox, not sent).
SMS_DAILY_CAP_PER_NUMBER = env_int("SMS_DAILY_CAP_PER_NUMBER", 10, maximum=1000)

# --- Stripe --------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY") or "sk_test_localstripe_development"
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY") or "pk_test_localstripe_development"
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET") or "whsec_localstripe_development"
# The signing secret of the Connect webhook endpoint (events from the shops' connected accounts,
# such as `account.updated`); Stripe signs those with a secret of their own. Empty: only
# STRIPE_WEBHOOK_SECRET is tried. `check --deploy` warns when it is empty in production.
STRIPE_CONNECT_WEBHOOK_SECRET = env_str("STRIPE_CONNECT_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # empty: the real Stripe API
# Development only, with localstripe: the pay page turns typed test card numbers into a
# PaymentMethod (payments/development_cards.py). Follows DEBUG; no variable turns it on alone.
DEVELOPMENT_CARD_FORM = DEBUG
# Stripe Connect calls (connected accounts, account links, transfers). Empty: the same base as
# STRIPE_API_BASE. localstripe has no Connect: `make run` points this at the local Connect fake
# (scripts/stripe_connect_fake.py).
STRIPE_CONNECT_API_BASE = env_str("STRIPE_CONNECT_API_BASE")
# Seconds to wait for one Stripe answer; no answer is retried (same key), then recorded unknown.
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 20, minimum=1, maximum=120)

# --- Marketplace rules ---------------------------------------------------------------------
PLATFORM_FEE_BPS = env_int("PLATFORM_FEE_BPS", 500, maximum=10_000)
SHIP_BY_DAYS = env_int("SHIP_BY_DAYS", 5)
ESCROW_AUTO_CONFIRM_DAYS = env_int("ESCROW_AUTO_CONFIRM_DAYS", 10)
# Days a parcel may take to arrive: without a delivery mark, auto-confirm waits these first.
ESCROW_TRANSIT_DAYS = env_int("ESCROW_TRANSIT_DAYS", 7, maximum=90)
PAYMENT_EXPIRY_MINUTES = env_int("PAYMENT_EXPIRY_MINUTES", 30)

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not signed in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.accounts.authentication.TokenAuthentication",
        "marketplace.accounts.authentication.StaffTokenAuthentication",
        "marketplace.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["marketplace.ratelimit.RateLimitThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Taobao Village US API",
    "DESCRIPTION": "The public REST contract (v1) of the Taobao Village US marketplace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "REDOC_DIST": "SIDECAR",  # served from our own static files: no CDN needed
    "ENUM_NAME_OVERRIDES": {
        "RightsOwnerStatusEnum": "brands.models.RightsOwner.Status",
        "RightsOwnerKindEnum": "brands.models.RightsOwner.Kind",
        "RightBasisEnum": "brands.models.Right.Basis",
        "NoticeReasonEnum": "brands.models.Notice.Reason",
        "NoticeStatusEnum": "brands.models.Notice.Status",
        "HubAgentStatusEnum": "hubs.models.HubAgent.Status",
        "HubDecisionEnum": [("verify", "Verify"), ("reject", "Reject")],
    },
}

# --- Security ------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
