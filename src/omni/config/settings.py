"""Omni settings: one module, every environment-specific value read from the environment.

Environment variables:
    DATABASE_URL      default sqlite:///<repo>/var/omni.sqlite3 (embedded, WAL)
    OMNI_DEBUG        "1" for development error pages (default "0")
    OMNI_SECRET_KEY   required when OMNI_DEBUG is not "1" outside tests
    OMNI_ALLOWED_HOSTS comma separated, default "127.0.0.1,localhost"
    OMNI_VAR_DIR      where SQLite, media and logs live (default <repo>/var)
    OMNI_ENV          "production" locks the business clock (default "development")
    OMNI_TASKS_URL    redis://host:6379/0 to run tasks through Redis (default: the database)
    OMNI_CSRF_TRUSTED_ORIGINS  comma separated public origins (https://omni.example.com)
    OMNI_PUBLIC_URL   how outside systems reach this instance (payment notifications)
    OMNI_ALIPAY_DIR / OMNI_WECHATPAY_DIR  a payment provider's merchant files (see
                      omni.payment.providers); a provider without one is not offered
    OMNI_DB_CONN_MAX_AGE  PostgreSQL: keep connections this many seconds (default 0)
    OMNI_PDF_FONT     a Chinese .ttf/.otf/.ttc font for PDF documents (default: Noto Sans CJK
                      where distributions install it, else what fc-match finds)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

SRC_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = SRC_DIR.parent
VAR_DIR = Path(os.environ.get("OMNI_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
OMNI_PUBLIC_URL = os.environ.get("OMNI_PUBLIC_URL", "")
OMNI_ALIPAY_DIR = os.environ.get("OMNI_ALIPAY_DIR", "")
OMNI_WECHATPAY_DIR = os.environ.get("OMNI_WECHATPAY_DIR", "")
OMNI_PDF_FONT = os.environ.get("OMNI_PDF_FONT", "")

TESTING = "pytest" in sys.modules or os.environ.get("OMNI_TESTING") == "1"
DEBUG = os.environ.get("OMNI_DEBUG", "0") == "1"
# Production mode: the business clock (omni.kernel.clock) cannot be moved and is wall time.
OMNI_ENV = os.environ.get("OMNI_ENV", "development").strip().lower()
OMNI_PRODUCTION = OMNI_ENV == "production"
SECRET_KEY = os.environ.get("OMNI_SECRET_KEY") or "omni-local-development-key-not-for-production"
ALLOWED_HOSTS = os.environ.get("OMNI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "omni.kernel",
    "omni.tenancy",
    "omni.access",
    "omni.party",
    "omni.catalog",
    "omni.ledger",
    "omni.payment",
    "omni.credit",
    "omni.inventory",
    "omni.web",
    "omni.ops",
]

MIDDLEWARE = [
    "omni.kernel.requestid.RequestIdMiddleware",
    "omni.kernel.guards.RejectNulMiddleware",
    "omni.kernel.guards.NumberOverflowMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "omni.web.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "omni.kernel.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if TESTING:
    INSTALLED_APPS.append("omni.kernel.tests.testapp")

ROOT_URLCONF = "omni.config.urls"
WSGI_APPLICATION = "omni.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omni.web.context.console",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'omni.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite done right (ARCHITECTURE.md section 5): WAL so readers never block the writer,
    # a busy timeout instead of "database is locked", BEGIN IMMEDIATE so a write transaction
    # takes the write lock up front (no deadlock on lock upgrade). Foreign keys are switched
    # on by Django's backend itself.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=30000;"
        ),
    }
    # Tests use a file, not :memory:, so that threads really share one database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-omni.sqlite3")}
else:
    # Persistent connections (seconds; 0 = a new connection per request). Production sets
    # e.g. 60: a request then skips the connection handshake, the largest cost of a short
    # API call (bench/RESULTS.md, flash-sale over HTTP). Checked before reuse.
    _db["CONN_MAX_AGE"] = int(os.environ.get("OMNI_DB_CONN_MAX_AGE", _db.get("CONN_MAX_AGE") or 0))
    _db["CONN_HEALTH_CHECKS"] = True
    _db["TEST"] = {"NAME": os.environ.get("OMNI_TEST_DB_NAME", "test_omni")}
IS_SQLITE = _db["ENGINE"] == "django.db.backends.sqlite3"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n: zh-Hans first, English second; server time zone Asia/Shanghai ------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "omni" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- request limits: oversized bodies are refused, not parsed ---------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- background work --------------------------------------------------------------------------
# One setting picks the broker. Unset (the embedded default): django-tasks' database backend,
# the tasks live in the one database and `omni worker` polls it. OMNI_TASKS_URL=redis://...:
# Redis Queue (django-tasks-rq) for scale-out; web processes enqueue there and every
# `omni worker` runs an rq worker. Either way the outbox and import sweepers in each worker
# re-enqueue what a lost enqueue or a dead worker left behind (leases: several workers are safe).
OMNI_TASKS_URL = os.environ.get("OMNI_TASKS_URL", "").strip()
# Longest a task may run on Redis before rq stops it (a 200,000-row import stays well inside).
OMNI_TASKS_TIMEOUT = int(os.environ.get("OMNI_TASKS_TIMEOUT", "3600"))
if OMNI_TASKS_URL:
    if not OMNI_TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OMNI_TASKS_URL must be a Redis URL (redis://host:6379/0, rediss://, unix://)"
        )
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": OMNI_TASKS_URL, "DEFAULT_TIMEOUT": OMNI_TASKS_TIMEOUT}}
else:
    TASKS = {
        "default": {
            "BACKEND": os.environ.get("OMNI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        }
    }
OMNI_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OMNI_OUTBOX_MAX_ATTEMPTS", "8"))
OMNI_WORKER_HEARTBEAT_SECONDS = 5

# --- security defaults ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a load balancer that terminates TLS (README "Production layout"): the balancer sets
# X-Forwarded-Proto, cookies are sent over HTTPS only, and the public origins are trusted
# for CSRF. The development key is refused in production.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("OMNI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
if OMNI_PRODUCTION:
    if not os.environ.get("OMNI_SECRET_KEY"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("OMNI_ENV=production needs OMNI_SECRET_KEY")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "omni": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_tasks": {"level": "WARNING"},
    },
}
