"""Settings for the test run: the product's settings with a throwaway key and fast hashing.

DATABASE_URL still selects PostgreSQL, so the same suite runs on both databases.
"""

import os
import secrets

os.environ.setdefault("SAFEPASSAGE_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SAFEPASSAGE_JOBS_SYNC", "1")

from safepassage.settings import *  # noqa: F403

# Argon2 stays the production hasher; tests hash with MD5 only to stay fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rate limits off for the suite (hundreds of calls a minute from one address); the tests of
# the limits themselves switch them on with override_settings.
API_RATE_PER_CREDENTIAL = 0
API_RATE_PER_ADDRESS = 0
LOGIN_RATE_PER_ADDRESS = 0
