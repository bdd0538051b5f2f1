"""Settings for actionplan.

Every setting comes from an environment variable with a safe development default; each one is
listed in README.md (a test checks that). The helpers below refuse malformed values instead of
guessing, so a typo in a deployment fails at start-up and names the variable.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
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


def env_url(name: str, default: str) -> str:
    """An absolute http(s) address; anything else (a path, a typo in the scheme) is refused."""
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL; got {value!r}")
    return value


def check_networks(name: str, items: list[str]) -> list[str]:
    """Addresses or CIDR networks (`10.0.0.0/8`, `::1`); a malformed one is refused by name."""
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list addresses or networks; got {item!r}"
            ) from None
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
    # Sign-in lock-out by user name and client address (django-axes).
    "axes",
    # Cross-cutting web infrastructure: client address, data stamp, caching headers, rate limits.
    "actionplan.web",
    "actionplan.plans",
    "actionplan.opendata",
    "actionplan.accounts",
    "actionplan.portal",
    "actionplan.api",
    "actionplan.search",
    "actionplan.progress",
    "actionplan.partnerships",
    "actionplan.operations",
    "actionplan.faults",
    "actionplan.jobs",
    "actionplan.mail",
]

MIDDLEWARE = [
    # Outermost: database/cache outages, lost races and unusable values become 503/409/400
    # answers wherever they are raised, then bad characters are refused before anything runs.
    "actionplan.faults.middleware.FaultMiddleware",
    "actionplan.faults.middleware.InputGuardMiddleware",
    # First: HEAD runs as GET, and tracking parameters are dropped before anything reads them.
    "actionplan.web.middleware.PublicRequestMiddleware",
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
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below), django-csp's
    # middleware with the header built once per process (actionplan/security.py).
    "actionplan.security.CSPMiddleware",
    # Pages showing personal data are never stored by a browser or proxy (actionplan/security.py).
    "actionplan.security.PrivatePagesMiddleware",
    # A form's address opened as a link gets the site's 405 page, not an empty answer.
    "actionplan.portal.errors.MethodNotAllowedPageMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "actionplan.urls"
# A form sent with a missing or stale CSRF token gets the site's own page, in its language.
CSRF_FAILURE_VIEW = "actionplan.portal.errors.csrf_failure"
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
# The SMTP server used by django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
# Seconds before a stalled SMTP connection gives up (None would wait for ever).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)

# HTTPS behind a reverse proxy. The proxy terminates TLS and tells the app in a header that the
# request came over HTTPS; trusting that header is only safe when every request passes through
# the proxy, so it is off until SECURE_PROXY_SSL_HEADER names it (X-Forwarded-Proto).
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The load balancer's health checks may come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Secure cookies are sent over HTTPS only: on by default in production (DEBUG false).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)

# Every page, the API documentation and the admin included, loads scripts and styles from this
# site's static files only; nothing inline needs 'unsafe-inline'. A page that must carry a
# <style> element (the self-contained A4 annual report) uses the per-request nonce.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # NONCE is only written into the header of a response whose page used it.
        "style-src": [SELF, NONCE],
        # data: for the empty favicon and the API documentation's inline icons.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sign-in: after repeated failures a user name is locked for a while, but only from the client
# address that failed (django-axes, counted in the database), so that nobody can lock a victim
# out from elsewhere. Bureau admins unlock on the staff page /accounts/lockouts/.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ACCOUNTS_LOCKOUT_FAILURES = env_int("ACCOUNTS_LOCKOUT_FAILURES", 5, minimum=1)
ACCOUNTS_LOCKOUT_MINUTES = env_int("ACCOUNTS_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = ACCOUNTS_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(minutes=ACCOUNTS_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "actionplan.web.client.client_address_for_axes"
AXES_LOCKOUT_CALLABLE = "actionplan.accounts.views.locked_out"
# The admin's own pages for attempts stay off: /accounts/lockouts/ is the localized one.
AXES_ENABLE_ADMIN = False
# Access logs of successful sign-ins are not needed (and hold addresses): failures only.
AXES_DISABLE_ACCESS_LOG = True
ACCOUNTS_INVITATION_DAYS = env_int("ACCOUNTS_INVITATION_DAYS", 14)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "progress:home"

# Progress follow-up: the largest workbook upload accepted.
PROGRESS_UPLOAD_MAX_BYTES = env_int("PROGRESS_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# Four eyes: whoever wrote, changed or submitted a report may not accept it. A bureau of one
# person turns this off (false).
PROGRESS_FOUR_EYES = env_bool("PROGRESS_FOUR_EYES", True)
# Absolute links in mails (scheme and host, no path): a mail has no request to take them from.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")
# Who the progress mails (reminders, returns, acceptances) name as the bureau's contact.
PROGRESS_CONTACT_NAME = env_str("PROGRESS_CONTACT_NAME", "関西広域連合 広域産業振興局")
PROGRESS_CONTACT_EMAIL = env_str("PROGRESS_CONTACT_EMAIL", "")
# The contact's name in English mails (staff who chose English); empty: PROGRESS_CONTACT_NAME.
PROGRESS_CONTACT_NAME_EN = env_str("PROGRESS_CONTACT_NAME_EN", "")
# Single submissions reach bureau staff who want a mail per event gathered: one mail for every
# report submitted within this many seconds of the first one still unannounced; 0: a mail each.
PROGRESS_SUBMISSION_WINDOW_SECONDS = env_int("PROGRESS_SUBMISSION_WINDOW_SECONDS", 300, minimum=0)
# Evidence files of progress reports: outside MEDIA_ROOT's public URL space, like proposal
# attachments (whose size limit and content checks they share).
PROGRESS_EVIDENCE_ROOT = Path(
    env_str("PROGRESS_EVIDENCE_ROOT", str(MEDIA_ROOT / "private" / "progress"))
)

# Cache state must be shared by every app process, so it lives in Redis or in the database,
# never in process memory. The database table is created by `actionplan createcachetable`.
REDIS_URL = env_str("REDIS_URL", "")
# Entries of the database cache before culling, and slots for the last good copies of public
# answers served during an outage (actionplan/web/stale.py), whichever the backend.
CACHE_MAX_ENTRIES = env_int("CACHE_MAX_ENTRIES", 5000, minimum=1)
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "actionplan_cache",
            # Only rebuildable answers live here (the data stamp and the rate counters are in
            # database tables of their own), so culling costs a rebuild, never correctness.
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
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
    "filters": {
        # Tokens in URLs (status pages, invitations) never reach the log.
        "mask_secrets": {"()": "actionplan.operations.accesslog.MaskSecretsFilter"},
        # During an outage every request fails alike: log each kind once per interval, counted.
        "repeats": {"()": "actionplan.faults.logs.RepeatFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_secrets", "repeats"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# The client address behind reverse proxies: addresses/CIDRs whose X-Forwarded-For is believed
# (actionplan/web/client.py); empty: the connection's own address (REMOTE_ADDR).
TRUSTED_PROXIES = check_networks("TRUSTED_PROXIES", env_list("TRUSTED_PROXIES", ""))

# `off` turns every page and response cache off (benchmarks, debugging); the ETag/Last-Modified
# validators stay (actionplan/web/caching.py).
PUBLIC_CACHES = env_str("PUBLIC_CACHES", "on", choices=("on", "off")) == "on"
# Seconds nginx may keep a public answer before revalidating it (X-Accel-Expires); 0: not sent.
PUBLIC_PROXY_SECONDS = env_int("PUBLIC_PROXY_SECONDS", 0, minimum=0)

# The official sources the portal links to: the Union's own site and the page where it publishes
# the plan (its PDF). Without a known document page, the plan's link leads to the Union's site.
UNION_SITE_URL = env_url("UNION_SITE_URL", "https://www.kouiki-kansai.jp/")
PLAN_SOURCE_URL = env_url("PLAN_SOURCE_URL", UNION_SITE_URL)

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

# The task queue (actionplan/jobs/queue.py): "rq" hands jobs to `actionplan worker` through
# Redis; "thread" runs them in a thread of the app process (the embedded default); "immediate"
# runs them in the caller (tests).
TASK_QUEUE = env_str(
    "TASK_QUEUE", "rq" if REDIS_URL else "thread", choices=("rq", "thread", "immediate")
)

# A job (or scheduled run) still waiting or running this long after it started is taken as lost
# with its process (a killed worker, a restart): it is marked failed and can be asked for again.
JOB_LOST_SECONDS = env_int("JOB_LOST_SECONDS", 1800, minimum=60)


def env_schedule(name: str) -> dict[str, str]:
    """Changes to the schedule of actionplan/jobs/schedule.py: ``NAME=CRON`` or ``NAME=off``
    items separated by ``;`` (an unknown name or a malformed time is refused by name)."""
    from actionplan.jobs.timetable import parse_schedule

    try:
        return parse_schedule(env_str(name, ""))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None


# Scheduled work (actionplan/jobs/schedule.py): the outbox, reminders, digests, purges and sweeps
# run at set times in the worker (or, without Redis, in the app processes); SCHEDULER=false
# leaves them to the system's cron calling the same commands.
SCHEDULER = env_bool("SCHEDULER", True)
SCHEDULE = env_schedule("SCHEDULE")

# Outgoing mail (actionplan/mail/), through the SMTP settings above when EMAIL_BACKEND is
# Django's SMTP backend. Each mail is stored in the outbox with the change that caused it, then
# sent with retries: the wait before attempt n+1 is MAIL_RETRY_SECONDS * 2**(n-1), until
# MAIL_MAX_ATTEMPTS have failed.
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8, minimum=1)
MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 60, minimum=1)
# Sent mails are kept this long (their text is dropped once sent), then deleted.
MAIL_KEEP_DAYS = env_int("MAIL_KEEP_DAYS", 30, minimum=1)
# Plan editions: an import that removes more than this share (in percent) of the current
# version's actions, developments or partnerships is refused unless forced (--force).
PLAN_IMPORT_MAX_REMOVED_PERCENT = env_int("PLAN_IMPORT_MAX_REMOVED_PERCENT", 20, minimum=0)
