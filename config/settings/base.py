"""Settings of the embedded default: SQLite, in-memory channel layer, eager Celery.

Production services are switched on by environment variables:
DATABASE_URL (PostgreSQL), REDIS_URL (channel layer and cache), CELERY_BROKER_URL (real workers).
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BAUCU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "import_export",
    "axes",
    "common",
    "election",
    "voters",
    "printing",
    "realtime",
    "results",
    "reconciliation",
    "drill",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.VietnameseDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "common.ratelimits.RateLimitMiddleware",
    "common.rehearsal.RehearsalApiMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.site",
                "common.context_processors.rehearsal",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database -------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    # Connections are kept between requests (60 s by default): under ASGI a request's sync code
    # runs on one of the fixed threads of common/asgi_limit.py, each with its own connection,
    # so a server process holds at most BAUCU_HTTP_CONCURRENCY of them (plus one for its
    # sockets). A kept connection is checked before reuse (a restarted database is reconnected).
    # DATABASE_CONN_MAX_AGE=0 gives a connection per request. The coalescer keeps its own.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            # A connection kept across requests is checked before reuse: after a database
            # restart the next request reconnects instead of failing.
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "baucu.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # BAUCU_CHANNEL_LAYER: "pubsub" (default; RedisPubSubChannelLayer: one PUBLISH per group
    # message, each server process fans it out to its own sockets) or "core" (RedisChannelLayer:
    # a copy per socket stored in Redis and popped one round trip at a time). At 1,000
    # dashboards and 50 reports/s, core fell minutes behind and dropped expired messages
    # (bench/README.md). A pub/sub socket whose Redis went down stays open and silent, so the
    # coalescer sends a heartbeat and a dashboard silent for three of them says "offline" and
    # reconnects (realtime/live.py, tests/faults/test_redis_stopped.py).
    _pubsub = os.environ.get("BAUCU_CHANNEL_LAYER", "pubsub") != "core"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"
            if _pubsub
            else "channels_redis.core.RedisChannelLayer",
            # redis-py ≥ 8 reads with a 5 s socket timeout by default, the same as the layer's
            # 5 s BZPOPMIN: a read that ends with it times out and the consumer dies. 10 s is
            # above the blocking read and still notices a dead Redis quickly.
            # Each concurrent layer command takes its own pooled connection and redis-py raises
            # MaxConnectionsError instead of waiting: a burst of sockets joining at once (1,000
            # dashboards at opening time) needs more than its default 100 per process.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10, "max_connections": 1000}],
                "prefix": "baucu",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "baucu",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Live turnout (docs/turnout.md) ------------------------------------------------------------
# Seconds between the coalescer's ticks; "auto": with Redis a server process runs the coalescer
# when nobody else does; "external": only `manage.py turnout_coalescer` (its own process) does.
BAUCU_TURNOUT_TICK = float(os.environ.get("BAUCU_TURNOUT_TICK", "0.5"))
BAUCU_TURNOUT_COALESCER = os.environ.get("BAUCU_TURNOUT_COALESCER", "auto")
# Seconds between the coalescer's heartbeats to every dashboard (silence for 3 = offline).
BAUCU_TURNOUT_HEARTBEAT = float(os.environ.get("BAUCU_TURNOUT_HEARTBEAT", "2"))

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_SOFT_TIME_LIMIT = 1500
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# A task whose whole worker died (not just the process running it) is unacked in Redis; the
# next worker start puts it back on the queue once it is older than this. Keep it above the
# longest task (a city-wide import), or a slow task is run twice (harmless: tasks are
# idempotent, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
# How many times a job's task runs again after its worker was lost or the database went away
# (common/tasks.py); then the Job is marked failed and can be started again by the user.
BAUCU_JOB_MAX_RETRIES = int(os.environ.get("BAUCU_JOB_MAX_RETRIES", "6"))
# A voter import that brings at least this many new entries, and at least as many as the voter
# table (or the ledger) holds, writes with that table's secondary indexes set aside and builds
# them after (voters/services/index_rebuild.py): ~2× faster for a first city load, but the
# table is locked for the rest of that import. 0 turns it off. PostgreSQL only.
BAUCU_IMPORT_REBUILD_MIN_ROWS = int(os.environ.get("BAUCU_IMPORT_REBUILD_MIN_ROWS", "50000"))

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout after repeated failures
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
# Rate limits per client address (common/ratelimits.py): {url name: (rate, methods)}. Counters
# live in the cache (Redis in production). Behind a proxy, RATELIMIT_IP_META_KEY names the header
# holding the client address.
RATE_LOGIN = os.environ.get("BAUCU_RATE_LOGIN", "20/m")
RATE_PUBLIC = os.environ.get("BAUCU_RATE_PUBLIC", "120/m")
BAUCU_RATE_LIMITS = {
    "login": (RATE_LOGIN, ["POST"]),
    "turnout-public": (RATE_PUBLIC, ["GET", "HEAD"]),
    "api-turnout-public": (RATE_PUBLIC, ["GET", "HEAD"]),
    "results:public": (RATE_PUBLIC, ["GET", "HEAD"]),
}
RATELIMIT_IP_META_KEY = os.environ.get("BAUCU_RATELIMIT_IP_META_KEY") or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18n: Vietnamese by default, English second ------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media (vendored, no CDN) --------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "common.api_auth.RoleTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 200,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Baucu API",
    "DESCRIPTION": "Election administration: structure, voter lists, turnout, results.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy: no inline scripts anywhere; websockets to this host only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Loggers that write request lines or task results pass through a filter that cuts query
# strings (search terms) and task return values: no personal data in logs (common/logs.py).
_REDACTED_LOGGERS = [
    "django.request", "django.server", "django.security", "uvicorn.access", "uvicorn.error",
    "daphne.server", "celery.app.trace", "celery.worker.strategy",
]  # fmt: skip
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_personal_data": {"()": "common.logs.NoPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_personal_data"]},
    },
    "loggers": {
        **{name: {"filters": ["no_personal_data"]} for name in _REDACTED_LOGGERS},
        "django.server": {  # runserver's request lines, as Django's default logging has them
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["no_personal_data"],
        },  # fmt: skip
    },
    "root": {"handlers": ["console"], "level": os.environ.get("BAUCU_LOG_LEVEL", "WARNING")},
}

# A running print job not updated (no progress) for this many minutes has lost its worker: it
# no longer holds its unit (one print job per unit) and may be resumed. Keep it above the
# longest time a live job can stay silent (its area tasks waiting behind another job's).
BAUCU_PRINT_STALE_MINUTES = int(os.environ.get("BAUCU_PRINT_STALE_MINUTES", "10"))
BAUCU_DEMO = os.environ.get("BAUCU_DEMO", "0") == "1"
# A rehearsal's turnout clock may be set to a time of day ("HH:MM") so that a drill
# (manage.py rehearse) plays a whole election day at any hour; real elections ignore it.
BAUCU_REHEARSAL_TIME = os.environ.get("BAUCU_REHEARSAL_TIME", "")

BAUCU_CLOCK = os.environ.get("BAUCU_CLOCK", "")  # a fixed "now" for turnout (realtime/clock.py)
# When voting ends ("HH:MM", domain.md §4.1: 19:00, extended to 21:00 at the latest): from then
# the final figure ("closed") is the turnout slot chased on the dashboards.
BAUCU_POLLS_CLOSE = os.environ.get("BAUCU_POLLS_CLOSE", "19:00")
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
