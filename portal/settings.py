"""The portal's one settings module. Every difference between a laptop and the clinic's server
is an environment variable, read here through helpers that refuse a bad value by name
(see README.md, "Configuration")."""

import json
from datetime import timedelta
from pathlib import Path

import environ

from portal.config import (
    ConfigError,
    env_bool,
    env_int,
    env_language_code,
    env_list,
    env_redis_url,
    env_str,
    env_time_zone,
    env_vapid_keys,
    env_vapid_subject,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file beside manage.py is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
env = environ.Env()

DEBUG = env_bool("DEBUG", default=False)

# Used only with DEBUG on, so that `make run` works on a fresh clone. With DEBUG off the portal
# refuses to start on this key, on any "django-insecure" key, or on none at all.
DEVELOPMENT_SECRET_KEY = "development-only-key-never-use-in-a-clinic"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY", "must be set when DEBUG is off (a long random string)")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure")
):
    raise ConfigError("SECRET_KEY", "is the development default; set a long random string")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind TLS (the production set-up) cookies are secure and browsers are told to stay on HTTPS.
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
# Every subdomain on HTTPS too, and the domain may be submitted to the browsers' preload list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
# The longest a session lives, however active (seconds; 14 days). Idle sessions end sooner:
# after SESSION_IDLE_MINUTES_STAFF for anyone who can open the admin, after
# SESSION_IDLE_MINUTES_PATIENT for everyone else (patients/sessions.py enforces both).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14, minimum=60)
SESSION_IDLE_MINUTES_STAFF = env_int("SESSION_IDLE_MINUTES_STAFF", 30, minimum=1)
SESSION_IDLE_MINUTES_PATIENT = env_int("SESSION_IDLE_MINUTES_PATIENT", 60 * 24 * 7, minimum=1)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts, styles, images and fonts only from the portal itself; no inline script or style
# anywhere (behaviour is in static/portal/*.js, configuration in data- attributes). Bootstrap's
# form controls draw their ticks and arrows as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],  # the clinic's own videos (exercises/media.py)
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# What a page may ask of the phone: nothing but keeping the screen awake during an exercise.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), screen-wake-lock=(self)"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "exercises",
    "patients",
    # django-auditlog before the audit trail: audit/admin.py replaces auditlog's admin screen.
    "auditlog",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Every page is somebody's: no browser or proxy keeps a copy (a shared phone's back button).
    "portal.middleware.PrivatePagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made each write of patient data, for the audit trail (django-auditlog's, extended).
    "audit.middleware.AuditMiddleware",
    # Every page but login, password reset, invitations and /healthz needs a login.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An idle session ends here (before any view runs); then django-otp notes which device
    # verified the session, and staff without one, or anyone with one who has not given a
    # code yet, are sent to enrol or to give it.
    "patients.middleware.SessionIdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "patients.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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

# Databases ------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}") or ""
try:
    _database = env.db_url_config(DATABASE_URL)
except Exception as exc:  # django-environ raises several kinds for a bad URL
    raise ConfigError("DATABASE_URL", f"not a database URL ({exc})") from None
if _database.get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ConfigError(
        "DATABASE_URL", "the portal runs on PostgreSQL (postgres://…) or SQLite (sqlite:///…)"
    )
_database["ATOMIC_REQUESTS"] = False
if "sqlite3" in _database["ENGINE"]:
    # The tests' database is a file next to the real one, so that a Celery worker started by a
    # test (a separate process) sees the same rows.
    _database["TEST"] = {"NAME": f"{_database['NAME']}-test"}
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"].setdefault("timeout", 20)
    _database["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
else:
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    # No JIT compilation: the admin lists' per-patient subqueries look costly to the planner,
    # which then spent 0.9-2.0 s compiling a query that runs in 0.1-0.3 s (the patient list at
    # 10,000 patients, sorted or filtered by adherence). A URL's ?options=… still wins.
    _database["OPTIONS"].setdefault("options", "-c jit=off")
    _database["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "patients.User"
# Who holds a library of their own, and which one a person uses (exercises/tenancy.py): the
# clinics, so `exercises` never imports `patients`.
EXERCISES_LIBRARY_OWNERS = "patients.tenancy.ClinicLibraries"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins: after AXES_FAILURE_LIMIT tries for one email from one address, that pair waits
# AXES_COOLOFF_MINUTES. A patient who forgot their password resets it meanwhile.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# The lockout counts the folded address: no spelling of it gets its own five guesses.
AXES_USERNAME_CALLABLE = "patients.forms.lockout_username"
# How many reverse proxies stand before the portal, so the client's address is read right (for
# login lockouts and for the audit trail).
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Two-factor (django-otp): an authenticator app (TOTP) and ten backup codes. After each wrong
# code the next try waits twice as long (1 s, 2 s, 4 s…), per device, reset by a right code.
OTP_TOTP_ISSUER = env_str("TWO_FACTOR_ISSUER", "Clinic exercise portal")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin never shows a device's secret (the owner saw it once, when enrolling).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24 * 3, minimum=60)

# The audit trail (audit/): django-auditlog writes its entries of writes into the trail's table.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
# So auditlog's own migrations, which would create its (swapped, never used) table with a
# foreign key to users, are not run: that table would keep `flush` from emptying the users.
MIGRATION_MODULES = {"auditlog": None}
# A client's X-Correlation-ID header is not evidence of anything: no correlation id is taken.
AUDITLOG_CID_HEADER = None

# Time -----------------------------------------------------------------------------------------
# The clinic's locale: how every admin page writes a date and a number (en-gb: 06/12/2026,
# en-us: 12/06/2026), the same on every page. portal/formats/ holds the portal's own formats.
LANGUAGE_CODE = env_language_code("PORTAL_LANGUAGE_CODE", "en-gb")
FORMAT_MODULE_PATH = ["portal.formats"]
# The clinic's own zone: the admin shows times in it. Patients' reminders use each patient's zone.
TIME_ZONE = env_time_zone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# Static files: the portal serves its own Bootstrap and htmx; a clinic page calls no third party.
STATIC_URL = "static/"
# Where `manage.py collectstatic` writes the files the web serves with DEBUG off.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# A clinic's own pictures and videos (exercises/media.py): kept through Django's storage, in
# MEDIA_ROOT by default (git-ignored; back it up with the database), or in any storage backend a
# clinic names (MEDIA_STORAGE_BACKEND, its options as JSON in MEDIA_STORAGE_OPTIONS). They are
# served only by the portal's own views, to the people allowed to see each: never as public files,
# so there is no MEDIA_URL to serve.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_STORAGE_BACKEND = env_str(
    "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
try:
    MEDIA_STORAGE_OPTIONS = json.loads(env_str("MEDIA_STORAGE_OPTIONS", "{}") or "{}")
    if not isinstance(MEDIA_STORAGE_OPTIONS, dict):
        raise ValueError("not an object")
except ValueError as exc:
    raise ConfigError("MEDIA_STORAGE_OPTIONS", f"expected a JSON object ({exc})") from None
# The largest upload accepted, in megabytes; a picture is stored smaller (re-encoded, at most
# 2000 pixels a side), a video as uploaded.
MEDIA_IMAGE_MAX_BYTES = env_int("MEDIA_IMAGE_MAX_MB", 10, minimum=1, maximum=100) * 1024 * 1024
MEDIA_VIDEO_MAX_BYTES = env_int("MEDIA_VIDEO_MAX_MB", 50, minimum=1, maximum=2000) * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# With DEBUG on (`make run`) files are served from static/ as they are. With DEBUG off each page
# names its files by their hashed names, which only the manifest `manage.py collectstatic`
# writes knows: without it every page fails, so the startup check portal.E001 (portal/checks.py)
# stops `manage.py check`, runserver, `make run` and gunicorn first. The finders still serve a
# file from static/ that collectstatic has not copied yet.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email ----------------------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "consolemail://") or ""
try:
    globals().update(env.email_url_config(EMAIL_URL))  # EMAIL_BACKEND, EMAIL_HOST, …
except Exception as exc:
    raise ConfigError("EMAIL_URL", f"not an email URL ({exc})") from None
# A mail server that stops answering gives up a worker after this many seconds (per step), not
# never: a claim's lease must outlast the slowest email.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=60)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clinic exercise portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address the portal's own links point at (emails are read outside any request).
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# A reminder's "stop reminders" link works this many days (and once, for the state it was sent in).
UNSUBSCRIBE_LINK_DAYS = env_int("UNSUBSCRIBE_LINK_DAYS", 60, minimum=1)
# Sent and skipped reminders, invitations and digests are deleted after this many days (a week
# at least: follow-ups and "reminded a moment ago" look back hours; alerts are always kept).
RETENTION_DAYS = env_int("RETENTION_DAYS", 90, minimum=7)

# Push reminders on a patient's devices (patients/push.py; README, "Push reminders on a phone").
# The VAPID key pair, base64url raw keys as `manage.py vapid_keys` prints them; neither set:
# push reminders are off and the settings page says so. VAPID_SUBJECT is where the browsers'
# push services write about problems (mailto: or https:).
VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = env_vapid_keys("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_vapid_subject("VAPID_SUBJECT", required=bool(VAPID_PRIVATE_KEY))
# The workers post to whatever address a browser's push service gave: only to these services
# (a host or any host under it, over HTTPS), so that a subscription cannot aim the workers at a
# machine inside the clinic's network. Chrome, Edge, Firefox and Safari's services by default.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    ["fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com"],
)
# Push services taken over plain HTTP, by exact host: a development machine's own only.
PUSH_HTTP_HOSTS = ["127.0.0.1"] if DEBUG else []

# `/healthz?worker=1` sends a task through Redis: only from this machine, or with this token
# ("Authorization: Bearer <token>") for an uptime service elsewhere.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "") or ""

# Redis and Celery -----------------------------------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL", "redis://127.0.0.1:6379/0")
FRAGMENTS_KEPT_PER_PROCESS = env_int("FRAGMENTS_KEPT_PER_PROCESS", 1000, minimum=0)
# Web workers share the pages' fragments written from the library through Redis (exercises.
# fragments): nothing there is the only copy of anything, and without it pages are written anew.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        # A Redis that stops answering costs a page a second at most, then it is written anew.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
    # Each web process's own copy of the page fragments it served last (exercises/fragments.py):
    # their keys name everything they show, so a copy is never out of date, and a page read
    # again costs no round trip to Redis. At most this many, the least used dropped first; 0:
    # none (LocMemCache would still keep a few, so nothing is kept at all).
    "fragments": (
        {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal-fragments",
            "OPTIONS": {"MAX_ENTRIES": FRAGMENTS_KEPT_PER_PROCESS},
        }
        if FRAGMENTS_KEPT_PER_PROCESS
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}
# Redis carries the work queue; the database stays the record of what must be sent.
CELERY_BROKER_URL = REDIS_URL
# Results are kept only for the few tasks that ask for one (the health check's ping).
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 60 * 60
# Beat runs in UTC; each reminder is placed in the patient's own zone by the portal's code.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# A task is acknowledged after it ran, so a crashed worker's task is delivered again; the
# services make a second run harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged task comes back after this long; no portal task may run near it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60, minimum=60),
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 30
# Publishing gives up quickly when Redis is down instead of hanging a request or a tick.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Delivery: a worker renews its claim on a batch while it sends; a claim not renewed for the
# lease was left by a worker that died, and the next tick (a minute) hands its rows over again,
# so a dead worker's emails go out within lease + a minute. The lease must outlast the slowest
# single email (several EMAIL_TIMEOUT steps: connect, greet, log in, send).
DELIVERY_CLAIM_LEASE_SECONDS = env_int("DELIVERY_CLAIM_LEASE_SECONDS", 90, minimum=30)
if DELIVERY_CLAIM_LEASE_SECONDS < 6 * EMAIL_TIMEOUT:
    raise ConfigError(
        "DELIVERY_CLAIM_LEASE_SECONDS",
        f"must be at least six times EMAIL_TIMEOUT ({6 * EMAIL_TIMEOUT} s), or a slow mail "
        "server could make a live worker's claim look abandoned; "
        f"got {DELIVERY_CLAIM_LEASE_SECONDS}",
    )
# A batch handed to Redis and not started after this is handed over again (its message was lost);
# a second message for rows already taken costs one query and sends nothing.
DELIVERY_REDISPATCH_SECONDS = env_int("DELIVERY_REDISPATCH_SECONDS", 300, minimum=60)
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What a task prints (the console email backend, EMAIL_URL=consolemail://, prints every email) is
# logged at INFO: Celery's default, WARNING, would make every email look like a problem.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
# Keep a worker's database connection across tasks (Celery closes it after every task
# otherwise, and a new PostgreSQL connection costs more than sending a reminder); portal/celery.py
# checks it around each task as Django does around each request.
CELERY_DB_REUSE_MAX = 200
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic tasks; each one only picks up rows the database says are still to do, so a missed or
# doubled tick does no harm.
# Intervals, not crontabs: nothing here depends on a wall clock, so no daylight-saving change
# can skip or repeat a run (each patient's local time is worked out by the tick itself).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "tick": {"task": "patients.tick", "schedule": 60.0, "options": {"expires": 55}},
    "check-inactivity": {
        "task": "patients.check_inactivity",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "schedule-digests": {
        "task": "patients.schedule_digests",
        "schedule": 900.0,
        "options": {"expires": 800},
    },
    # Daily: RETENTION_DAYS is counted in days, and batches keep each run's locks short.
    "prune-sent-emails": {
        "task": "patients.prune_sent_emails",
        "schedule": 86400.0,
        "options": {"expires": 3600},
    },
}

# Logging --------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO") or "INFO"
if LOG_LEVEL.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError("LOG_LEVEL", f"expected DEBUG, INFO, WARNING or ERROR, got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # No line holds the token of a "stop reminders", invitation or password reset link.
    "filters": {"mask_tokens": {"()": "portal.log_masking.TokenMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL.upper()},
    # Django's own request lines and "Not Found: <path>" through the masking handler, not its
    # default ones.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL.upper(), "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
