"""Settings for PMC Tracker, read from the environment (12-factor).

`PMC_ENV` selects the defaults: `development` (make run: SQLite, a file-system broker,
email written to files, a known secret), `test` (make test) and `production` (the
default: every secret and host must be given, nothing insecure is assumed).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env", overwrite=False)

PMC_ENV = env.str("PMC_ENV", default="production")
if PMC_ENV not in {"development", "test", "production"}:
    raise environ.ImproperlyConfigured(f"PMC_ENV must be development, test or production, not {PMC_ENV!r}")
IS_PRODUCTION = PMC_ENV == "production"

# --- Core -------------------------------------------------------------------------------
if IS_PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: refuse to start without one
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=f"insecure-{PMC_ENV}-key-not-for-production")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "axes",
    "plans",
    "projects",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
if IS_PRODUCTION:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# A persistent connection is checked before its first use in each request, so a database
# restart costs a reconnect, not a 500 on the first request of every worker.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process, a worker and beat share one file: wait for the lock, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Each parallel test session may ask for its own test database name.
if env.str("TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DB_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Opt in now to Django 6's https default for URL form fields (evidence links).
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Auth -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if PMC_ENV == "test":
    # Hashing real passwords dominates test time; tests need no strong hash.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "plans.client_ip.client_ip"  # the throttles' notion of the client
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# A locked-out login answers 429 with the API's error body (see plans/api/base/errors.py).
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "plans.api.base.errors.lockout_response"

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Argentina/Tucuman")
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=IS_PRODUCTION)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_HSTS_PRELOAD = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework ---------------------------------------------------------------------
# Request bodies larger than this are refused before parsing (API: 413 with the error body).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("PMC_MAX_BODY_BYTES", default=2_621_440)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "plans.api.base.authentication.TokenAuthentication",  # knox, one statement per request
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": ["plans.api.base.parsers.JSONParser"],  # the contract: JSON everywhere
    "DEFAULT_PAGINATION_CLASS": "plans.api.base.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "plans.api.base.schema.AutoSchema",
    "EXCEPTION_HANDLER": "plans.api.base.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        "user": env.str("THROTTLE_USER", default="2000/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many reverse proxies in front of us append to X-Forwarded-For. 0 (the default): the
    # header is ignored and the client is REMOTE_ADDR, so nobody can dodge the throttles by
    # sending a new X-Forwarded-For each time. Behind one proxy (nginx, a load balancer), set 1.
    "NUM_PROXIES": env.int("PMC_TRUSTED_PROXIES", default=0),
}
REST_KNOX: dict[str, object] = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(hours=env.int("TOKEN_TTL_HOURS", default=24 * 7)),
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PMC Tracker API",
    "DESCRIPTION": "Competitive Improvement Plans (PMC) of productive clusters: plans, consensus "
    "phases, forums, agreements, projects, milestones, notifications and audit history.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` or `kind`: name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "plans.models.Plan.Status",
        "PhaseStatusEnum": "plans.models.Phase.Status",
        "PhaseKindEnum": "plans.models.Phase.Kind",
        "ForumStatusEnum": "plans.models.Forum.Status",
        "AgreementStatusEnum": "plans.models.Agreement.Status",
        "OrganizationKindEnum": "plans.models.Organization.Kind",
        "RoleEnum": "plans.models.Role",
        "ProjectStatusEnum": "projects.models.Project.Status",
        "MilestoneStatusEnum": "projects.models.Milestone.Status",
    },
}

# --- Cache ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------
# The embedded default is kombu's file-system transport, so `make run` needs no broker.
# Tests publish to an in-process memory broker unless a test points the app at Redis.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default="memory://" if PMC_ENV == "test" else (REDIS_URL or "filesystem://")
)
CELERY_BROKER_FOLDER = env.path("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker"))

# --- Email ------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:port, smtp+tls://..., smtp+ssl://..., consolemail://,
# filemail:///path. The development default writes readable files under var/mail.
_email_default = "" if IS_PRODUCTION else f"filemail://{VAR_DIR / 'mail'}"
_email_url = env.str("EMAIL_URL", default=_email_default)
if _email_url:
    globals().update(env.email_url_config(_email_url))
    # Our backends: one readable .eml file per message; SMTP that tells a lost answer apart.
    _email_backends = {
        "django.core.mail.backends.filebased.EmailBackend": "notifications.backends.EmlFileBackend",
        "django.core.mail.backends.smtp.EmailBackend": "notifications.backends.SmtpBackend",
    }
    EMAIL_BACKEND = _email_backends.get(globals()["EMAIL_BACKEND"], globals()["EMAIL_BACKEND"])
    if globals().get("EMAIL_FILE_PATH"):  # django-environ drops the leading "/" of filemail:///abs/path
        EMAIL_FILE_PATH = "/" + str(globals()["EMAIL_FILE_PATH"]).lstrip("/")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The Date: header in local time with its offset rather than UTC written as "-0000", which
# reads as "zone unknown" (RFC 5322 §3.3). Django alone would use the process zone (TIME_ZONE,
# set as TZ at start-up) for every message; notifications.rendering writes the recipient's.
EMAIL_USE_LOCALTIME = env.bool("EMAIL_USE_LOCALTIME", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PMC Tracker <no-reply@pmc-tracker.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ----------------------------------------------------------------------------
# Every handler redacts the tokens of personal links (/l/<token>/) from what it writes.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_links": {"()": "plans.log_filters.RedactLinkTokens"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_links"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["redact_links"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- History event consumers -------------------------------------------------------------
# Called with each event's id after the transaction that recorded it commits
# (plans/services/history/hook.py): the one named link from the domain to notifications.
HISTORY_EVENT_CONSUMERS = ["notifications.tasks.enqueue_dispatch"]

# --- Web pages (plans/web, projects/web, notifications/web) -------------------------------
INSTALLED_APPS += ["django_htmx", "drf_spectacular_sidecar"]  # htmx script; Swagger UI/Redoc files
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware") + 1,
                  "django_htmx.middleware.HtmxMiddleware")
# Personal links from emails (plans/links.py): the session they open acts as the stakeholder.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "plans.links.LinkSessionMiddleware")
PMC_LINK_MAX_AGE_DAYS = env.int("PMC_LINK_MAX_AGE_DAYS", default=30)
# The live plan page's content is kept this long at most, per change of its cluster (projects/web/plan_cache.py).
PMC_PLAN_PAGE_CACHE_SECONDS = env.int("PMC_PLAN_PAGE_CACHE_SECONDS", default=60 if PMC_ENV == "production" else 0)
# An agreement opened without a closing date closes (asks for positions by) this many days later.
PMC_AGREEMENT_OPEN_DAYS = env.int("PMC_AGREEMENT_OPEN_DAYS", default=14)
# Who sends "a fresh link" to an address that asks for one (plans/web/links.py): a dotted path
# to a callable(email, language) in the notifications app, so plans imports nothing of it.
PMC_FRESH_LINK_SENDER = "notifications.tasks.enqueue_fresh_links"
LOGIN_URL = "plans:login"
LOGIN_REDIRECT_URL = "plans:home"
LOGOUT_REDIRECT_URL = "plans:login"
FORMAT_MODULE_PATH = ["plans.formats"]  # Spanish numbers as in Argentina: 1.234,50
# Session and CSRF cookies: not readable by scripts, not sent on cross-site posts; Secure in
# production (see Security above and the deploy checklist).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600  # a working day; a shared computer at a forum does not stay logged in for weeks
# Static files outside production are served by whitenoise straight from the apps' static
# folders (no collectstatic, DEBUG stays off); production serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
# API docs from drf-spectacular-sidecar's bundled files: nothing is fetched from another host.
SPECTACULAR_SETTINGS.update({
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's default validator badge is fetched from swagger.io: switched off.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
})

# --- Content-Security-Policy (django-csp), for every response: pages, admin, API docs -----
# Scripts only from this site (no inline script anywhere: the Swagger UI page loads its
# starter script from a URL, see config/api_urls.py). Inline styles stay allowed: the admin,
# Swagger UI and Redoc set style attributes, and a style cannot run code. Nothing from
# another host; no framing.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],  # Redoc's search runs in a worker built from a blob
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Demo -------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="pmc-demo-2012")

# --- Celery details (the beat schedule lives in config/celery.py) -------------------------
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker runs again (sends are claimed, so no duplicate)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a sending worker holds one batch at a time
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that commits while the broker is down must not hang: fail fast, the sweep recovers.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=2 * 3600)

# Notifications: retries, sweeps and batches (seconds unless named otherwise).
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
# ...and the time since the first attempt: a delivery fails only when both are spent.
NOTIFICATIONS_RETRY_WINDOW_HOURS = env.float("NOTIFICATIONS_RETRY_WINDOW_HOURS", default=24.0)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=900.0)
NOTIFICATIONS_SWEEP_GRACE_SECONDS = env.int("NOTIFICATIONS_SWEEP_GRACE_SECONDS", default=60)
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env.int("NOTIFICATIONS_SENDING_TIMEOUT_SECONDS", default=900)
NOTIFICATIONS_CATCH_UP_HOURS = env.int("NOTIFICATIONS_CATCH_UP_HOURS", default=20)
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=50)
NOTIFICATIONS_SWEEP_SECONDS = env.int("NOTIFICATIONS_SWEEP_SECONDS", default=60)
# No countdown may outlive the broker's visibility timeout (the task would be delivered twice).
if NOTIFICATIONS_RETRY_MAX_SECONDS * 1.5 >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise environ.ImproperlyConfigured("NOTIFICATIONS_RETRY_MAX_SECONDS must stay well below the visibility timeout")
if NOTIFICATIONS_SENDING_TIMEOUT_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise environ.ImproperlyConfigured("NOTIFICATIONS_SENDING_TIMEOUT_SECONDS must exceed CELERY_TASK_TIME_LIMIT")

if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_folder = Path(CELERY_BROKER_FOLDER)
    # kombu does not create its folders; any process that publishes (web, a command) needs them.
    for _sub in ("queue", "processed"):
        (_broker_folder / _sub).mkdir(parents=True, exist_ok=True)
    # kombu's transport with atomic message files (see config/broker.py, kombu issue #1551).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "processed_folder": str(_broker_folder / "processed"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
        "polling_interval": 0.2,  # the default (1 s) lets a worker take one message per second
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
