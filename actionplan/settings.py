"""Settings for actionplan.

Every setting comes from an environment variable with a safe development default; each one is
listed in README.md (a test checks that). The helpers below refuse malformed values instead of
guessing, so a typo in a deployment fails at start-up and names the variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Type annotations such as `admin.TabularInline[Model, Parent]` are evaluated at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})


def env_str(name: str, default: str, *, choices: tuple[str, ...] = ()) -> str:
    value = os.environ.get(name, default).strip()
    if choices and value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}; got {value!r}",
        )
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of true/false/1/0/yes/no; got {raw!r}",
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list; empty items are refused because they are always a typo."""
    raw = os.environ.get(name, default)
    if not raw.strip():
        return []
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} has an empty item in {raw!r}")
    return items


# Public on purpose: it only protects a development database on a developer's machine.
DEVELOPMENT_SECRET_KEY = "django-insecure-actionplan-development-key"  # noqa: S105


def check_secret_key(secret_key: str, *, debug: bool) -> str:
    if not secret_key:
        raise ImproperlyConfigured("SECRET_KEY must not be empty")
    if not debug and secret_key == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is the public development key; set a secret one when DEBUG is false",
        )
    return secret_key


def database_settings(url: str) -> dict[str, Any]:
    # Keep each process's connection between requests: opening one (and, on SQLite, setting the
    # journal mode again) cost more than a whole cached API answer. Checked before reuse.
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        # Several server processes share the file: take the write lock at BEGIN and wait for it,
        # instead of failing with "database is locked" when two requests write at once.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # WAL with synchronous=NORMAL: a crash of the application loses nothing; only a
            # power cut can lose the last transactions. It saves an fsync on every commit.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = check_secret_key(env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY), debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'actionplan.sqlite3'}"),
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "actionplan.plans",
    "actionplan.opendata",
    "actionplan.accounts",
    "actionplan.portal",
    "actionplan.api",
    "actionplan.search",
    "actionplan.progress",
    "actionplan.partnerships",
]

MIDDLEWARE = [
    # First: repeated anonymous reads of public data are answered from memory, checked against
    # the shared data stamp, before the rest of the stack runs (actionplan/frontcache.py).
    "actionplan.frontcache.PublicAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "actionplan.urls"
WSGI_APPLICATION = "actionplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "actionplan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "actionplan" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Tokyo")

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest storage needs `collectstatic` first, which development should not require.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
# In development, serve files straight from the apps' static/ folders, without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "actionplan@localhost")

# Sign-in: a user name is locked for a while after repeated failures (counted in the database).
AUTHENTICATION_BACKENDS = ["actionplan.accounts.backends.LockoutModelBackend"]
ACCOUNTS_LOCKOUT_FAILURES = env_int("ACCOUNTS_LOCKOUT_FAILURES", 5)
ACCOUNTS_LOCKOUT_MINUTES = env_int("ACCOUNTS_LOCKOUT_MINUTES", 15)
ACCOUNTS_INVITATION_DAYS = env_int("ACCOUNTS_INVITATION_DAYS", 14)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "progress:home"

# Progress follow-up: the largest workbook upload accepted.
PROGRESS_UPLOAD_MAX_BYTES = env_int("PROGRESS_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# Four eyes: whoever wrote, changed or submitted a report may not accept it. A bureau of one
# person turns this off (false).
PROGRESS_FOUR_EYES = env_bool("PROGRESS_FOUR_EYES", True)
# Evidence files of progress reports: outside MEDIA_ROOT's public URL space, like proposal
# attachments (whose size limit and content checks they share).
PROGRESS_EVIDENCE_ROOT = Path(
    env_str("PROGRESS_EVIDENCE_ROOT", str(MEDIA_ROOT / "private" / "progress"))
)

# Cache state must be shared by every app process, so it lives in Redis or in the database,
# never in process memory. The database table is created by `actionplan createcachetable`.
REDIS_URL = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "actionplan_cache",
        }
    ),
}

LOG_LEVEL = env_str(
    "LOG_LEVEL",
    "INFO",
    choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
)
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Copies of public answers kept in each server process's memory, checked against the shared
# data stamp on every use (actionplan/frontcache.py); 0 turns them off.
PUBLIC_MEMORY_CACHE_MB = env_int("PUBLIC_MEMORY_CACHE_MB", 32, minimum=0)

# The public JSON API: requests per client address in each window (0 = no limit), counted in
# the shared cache so that every server process enforces the same limit.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)

# The partnership (公民連携) proposal desk.
PROPOSAL_FIRST_RESPONSE_DAYS = env_int("PROPOSAL_FIRST_RESPONSE_DAYS", 10)
PROPOSAL_PERSONAL_DATA_RETENTION_DAYS = env_int("PROPOSAL_PERSONAL_DATA_RETENTION_DAYS", 365)
PROPOSAL_MAX_ATTACHMENTS = env_int("PROPOSAL_MAX_ATTACHMENTS", 5)
PROPOSAL_MAX_ATTACHMENT_BYTES = env_int("PROPOSAL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# Submissions allowed per client address within the window; counted in the shared cache.
PROPOSAL_RATE_LIMIT = env_int("PROPOSAL_RATE_LIMIT", 5)
PROPOSAL_RATE_WINDOW_SECONDS = env_int("PROPOSAL_RATE_WINDOW_SECONDS", 3600)
# Attachments are personal to the proposer: kept outside MEDIA_ROOT's public URL space.
PROPOSAL_ATTACHMENT_ROOT = Path(
    env_str("PROPOSAL_ATTACHMENT_ROOT", str(MEDIA_ROOT / "private" / "proposals"))
)

# Open data: where the published files are built (share it between app processes, like
# MEDIA_ROOT), and the publisher's 全国地方公共団体コード for the DCAT catalogue (empty: left out).
OPENDATA_ROOT = Path(env_str("OPENDATA_ROOT", str(BASE_DIR / "var" / "opendata")))
PUBLISHER_LG_CODE = env_str("PUBLISHER_LG_CODE", "")
