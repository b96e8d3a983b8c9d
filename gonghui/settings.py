"""Gonghui settings: one file, driven by the environment.

There are no production-only branches: the same code runs everywhere, and what differs between a
laptop demo and a federation's server is said by environment variables (see docs/operations.md).
`GONGHUI_ENV` names the configuration: `production` (the default, so forgetting to configure a
server never makes it lax), `demo` (what `make demo` uses) or `test`.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGHUI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


GONGHUI_ENV = os.environ.get("GONGHUI_ENV", "production")
if GONGHUI_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"GONGHUI_ENV must be production, demo or test, not {GONGHUI_ENV!r}")
IS_PRODUCTION = GONGHUI_ENV == "production"

DEBUG = env_bool("GONGHUI_DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("GONGHUI_SECRET_KEY", "")
    if key:
        return key
    if IS_PRODUCTION:
        # A server that invents its own key would silently log everyone out on every restart
        # and sign nothing an operator can rotate: refuse to start instead.
        raise ImproperlyConfigured(
            "GONGHUI_SECRET_KEY is not set. Production needs a secret key of its own "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Demo and test databases are throwaway; keep a key beside them so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("GONGHUI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("GONGHUI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "gonghui.core",
    "gonghui.accounts",
    "gonghui.orgs",
    "gonghui.people",
    "gonghui.reports",
    "gonghui.activities",
    "gonghui.care",
    "gonghui.demo",
    "gonghui.api",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/docs/, served from here
    "django_tasks",
    "django_tasks_db",
]

# Sample apps that exercise the framework's kit (workflows, child rows, attachments, imports) in
# tests, each a small workstream of its own under tests/apps/; installed for the test suite only.
if GONGHUI_ENV == "test":
    # Imported as `tests.apps.<name>`: the project root must be importable whatever started
    # Django (pytest, the `gonghui` console script, a subprocess).
    if str(BASE_DIR) not in sys.path:
        sys.path.append(str(BASE_DIR))
    INSTALLED_APPS += sorted(
        f"tests.apps.{apps_py.parent.name}"
        for apps_py in (BASE_DIR / "tests" / "apps").glob("*/apps.py")
    )
    # Every test creates its accounts afresh, and PBKDF2's 870,000 rounds cost a quarter of a
    # second per password: the suite hashes with the fast MD5 scheme, which production never
    # offers (PASSWORD_HASHERS is left to Django's default outside the test configuration).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The Django admin exists here only as bench/pages.py's peer: its changelist is timed against
# the member list. Off unless GONGHUI_BENCH_ADMIN=1; never turn it on for users — the admin
# knows nothing of the org scope (tests/test_settings.py checks that it is off by default).
GONGHUI_BENCH_ADMIN = env_bool("GONGHUI_BENCH_ADMIN", False)
if GONGHUI_BENCH_ADMIN:
    INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"

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
                "gonghui.core.records.menus.menu_context",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["CONN_HEALTH_CHECKS"] = True
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("GONGHUI_SQLITE_PATH", str(VAR_DIR / "gonghui.sqlite3")),
        "OPTIONS": {
            # WAL lets readers proceed while an import writes; FULL because a federation's
            # records must survive a power cut on the cheap server under a desk.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;"
            ),
            # Take the write lock at BEGIN so two writers queue instead of failing mid-way.
            "transaction_mode": "IMMEDIATE",
        },
        "TEST": {"NAME": os.environ.get("GONGHUI_SQLITE_TEST_PATH") or None},
    }


DATABASES = {"default": _database()}
# A read replica for lists, exports and reports (docs/scaling.md); off unless configured.
if os.environ.get("GONGHUI_REPLICA_URL"):
    DATABASES["replica"] = dict(
        dj_database_url.parse(os.environ["GONGHUI_REPLICA_URL"], conn_max_age=60)
    )
    DATABASE_ROUTERS = ["gonghui.core.ops.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The org tree every record is scoped by (gonghui.core.tenancy).
GONGHUI_ORG_MODEL = "orgs.Organization"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Chinese only: the interface has no English catalog, and offering English without one would
# serve a page of mixed languages (Django's own strings English, everything else Chinese).
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "gonghui" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names: WeChat's browser caches hard, so a new release must change the URL.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and GONGHUI_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = GONGHUI_ENV == "test"
if WHITENOISE_USE_FINDERS:
    # Tests serve straight from the finders; an empty root keeps whitenoise from warning.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GONGHUI_SECURE_COOKIES", IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS, once a TLS-terminating proxy stands in front (docs/operations.md, "Deploy"): off by
# default, since HSTS on a plain-HTTP intranet server would lock every browser out of it.
SECURE_HSTS_SECONDS = int(os.environ.get("GONGHUI_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGHUI_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("GONGHUI_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("GONGHUI_SSL_REDIRECT", False)
if env_bool("GONGHUI_TLS_PROXY", False):
    # nginx says which scheme the browser used; only trust it when nginx is the sole way in.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses (or networks, CIDR) of the reverse proxies in front of the server. Only a request
# arriving from one of them has its X-Forwarded-For read; empty: every request is direct.
GONGHUI_TRUSTED_PROXIES = env_list("GONGHUI_TRUSTED_PROXIES")
# Content-Security-Policy (gonghui/core/csp.py), sent from right after SecurityMiddleware.
# GONGHUI_CSP replaces the policy; an empty value sends none.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "gonghui.core.ops.csp.ContentSecurityPolicyMiddleware",
)
# Cache-Control: no-store on every response that does not say otherwise (static files do):
# pages, exports, attachments and the API carry personal data (gonghui/core/ops/nostore.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("gonghui.core.ops.csp.ContentSecurityPolicyMiddleware") + 1,
    "gonghui.core.ops.nostore.NoStoreMiddleware",
)
if "GONGHUI_CSP" in os.environ:
    GONGHUI_CSP = os.environ["GONGHUI_CSP"]

# Each import runs in a child process of the worker with this address-space limit (MB), so a
# crafted spreadsheet can end that child but never the worker (gonghui/core/imports/tasks.py).
GONGHUI_IMPORT_MEMORY_MB = int(os.environ.get("GONGHUI_IMPORT_MEMORY_MB", "4096"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# API tokens end (gonghui/api/authentication.py): days after issue, and days after last use.
GONGHUI_API_TOKEN_MAX_AGE_DAYS = int(os.environ.get("GONGHUI_API_TOKEN_MAX_AGE_DAYS", "30"))
GONGHUI_API_TOKEN_IDLE_DAYS = int(os.environ.get("GONGHUI_API_TOKEN_IDLE_DAYS", "7"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "gonghui.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["gonghui.api.permissions.RecordPermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gonghui 工会工作平台 API",
    "DESCRIPTION": (
        "工会工作平台的数据接口：每类记录一组接口（列表、单条，只读）；流程类记录另有办理接口，"
        "记录下的明细行（如发放明细、参与人）和附件另有增、改、删接口，校验规则与网页相同。"
        "返回的记录与列表页一致：只含您管辖范围内的记录，身份证号、手机号按权限打码。"
        "登录后可在本页调试；其他系统请使用 API 令牌。接口说明见 /api/。"
    ),
    "VERSION": "1",
    # Tags' descriptions, parameters the generator leaves without one, the sign-in schemes: in
    # Chinese (gonghui.api.schema); the enum hook is drf-spectacular's default, kept.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gonghui.api.schema.chinese_schema",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from the installed package's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI draws only the operations scrolled into view (a virtual list), so the
    # browser's find-in-page misses the rest: a tag filter box finds a record type by name
    # (会员, 困难职工档案), and tags open folded so the page starts as a list of record types.
    "SWAGGER_UI_SETTINGS": {"filter": True, "docExpansion": "none", "deepLinking": True},
    # Two models have a field called `sex`/`status`-like choices; name the enums once.
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "gonghui.people.models.Sex",
        "ReliefBatchStateEnum": "gonghui.care.models.hardship.RELIEF_STATES",
        "ReliefKindEnum": "gonghui.care.models.hardship.ReliefKind",
        "ClaimKindEnum": "gonghui.care.models.insurance.ClaimKind",
    },
}

# Background work (imports): the database is the queue, `gonghui worker` (started by
# `gonghui serve`) runs it; no extra server for the embedded default.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache carries live import progress between the worker and the web processes, so it must
# be shared by processes: files under var/ need no server.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}
IMPORT_DIR = VAR_DIR / "imports"
# How long the home page's counts are kept (seconds; 0 counts on every view). Tests count live.
GONGHUI_HOME_COUNTS_SECONDS = int(
    os.environ.get("GONGHUI_HOME_COUNTS_SECONDS", "0" if GONGHUI_ENV == "test" else "60")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_trace_4xx": {"()": "gonghui.core.ops.errors.NoTraceForClientErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_trace_4xx"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GONGHUI_LOG_LEVEL", "INFO")},
}

# How many organisation rows the list page shows by default, and the largest page a user may ask.
GONGHUI_PAGE_SIZE = 20
GONGHUI_MAX_PAGE_SIZE = 200

# Filter dropdowns read "全部" (all), not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "全部"
FILTERS_NULL_CHOICE_LABEL = "未填写"

# --- Authentication controls (security.md rows 1-5) ---
# Lockout (django-axes, row 1). Axes checks every login first and ModelBackend then authenticates;
# AxesMiddleware, last, turns a lockout into the Chinese page accounts/locked.html (HTTP 429).
INSTALLED_APPS = [*INSTALLED_APPS, "axes"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per username and, separately, per address. Axes applies one limit to
# both, so gonghui's handler gives the address its own, higher limit (see gonghui.accounts.lockout).
AXES_HANDLER = "gonghui.accounts.lockout.GonghuiAxesHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT", "20")
)
AXES_COOLOFF_TIME = 0.5  # hours: 30 minutes
# A locked account stays locked 30 minutes from the lockout; more attempts do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
# The audit log's address: REMOTE_ADDR, or X-Forwarded-For behind GONGHUI_TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "gonghui.core.audit.log.client_address"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = AXES_COOLOFF_MESSAGE
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# Passwords (row 2): 3 of 4 character classes on top of length and the common-password list.
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "gonghui.accounts.passwords.CharacterClassValidator"},
]
GONGHUI_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GONGHUI_PASSWORD_MAX_AGE_DAYS", "90"))

# Sessions (rows 3, 5): 30 minutes idle; SESSION_COOKIE_AGE above stays the absolute limit,
# enforced from the login time so that activity never extends it.
GONGHUI_SESSION_IDLE_SECONDS = 30 * 60
GONGHUI_SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
MIDDLEWARE = [
    *MIDDLEWARE,
    "gonghui.accounts.middleware.SessionLimitsMiddleware",
    "gonghui.accounts.middleware.PasswordExpiryMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Second factor (row 4): TOTP through django-otp, required for the roles in
# gonghui.accounts.roles.SECOND_FACTOR_ROLES. OTPMiddleware marks a session verified;
# SecondFactorMiddleware, before the password-expiry check, sends an unverified account to
# verify or enrol before anything else.
INSTALLED_APPS = [*INSTALLED_APPS, "django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("gonghui.accounts.middleware.PasswordExpiryMiddleware"),
    "gonghui.accounts.secondfactor.SecondFactorMiddleware",
)
OTP_TOTP_ISSUER = "工会工作平台"
# A device that keeps failing slows down (django-otp's throttling doubles the wait each time).
OTP_TOTP_THROTTLE_FACTOR = 1

# Attachments and photos (gonghui/core/attachments/): kept under var/, which no URL maps; served
# only by the scoped attachment views. One file at most this many bytes.
GONGHUI_ATTACHMENT_ROOT = Path(
    os.environ.get("GONGHUI_ATTACHMENT_ROOT", VAR_DIR / "attachments")
)
GONGHUI_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("GONGHUI_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024))
)
