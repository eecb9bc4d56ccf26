"""Django settings for Safe Passage, read from the environment through typed helpers.

Every setting a deployment may change is listed in the README's settings table. With no
environment at all the product runs on an embedded SQLite database under ./var/, which is
what the demo uses; DATABASE_URL selects PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from safepassage.lib.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SAFEPASSAGE_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("SAFEPASSAGE_DEBUG", False)

# A development placeholder is accepted only with DEBUG on. Anything guessable is refused
# otherwise, so a forgotten setting cannot sign sessions with a public key.
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
_secret = env_str("SAFEPASSAGE_SECRET_KEY", "")
_secret_file = env_str("SAFEPASSAGE_SECRET_KEY_FILE", "")
if not _secret and _secret_file:
    try:
        _secret = Path(_secret_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"SAFEPASSAGE_SECRET_KEY_FILE={_secret_file!r} cannot be read: {exc}"
        ) from exc


def _is_placeholder(key: str) -> bool:
    lowered = key.lower()
    return (
        len(key) < 50
        or key == DEV_SECRET_KEY
        or lowered.startswith("django-insecure")
        or any(word in lowered for word in ("change-me", "changeme", "placeholder", "secret-key"))
        or len(set(key)) < 8
    )


if not _secret:
    if not DEBUG:
        raise ConfigError(
            "SAFEPASSAGE_SECRET_KEY (or SAFEPASSAGE_SECRET_KEY_FILE) must be set when "
            "SAFEPASSAGE_DEBUG is off. Generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    _secret = DEV_SECRET_KEY
elif not DEBUG and _is_placeholder(_secret):
    raise ConfigError(
        "SAFEPASSAGE_SECRET_KEY looks like a placeholder (too short, too simple, or a known "
        "default). Set a long random value."
    )
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("SAFEPASSAGE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("SAFEPASSAGE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    # Its templates and static files: the API docs load Swagger UI from here, not from a CDN.
    "ninja",
    "axes",
    "django_q",
    "safepassage.core",
    "safepassage.registry",
    "safepassage.accounts",
    "safepassage.audit",
    "safepassage.intel",
    "safepassage.risk",
    "safepassage.movements",
    "safepassage.tracking",
    "safepassage.alerts",
    "safepassage.sharing",
    "safepassage.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safepassage.security.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safepassage.security.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "safepassage.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safepassage.urls"
WSGI_APPLICATION = "safepassage.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "safepassage.core.context_processors.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=env_int("SAFEPASSAGE_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "safepassage.sqlite3",
            "OPTIONS": {
                # IMMEDIATE transactions serialise writers up front, so two writers never
                # both read the audit chain head and then fail on upgrade to a write lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling: lock a username from an address after repeated failures.
AXES_FAILURE_LIMIT = env_int("SAFEPASSAGE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("SAFEPASSAGE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "safepassage.accounts.throttle.username_from_request"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("SAFEPASSAGE_TIME_ZONE", "Asia/Karachi")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers and cookies; HTTPS-only settings follow SAFEPASSAGE_HTTPS.
HTTPS = env_bool("SAFEPASSAGE_HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SAFEPASSAGE_SESSION_HOURS", 12, minimum=1) * 3600
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("SAFEPASSAGE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy and friends: safepassage/security/headers.py.
# Requests per minute (safepassage/security/ratelimit.py); 0 switches a limit off.
API_RATE_PER_CREDENTIAL = env_int("SAFEPASSAGE_API_RATE_PER_MINUTE", 300, minimum=0)
API_RATE_PER_ADDRESS = env_int("SAFEPASSAGE_API_RATE_PER_ADDRESS_PER_MINUTE", 1200, minimum=0)
LOGIN_RATE_PER_ADDRESS = env_int("SAFEPASSAGE_LOGIN_RATE_PER_MINUTE", 20, minimum=0)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("SAFEPASSAGE_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("SAFEPASSAGE_IMPORT_MAX_ROWS", 50_000, minimum=1)

# Background jobs: django-q2 with its ORM broker runs on the embedded SQLite and, unchanged,
# on PostgreSQL with workers on several machines.
Q_CLUSTER = {
    "name": "safepassage",
    "orm": "default",
    "workers": env_int("SAFEPASSAGE_WORKERS", 2, minimum=1),
    # A job running longer than the timeout is killed; a job claimed by a worker that died is
    # handed out again after ``retry`` seconds (which must exceed the timeout).
    "timeout": env_int("SAFEPASSAGE_JOB_TIMEOUT", 300, minimum=1),
    "retry": env_int("SAFEPASSAGE_JOB_RETRY", 360, minimum=2),
    "max_attempts": env_int("SAFEPASSAGE_JOB_MAX_ATTEMPTS", 5, minimum=1),
    "catch_up": False,
    "sync": env_bool("SAFEPASSAGE_JOBS_SYNC", False),
    "ack_failures": True,
}

if Q_CLUSTER["retry"] <= Q_CLUSTER["timeout"]:
    raise ConfigError("SAFEPASSAGE_JOB_RETRY must be greater than SAFEPASSAGE_JOB_TIMEOUT.")

# Incident knowledge base: reports larger than this (UTF-8 bytes) are refused at submission.
INTEL_MAX_TEXT_BYTES = env_int("SAFEPASSAGE_INTEL_MAX_TEXT_BYTES", 2 * 1024 * 1024, minimum=1024)
# Outbound fetches of feeds and pages (safepassage/lib/http.py enforces every limit).
INTEL_FETCH_CONNECT_TIMEOUT = env_int("SAFEPASSAGE_FETCH_CONNECT_TIMEOUT", 5, minimum=1)
INTEL_FETCH_READ_TIMEOUT = env_int("SAFEPASSAGE_FETCH_READ_TIMEOUT", 15, minimum=1)
INTEL_FETCH_TOTAL_TIMEOUT = env_int("SAFEPASSAGE_FETCH_TOTAL_TIMEOUT", 30, minimum=1)
INTEL_FETCH_MAX_BYTES = env_int("SAFEPASSAGE_FETCH_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
INTEL_FETCH_MAX_REDIRECTS = env_int("SAFEPASSAGE_FETCH_MAX_REDIRECTS", 5, minimum=0)
# Never from the environment: only the test suite exempts its loopback server from the guard.
INTEL_FETCH_ALLOW_NETWORKS: tuple[str, ...] = ()
INTEL_FEED_MAX_ENTRIES = env_int("SAFEPASSAGE_FEED_MAX_ENTRIES", 200, minimum=1)
INTEL_POLL_BUDGET_SECONDS = env_int("SAFEPASSAGE_POLL_BUDGET_SECONDS", 180, minimum=10)
# Watched folders must lie inside one of these directories.
INTEL_WATCH_ROOTS = env_list("SAFEPASSAGE_WATCH_ROOTS", [str(DATA_DIR / "inbox")])
INTEL_FOLDER_MAX_FILES = env_int("SAFEPASSAGE_FOLDER_MAX_FILES", 500, minimum=1)
INTEL_FOLDER_MAX_FILE_BYTES = env_int(
    "SAFEPASSAGE_FOLDER_MAX_FILE_BYTES", 5 * 1024 * 1024, minimum=1024
)
INTEL_FOLDER_MAX_JSONL_BYTES = env_int(
    "SAFEPASSAGE_FOLDER_MAX_JSONL_BYTES", 50 * 1024 * 1024, minimum=1024
)

# Instance-to-instance sync (safepassage/sharing/sync.py, docs/SHARING.md "Instance sync").
# Networks only sync may reach although the fetch guard refuses them (a ministries' private
# network: "10.20.0.0/16"); empty by default, and never applied to feeds.
SYNC_ALLOW_NETWORKS = tuple(env_list("SAFEPASSAGE_SYNC_ALLOW_NETWORKS", []))
SYNC_MAX_BYTES = env_int("SAFEPASSAGE_SYNC_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
SYNC_TIMEOUT = env_int("SAFEPASSAGE_SYNC_TIMEOUT", 120, minimum=1)
# Incidents per pulled page (the peer serving) and per pushed bundle (each push must fit the
# peer's request size limit).
SYNC_PAGE_SIZE = env_int("SAFEPASSAGE_SYNC_PAGE_SIZE", 200, minimum=1)
SYNC_PUSH_BATCH = env_int("SAFEPASSAGE_SYNC_PUSH_BATCH", 100, minimum=1)
# Each sync reads again this far behind its cursor, so a write that committed late is not
# missed; what was already received is recognised and changes nothing.
SYNC_CURSOR_OVERLAP_SECONDS = env_int("SAFEPASSAGE_SYNC_OVERLAP_SECONDS", 120, minimum=0)

# Alerts (safepassage/alerts): the SMTP server email alerts go through, and rule defaults.
EMAIL_HOST = env_str("SAFEPASSAGE_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("SAFEPASSAGE_SMTP_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("SAFEPASSAGE_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("SAFEPASSAGE_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SAFEPASSAGE_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("SAFEPASSAGE_SMTP_SSL", False)
EMAIL_TIMEOUT = env_int("SAFEPASSAGE_SMTP_TIMEOUT", 10, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("Set SAFEPASSAGE_SMTP_STARTTLS or SAFEPASSAGE_SMTP_SSL, not both.")
DEFAULT_FROM_EMAIL = env_str("SAFEPASSAGE_FROM_EMAIL", "Safe Passage <alerts@localhost>")
# Radius of new site rules, and buffer of new movement and route rules, in kilometres.
ALERTS_DEFAULT_RADIUS_KM = env_int("SAFEPASSAGE_ALERTS_RADIUS_KM", 25, minimum=1)
ALERTS_DEFAULT_ROUTE_BUFFER_KM = env_int("SAFEPASSAGE_ALERTS_ROUTE_BUFFER_KM", 10, minimum=1)
# Planned routes are watched from this many hours before departure until arrival.
ALERTS_ROUTE_HORIZON_HOURS = env_int("SAFEPASSAGE_ALERTS_ROUTE_HORIZON_HOURS", 72, minimum=1)
ALERTS_WEBHOOK_TIMEOUT = env_int("SAFEPASSAGE_ALERTS_WEBHOOK_TIMEOUT", 10, minimum=1)
# A failed email or webhook is tried this many times in all, waiting base * 4^n seconds.
ALERTS_MAX_ATTEMPTS = env_int("SAFEPASSAGE_ALERTS_MAX_ATTEMPTS", 5, minimum=1)
ALERTS_RETRY_BASE_SECONDS = env_int("SAFEPASSAGE_ALERTS_RETRY_BASE_SECONDS", 60, minimum=1)
# Never from the environment: only the test suite exempts its loopback webhook receiver.
ALERTS_WEBHOOK_ALLOW_NETWORKS: tuple[str, ...] = ()

# Risk model constants (docs/RISK.md). Changing them needs `safepassage risk_rebuild`.
SAFEPASSAGE_RISK = {
    "half_life_days": float(env_int("SAFEPASSAGE_RISK_HALF_LIFE_DAYS", 180, minimum=1)),
    "long_half_life_days": float(env_int("SAFEPASSAGE_RISK_LONG_HALF_LIFE_DAYS", 1095, minimum=1)),
}
SAFEPASSAGE_RISK_SITE_RADIUS_KM = env_int("SAFEPASSAGE_RISK_SITE_RADIUS_KM", 25, minimum=1)

# Tracking of movements under way.
TRACKING_GRACE_MINUTES = env_int("SAFEPASSAGE_TRACKING_GRACE_MINUTES", 15, minimum=0)
TRACKING_MATCH_RADIUS_KM = env_int("SAFEPASSAGE_TRACKING_MATCH_RADIUS_KM", 5, minimum=1)
TRACKING_MATCH_WINDOW_MINUTES = env_int("SAFEPASSAGE_TRACKING_MATCH_WINDOW_MINUTES", 90, minimum=1)
# Check-in positions are erased this long after their movement ended.
TRACKING_POSITION_RETENTION_HOURS = env_int("SAFEPASSAGE_POSITION_RETENTION_HOURS", 72, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SAFEPASSAGE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
