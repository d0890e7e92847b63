"""Settings for yibao, driven by environment variables (all prefixed YIBAO_)."""

import os
from pathlib import Path

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


DEBUG = env_bool("YIBAO_DEBUG", True)
SECRET_KEY = os.environ.get("YIBAO_SECRET_KEY", "dev-only-insecure-key-change-me")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise ValueError("生产环境必须设置 YIBAO_SECRET_KEY")
ALLOWED_HOSTS = [h for h in os.environ.get("YIBAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "yibao.audit",
    "yibao.agencies",
    "yibao.accounts",
    "yibao.notifications",
    "yibao.workdays",
    "yibao.catalog",
    "yibao.documents",
    "yibao.cases",
    "yibao.enrollment",
    "yibao.transfers",
    "yibao.offsite",
    "yibao.evaluations",
    "yibao.ledger",
    "yibao.hall",
    "yibao.console",
    "yibao.api",
    "yibao.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

WSGI_APPLICATION = "yibao.wsgi.application"

DATA_DIR = Path(os.environ.get("YIBAO_DATA_DIR", PROJECT_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("YIBAO_DATABASE_URL", f"sqlite:///{DATA_DIR / 'yibao.sqlite3'}"),
        conn_max_age=int(os.environ.get("YIBAO_DB_CONN_MAX_AGE", "60")),
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
# Scans are capped at 10 MB each (yibao.cases.uploads); an API request carries
# several of them base64-encoded in JSON, so the body limit must be larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024

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
