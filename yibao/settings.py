"""Settings for yibao, driven by environment variables (all prefixed YIBAO_)."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"环境变量 {name} 应为 true/false，实际为 {raw!r}")


# Safe by default: the debug pages (URL patterns, settings, tracebacks) only
# for a developer who asks for them with YIBAO_DEBUG=1.
DEBUG = env_bool("YIBAO_DEBUG", False)

DATA_DIR = Path(os.environ.get("YIBAO_DATA_DIR", PROJECT_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """YIBAO_SECRET_KEY, else a key generated on first run and kept in DATA_DIR/secret_key.

    The data directory is outside version control (var/ is ignored by git), so
    every installation has its own key and none is published with the code.
    """
    key = os.environ.get("YIBAO_SECRET_KEY", "").strip()
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if not key:
        key = secrets.token_urlsafe(50)
        # O_EXCL: of several workers starting at once, one writes and the others read it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip() or key
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
    return key


SECRET_KEY = _secret_key()

# The address people reach the platform at: printed in every verification QR
# code and used for the allowed hosts. scripts/serve.sh exports the address it
# binds (YIBAO_HOST, YIBAO_PORT); YIBAO_PUBLIC_URL wins (a proxy, a domain name).
_SERVE_HOST = os.environ.get("YIBAO_HOST", "127.0.0.1")
_SERVE_PORT = os.environ.get("YIBAO_PORT", "8000")
_LISTEN_ALL = _SERVE_HOST in {"0.0.0.0", "::", ""}
YIBAO_PUBLIC_URL = (os.environ.get("YIBAO_PUBLIC_URL", "").strip().rstrip("/")
                    or f"http://{'127.0.0.1' if _LISTEN_ALL else _SERVE_HOST}:{_SERVE_PORT}")
_PUBLIC = urlsplit(YIBAO_PUBLIC_URL)
if _PUBLIC.scheme not in {"http", "https"} or not _PUBLIC.hostname:
    raise ValueError(f"环境变量 YIBAO_PUBLIC_URL 应为 http(s)://主机[:端口]，实际为 {YIBAO_PUBLIC_URL!r}")

ALLOWED_HOSTS = list(dict.fromkeys(
    ["127.0.0.1", "localhost", _PUBLIC.hostname]
    + ([] if _LISTEN_ALL else [_SERVE_HOST])
    + [h.strip() for h in os.environ.get("YIBAO_ALLOWED_HOSTS", "").split(",") if h.strip()]
))
CSRF_TRUSTED_ORIGINS = [f"{_PUBLIC.scheme}://{_PUBLIC.netloc}"]

# HTTPS (YIBAO_HTTPS, or a public URL starting with https://): cookies only over
# TLS and HSTS. Behind a TLS-terminating proxy, it must set X-Forwarded-Proto.
HTTPS = env_bool("YIBAO_HTTPS", _PUBLIC.scheme == "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_HSTS_SECONDS = int(os.environ.get("YIBAO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("YIBAO_SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (yibao.security.ContentSecurityPolicyMiddleware): scripts
# only from our own static files, never inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # In INSTALLED_APPS so that /api/docs uses the Swagger UI files ninja ships
    # (served by whitenoise) instead of a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "yibao.audit",
    "yibao.outbox",
    "yibao.agencies",
    "yibao.accounts",
    "yibao.notifications",
    "yibao.workdays",
    "yibao.catalog",
    "yibao.documents",
    "yibao.cases",
    "yibao.enrollment",
    "yibao.transfers",
    "yibao.payments",
    "yibao.offsite",
    "yibao.settlement",
    "yibao.institutions",
    "yibao.evaluations",
    "yibao.rules",
    "yibao.reimbursement",
    "yibao.maternity",
    "yibao.medical_aid",
    "yibao.qualifications",
    "yibao.ledger",
    "yibao.hall",
    "yibao.console",
    "yibao.api",
    "yibao.bench",
]

MIDDLEWARE = [
    # First: refuse an oversized body before anything reads it, and NUL bytes before any view.
    "yibao.middleware.RequestBodyCapMiddleware",
    "yibao.middleware.NulByteMiddleware",
    "yibao.middleware.JsonObjectBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yibao.security.ContentSecurityPolicyMiddleware",
    # Last, so that it sees a view's uncaught business refusal before Django's 500 handler does.
    "yibao.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "yibao.urls"

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
                "yibao.accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "yibao.wsgi.application"

# The default cache holds the counters that limit guessing (wrong names tried against an ID
# number, issue 9). They must be shared by every worker process, or each worker would allow
# its own five tries: a directory under the data directory serves the workers of one machine
# (gunicorn's); several machines set YIBAO_CACHE_DIR to a shared directory or YIBAO_CACHE_BACKEND
# to another backend's dotted path (with YIBAO_CACHE_LOCATION). The tests use a local-memory
# cache per test (tests/conftest.py).
CACHES = {
    "default": {
        "BACKEND": os.environ.get("YIBAO_CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": os.environ.get("YIBAO_CACHE_LOCATION",
                                   os.environ.get("YIBAO_CACHE_DIR", str(DATA_DIR / "cache"))),
        "TIMEOUT": 3600,
    }
}

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("YIBAO_DATABASE_URL", f"sqlite:///{DATA_DIR / 'yibao.sqlite3'}"),
        conn_max_age=int(os.environ.get("YIBAO_DB_CONN_MAX_AGE", "60")),
        # A persistent connection the server has closed (restart, pg_terminate_backend)
        # is replaced at the start of the next request instead of answering 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the busy timeout turns lock
    # contention into a short wait instead of an immediate "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not Django's shared in-memory database: its table locks
    # ignore the busy timeout, so concurrent transactions would fail instead of
    # waiting as they do on the real (file) database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_{os.getpid()}.sqlite3")}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test process, so concurrent runs on one server
    # (developers, CI) never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_yibao_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "accounts:login"
# Failed logins from one address in 15 minutes before the address is blocked
# for 15 minutes (beside the per-account lock of 5; yibao.accounts.services).
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("YIBAO_LOGIN_ADDRESS_MAX_FAILURES", "10"))
# API tokens end after this many days without use, and this many days after issue.
API_TOKEN_IDLE_DAYS = int(os.environ.get("YIBAO_API_TOKEN_IDLE_DAYS", "30"))
API_TOKEN_MAX_AGE_DAYS = int(os.environ.get("YIBAO_API_TOKEN_MAX_AGE_DAYS", "90"))
# The hot read path (yibao.api.hot) keeps token → user → clerk's region in process this long;
# what this process changes is seen at once, what another process changes after this delay.
API_TOKEN_CACHE_SECONDS = float(os.environ.get("YIBAO_API_TOKEN_CACHE_SECONDS", "5"))
# Regions, agencies, windows and catalog items a case points at (yibao.reference_rows), the same way.
REFERENCE_ROWS_SECONDS = float(os.environ.get("YIBAO_REFERENCE_ROWS_SECONDS", "5"))
# Web sessions: two weeks at most, and the cookie is not readable by scripts.
SESSION_COOKIE_AGE = int(os.environ.get("YIBAO_SESSION_DAYS", "14")) * 24 * 3600

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG
# Serve files straight from the apps as well, so a test server or a fresh
# checkout works before collectstatic has run.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Where disbursement files are written for the bank connection (银企直连前置机 exchange directory).
YIBAO_BANK_EXCHANGE_DIR = os.environ.get("YIBAO_BANK_EXCHANGE_DIR", str(DATA_DIR / "bank" / "outgoing"))
# Scans are capped at 10 MB each (yibao.cases.uploads); an API request carries
# several of them base64-encoded in JSON, so the body limit must be larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
# Files above this go to a temporary file while the request is read, not into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every request body (multipart or JSON) larger than this is refused with 413 before it
# is read (yibao.middleware.RequestBodyCapMiddleware): a form carries a few 10 MB scans.
YIBAO_MAX_REQUEST_BODY = int(os.environ.get("YIBAO_MAX_REQUEST_BODY_MB", "64")) * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "YIBAO_TASKS_BACKEND", "django_tasks_db.backend.DatabaseBackend"
        )
    }
}

# A CJK TrueType font for PDFs. WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) is a
# TrueType collection that ReportLab can embed; Noto CJK ships CFF outlines,
# which ReportLab cannot embed.
CJK_FONT_PATH = os.environ.get("YIBAO_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"yibao": {"handlers": ["console"], "level": os.environ.get("YIBAO_LOG_LEVEL", "INFO")}},
}

# SMS gateway (yibao.notifications): "outbox" keeps each message in the table the admin shows
# (短信发件箱, the demo default); "console" also prints it on the server's console; any other
# value is the dotted path of a backend class with a deliver(message) method.
SMS_BACKENDS = {"outbox": "yibao.notifications.backends.OutboxBackend",
                "console": "yibao.notifications.backends.ConsoleBackend"}
YIBAO_SMS_BACKEND = SMS_BACKENDS.get(os.environ.get("YIBAO_SMS_BACKEND", "outbox"),
                                     os.environ.get("YIBAO_SMS_BACKEND", ""))
# Real-name proof at registration (yibao.accounts.identity): asked in order; a national provider
# (医保电子凭证 / 电子社保卡) is one more dotted path here.
YIBAO_IDENTITY_VERIFIERS = ["yibao.accounts.identity.SmsCodeVerifier",
                            "yibao.accounts.identity.WindowCodeVerifier"]
