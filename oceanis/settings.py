"""Oceanis Service Desk settings.

Everything comes from the environment (12-factor). With no environment at all the project runs
"embedded": SQLite under var/, Celery tasks executed eagerly, mail written to files under var/mail/,
DEBUG on and a generated development secret. Production sets DATABASE_URL (PostgreSQL),
CELERY_BROKER_URL (Redis), CACHE_URL (Redis), EMAIL_URL (SMTP) and SECRET_KEY.
"""

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# Reading these settings writes nothing: the directories under var/ and the development secret
# are created when a process starts (oceanis/apps.py) or when a file is first written there.
VAR_DIR = Path(environ.Env().str("OCEANIS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
)

DEBUG = env("DEBUG")


def _dev_secret(path: Path) -> str:
    """The per-checkout secret kept under var/, so sessions survive restarts in development.

    The first process started writes it (oceanis/apps.py); until then, this process's own."""
    try:
        return path.read_text().strip() or secrets.token_urlsafe(50)
    except FileNotFoundError:
        return secrets.token_urlsafe(50)


# Where the development secret lives; None when SECRET_KEY is set (nothing is written then).
DEV_SECRET_KEY_FILE = None
if "SECRET_KEY" in env.ENVIRON:
    SECRET_KEY = env("SECRET_KEY")
elif DEBUG:
    DEV_SECRET_KEY_FILE = VAR_DIR / "dev_secret_key"
    SECRET_KEY = _dev_secret(DEV_SECRET_KEY_FILE)
else:  # pragma: no cover - guarded start-up failure
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # search: trigram lookups, SearchVector (inert on SQLite)
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "staff",
    "clients",
    "sla",
    "tickets",
    "alerts",
    "notifications",
    "notices",
    "oncall",
    "calendars",
    "api",
    "extranet",
    "backoffice",
    "incidents",
    "changes",
    "shifts",
    "reports",
    "projects",
    "ops",
    "search",
    "knowledge",
    "telephony",
    "relations",
    "macros",
    "satisfaction",
    "sso",  # staff single sign-on (OpenID Connect)
    "portfolios",
    "logins",
    "identity",  # second factor (TOTP, recovery codes, passkeys) for staff and contacts
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "csp",
    "oceanis",  # var/ at start (apps.py), management commands (run_schedule), abstract models
]

MIDDLEWARE = [
    # First: the request id and the timing cover everything below, redirects included.
    "oceanis.logging_context.RequestContextMiddleware",
    "ops.middleware.RequestMetricsMiddleware",
    # API errors as JSON whatever layer failed; database lock waits answered 503.
    "oceanis.middleware.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything queries: lock_timeout / statement_timeout on this request's connection.
    "oceanis.middleware.DatabaseTimeoutsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and "last activity" of the session (needs the session, the user, messages).
    "logins.middleware.SessionActivityMiddleware",
    # A session that owes its second factor reaches only the verification/enrolment pages.
    "identity.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a django-axes lockout into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oceanis.urls"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "oceanis.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oceanis.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Statements are bound and prepared server-side on PostgreSQL; false for a pooler that cannot
# follow prepared statements (PgBouncer < 1.21 in transaction mode). Planning, not running, was
# the cost of the hot reads: the ticket table's 32 indexes (partial ones for the queues) made
# PostgreSQL spend 7–11 ms planning a pk lookup joined to its ticket, for 0.6 ms of execution.
# psycopg prepares a statement once a connection has run it 5 times (the ORM's), or at once on
# the hot cursor (oceanis/db.py); PostgreSQL keeps a custom plan where a generic one would be
# worse (a partial index that only a literal value proves usable).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and a worker share the file without "locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "TEST_DATABASE_NAME", default="test_oceanis"
    )
    if DATABASE_PREPARED_STATEMENTS:
        # Django turns psycopg's preparing off unless asked (prepare_threshold None).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
# What one web request may wait for on PostgreSQL (milliseconds; 0 = no limit): a row lock, and
# one statement. Past either the request answers 503 with Retry-After, well before gunicorn's
# 30 s worker timeout would kill it. Celery workers and management commands are not limited.
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=5_000)
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=15_000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failed logins (django-axes), per username + client IP. The first backend
# only checks the lockout; passwords are Django's ModelBackend (sso.backends.PasswordBackend, which
# refuses staff when STAFF_PASSWORD_LOGIN is off), then the staff's OpenID Connect login.
AUTHENTICATION_BACKENDS = [
    "extranet.auth_backends.LockoutBackend",
    "sso.backends.PasswordBackend",
    "sso.backends.OIDCBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "extranet/lockout.html"

# Single sign-on for staff (sso app, mozilla-django-oidc): OpenID Connect authorization code flow
# with PKCE, state and nonce; the ID token's signature (OIDC_RP_SIGN_ALGO, keys from the
# provider's JWKS), issuer, audience and expiry are verified. Off while OIDC_RP_CLIENT_ID is
# empty. Endpoints left empty are read from OIDC_OP_ISSUER's discovery document. The redirect
# URI to register at the provider: <OCEANIS_BASE_URL>/sso/callback/.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="OpenID Connect")  # on the login button
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_VERIFY_SSL = env("OIDC_CA_BUNDLE", default="") or True  # a PEM bundle for a private CA
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
# Matching by e-mail to existing staff; the provider must say the address is verified
# (email_verified), unless turned off for a provider that never says it (Entra ID).
OIDC_REQUIRE_VERIFIED_EMAIL = env.bool("OIDC_REQUIRE_VERIFIED_EMAIL", default=True)
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_DEFAULT_GROUP = env("OIDC_DEFAULT_GROUP", default="technician")
# Roles from a claim of the provider (e.g. "groups", "roles"): its values listed here make the
# user manager or deputy at each login, and withdraw the role when absent. Empty: roles are
# managed in Oceanis only.
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="")
OIDC_MANAGER_GROUPS = env.list("OIDC_MANAGER_GROUPS", default=[])
OIDC_DEPUTY_GROUPS = env.list("OIDC_DEPUTY_GROUPS", default=[])
# The provider's login counts as the second factor (it enforces its own MFA).
OIDC_SATISFIES_2FA = env.bool("OIDC_SATISFIES_2FA", default=True)
# Off: staff log in through SSO only (password forms refuse them); client contacts unaffected.
STAFF_PASSWORD_LOGIN = env.bool("STAFF_PASSWORD_LOGIN", default=True)

# Second factor (identity app). Staff must have one (enrolment at their next login) unless
# STAFF_REQUIRE_2FA is off; client contacts may add one, and their organisation may require it.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Oceanis Service Desk")
# Passkeys (WebAuthn) are bound to a domain: the host of OCEANIS_BASE_URL by default. Browsers
# offer them on https only (or http://localhost in development).
_BASE = env("OCEANIS_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_BASE_HOST = _BASE.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
_HOST_IS_NAME = any(c.isalpha() for c in _BASE_HOST) and ":" not in _BASE_HOST  # not an IP
OTP_WEBAUTHN_RP_ID = env("OTP_WEBAUTHN_RP_ID", default=_BASE_HOST if _HOST_IS_NAME else "localhost")
OTP_WEBAUTHN_RP_NAME = "Oceanis Service Desk"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS",
    default=[_BASE if _BASE.startswith("https://") else "http://localhost:8000"],
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is a second factor, after the password

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["oceanis.formats"]  # French dates read "le 2 décembre 2026 à 16:40"
# The numbers clients call, shown in the extranet footer and the client mails (hidden when empty).
OCEANIS_SUPPORT_PHONE = env("OCEANIS_SUPPORT_PHONE", default="")
OCEANIS_ONCALL_PHONE = env("OCEANIS_ONCALL_PHONE", default="")
# Telephony (telephony/): numbers are stored in E.164; one typed without a country code is read
# in this region. A call to one of the on-call numbers out of the contract's hours pages the
# technician on call (by default the number shown to clients, OCEANIS_ONCALL_PHONE).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="FR")
TELEPHONY_ONCALL_NUMBERS = env.list(
    "TELEPHONY_ONCALL_NUMBERS", default=[OCEANIS_ONCALL_PHONE] if OCEANIS_ONCALL_PHONE else []
)
# CSV files (report exports, extranet history): ";" with decimal commas opens in French Excel;
# "," switches to decimal points (oceanis/spreadsheet.py).
CSV_DELIMITER = env("CSV_DELIMITER", default=";")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # created at start (oceanis/apps.py): whitenoise warns if missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served publicly: downloads go through permission-checked views

# Mail: EMAIL_URL (smtp://user:pass@host:port, or consolemail://) in production; files otherwise.
if "EMAIL_URL" in env.ENVIRON:
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Oceanis Service Desk <support@oceanis.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Cache (API rate-limit counters): per process by default; CACHE_URL (redis://…) shares it
# between the web processes, which production needs for the limits to mean anything.
CACHES = {"default": env.cache_url_config(env("CACHE_URL", default="") or "locmemcache://")}

# Celery: eager without a broker, Redis in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager apply_async still borrows a producer to serialise the arguments; without a URL kombu
    # falls back to AMQP and warns "No hostname was supplied". Nothing is ever sent to it.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
# Celery's Django fix-up closes every database connection around each task unless this is set;
# oceanis/celery.py applies Django's CONN_MAX_AGE rule instead (a reconnection per task cost the
# worker a PostgreSQL backend and its prepared statements for every ticket event).
CELERY_DB_REUSE_MAX = 2**62
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Background work (Celery workers, the embedded `run_schedule`) runs at this nice level when it
# shares cores with the web processes: a burst of requests is answered first and mails, notices
# and webhooks take the CPU left over a moment later, instead of every request waiting behind
# them. 0 keeps the scheduler's default; on dedicated worker hosts it changes nothing.
BACKGROUND_NICENESS = env.int("BACKGROUND_NICENESS", default=10)
# A queue of this many active tickets or more has its counters shared between requests for
# QUEUE_COUNTERS_SECONDS (0: always counted); a smaller one is counted at every request.
QUEUE_COUNTERS_SECONDS = env.int("QUEUE_COUNTERS_SECONDS", default=10)
QUEUE_COUNTERS_SHARED_FROM = env.int("QUEUE_COUNTERS_SHARED_FROM", default=2_000)
# Workers and beat wait for the broker however long it is away (Celery's default gives up after
# 100 attempts, about 50 minutes); docker compose / systemd restart them if they exit anyway.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the broker goes away finishes: its rows are claimed in the database, so the
# message redelivered later finds them sent and does nothing. Cancelling it (Celery 6's default)
# could stop a mail between the SMTP server's acceptance and the row's "sent".
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Redis has no acknowledgements: a message a worker took and never acknowledged (the worker died,
# or Redis restarted under it) is queued again CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS after its
# delivery, looked for every CELERY_BROKER_RESTORE_INTERVAL_SECONDS. Keep the timeout above every
# countdown the code schedules (the longest: a webhook retry, up to 6 h), or such a message is
# queued again while a worker still holds it and runs twice (harmless, rows decide, but useless).
# Nothing waits on it: the every-minute sweepers deliver what a lost message would have.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS", default=7 * 3600),
    "unacked_restore_interval": env.int("CELERY_BROKER_RESTORE_INTERVAL_SECONDS", default=10),
    "unacked_restore_throttle": 1,  # kombu's default 10 would scan only every 10th interval
    # A broker that accepts the connection and never answers (half-open socket, frozen host) must
    # not hold a web request: kombu waits forever by default. Publishing is retried once; what
    # still fails is logged and left to the sweepers, since the rows are already committed.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT_SECONDS", default=3.0),
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT_SECONDS", default=3.0),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    "api-webhooks-sweep": {
        "task": "api.tasks.webhooks_sweep",
        "schedule": crontab(minute="*"),
    },
    "sla-breach-warnings": {
        "task": "tickets.tasks.record_breach_warnings",
        "schedule": crontab(minute="*"),
    },
    "incident-deliveries-sweep": {
        "task": "incidents.tasks.sweep_incident_deliveries",
        "schedule": crontab(minute="*"),
    },
    "oncall-sweep": {
        "task": "oncall.tasks.sweep",
        "schedule": crontab(minute="*"),
    },
    # Steering-committee packs for the previous month: the 1st at 06:00 Paris time.
    "reports-monthly-client-reports": {
        "task": "reports.tasks.generate_monthly_reports",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "notifications-outbox-sweep": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": crontab(minute="*"),
    },
    "notifications-inbound-sweep": {
        "task": "notifications.tasks.sweep_inbound",
        "schedule": crontab(minute="*"),
    },
    "notices-sweep": {
        "task": "notices.tasks.sweep_notices",
        "schedule": crontab(minute="*"),
    },
    "api-webhook-deliveries-retention": {
        "task": "api.tasks.webhooks_prune_deliveries",
        "schedule": crontab(minute=40, hour=3),
    },
    "alerts-silences-release": {
        "task": "alerts.tasks.release_silenced_events_task",
        "schedule": crontab(minute="*"),
    },
    "alerts-rejected-retention": {
        "task": "alerts.tasks.prune_rejected_alerts_task",
        "schedule": crontab(minute=30, hour=3),
    },
    "tickets-close-resolved": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": crontab(minute="*/15"),
    },
    # Evaluated in CELERY_TIMEZONE (Europe/Paris): 17:00 local time, summer and winter alike.
    # Its age on /metrics tells that beat, the broker and a worker all work.
    "ops-worker-heartbeat": {
        "task": "ops.tasks.record_worker_heartbeat",
        "schedule": crontab(minute="*"),
    },
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=17, minute=0),
    },
    "notifications-outbox-retention": {
        "task": "notifications.tasks.purge_outbox",
        "schedule": crontab(minute=50, hour=3),
    },
    "notices-mail-retention": {
        "task": "notices.tasks.purge_notice_mails",
        "schedule": crontab(minute=55, hour=3),
    },
    "logins-expired-sessions": {
        "task": "logins.tasks.clear_expired_sessions",
        "schedule": crontab(minute=5, hour=4),
    },
}

# Client replies and resolved tickets, in business days of the Oceanis calendar: a reply within
# the first delay reopens a resolved ticket (later: a follow-up ticket); without client reaction
# a reminder, then the automatic closure. 0 disables the reminder / the automatic closure.
TICKETS_REOPEN_WITHIN_BUSINESS_DAYS = env.int("TICKETS_REOPEN_WITHIN_BUSINESS_DAYS", default=10)
TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS = env.int(
    "TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS", default=7
)
TICKETS_AUTO_CLOSE_BUSINESS_DAYS = env.int("TICKETS_AUTO_CLOSE_BUSINESS_DAYS", default=10)
# Customer satisfaction: how long after the closure a rating may be given or changed (signed
# link of the closure mail, extranet).
SATISFACTION_ANSWER_DAYS = env.int("SATISFACTION_ANSWER_DAYS", default=14)

# Notifications: events of one ticket within this many seconds leave as one mail (no grouping
# without a broker: eager tasks cannot wait). Inbound mail: IMAP polling and the HTTP endpoint.
NOTIFICATIONS_GROUPING_SECONDS = env.int(
    "NOTIFICATIONS_GROUPING_SECONDS", default=0 if CELERY_TASK_ALWAYS_EAGER else 60
)
NOTIFICATIONS_REPLY_TO = env("NOTIFICATIONS_REPLY_TO", default="")
# Mail delivery (client mails, staff notice mails): at least once. A mail still "sending" after
# the lease was interrupted and is sent again with the same Message-ID; after the attempts
# (backoff 1 min doubling to 1 h) it is a dead letter. Finished rows are purged after retention.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=30)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=900)
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=365)
# A 17:00 digest missed (broker message lost, worker down) is still sent up to this long after.
NOTIFICATIONS_DIGEST_MAX_AGE_DAYS = env.int("NOTIFICATIONS_DIGEST_MAX_AGE_DAYS", default=1)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="")
INBOUND_MAIL_TOKEN = env("INBOUND_MAIL_TOKEN", default="")
IMAP_HOST = env("IMAP_HOST", default="")
IMAP_PORT = env.int("IMAP_PORT", default=993)
IMAP_USER = env("IMAP_USER", default="")
IMAP_PASSWORD = env("IMAP_PASSWORD", default="")
IMAP_FOLDER = env("IMAP_FOLDER", default="INBOX")
IMAP_DONE_FOLDER = env("IMAP_DONE_FOLDER", default="")
# The server's certificate is always verified (system CA store, or this PEM bundle for a private
# CA); connecting and each read give up after IMAP_TIMEOUT_SECONDS.
IMAP_SSL_CAFILE = env("IMAP_SSL_CAFILE", default="")
IMAP_TIMEOUT_SECONDS = env.float("IMAP_TIMEOUT_SECONDS", default=30)
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=25 * 1024 * 1024)
# A message still "processing" this long after it was claimed was interrupted (worker killed,
# deploy, OOM): the sweeper and "Retraiter" claim it again.
INBOUND_PROCESSING_LEASE_SECONDS = env.int("INBOUND_PROCESSING_LEASE_SECONDS", default=600)

# Staff notices (bell, /notifications/): how a user without a preference is told (in_app,
# immediate or hourly e-mail), how often the bell refreshes, and how far back the sweeper derives
# notices a lost broker message missed.
NOTICES_DEFAULT_DELIVERY = env("NOTICES_DEFAULT_DELIVERY", default="immediate")
NOTICES_BELL_REFRESH_SECONDS = env.int("NOTICES_BELL_REFRESH_SECONDS", default=20)
NOTICES_SWEEP_LOOKBACK_HOURS = env.int("NOTICES_SWEEP_LOOKBACK_HOURS", default=48)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.openapi.ScopedAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # Bounded JSON (depth, numbers) and no control characters in text: 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CredentialRateThrottle"],
}
# Per credential; "alerts" is generous because a monitoring storm must not be dropped.
API_THROTTLE_RATES = {
    "api": env("API_THROTTLE_RATE", default="1200/minute"),
    "alerts": env("API_ALERTS_THROTTLE_RATE", default="60000/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oceanis Service Desk API",
    "DESCRIPTION": "API REST des intégrations (téléphonie, supervision, facturation, outils "
    "clients). Authentification : `Authorization: Bearer <jeton>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets served locally: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketKindEnum": "tickets.models.Kind",
        "TicketStateEnum": "tickets.models.State",
        "EscalationLevelEnum": "tickets.models.EscalationLevel",
        "PendingOnEnum": "tickets.models.PendingOn",
        "SkillLevelEnum": "staff.models.Level",
        "ContractKindEnum": "clients.models.Contract.Kind",
        "GtiLevelEnum": ["ok", "risk", "breached", "met", "missed", "none"],
        "WebhookEventEnum": "api.models.WebhookEvent",
        "TicketLinkKindEnum": "relations.models.LinkKind",
    },
}
# Monitoring: a "resolved" alert cancels the ticket it opened if nobody took it in charge yet.
ALERTS_AUTO_RESOLVE = env.bool("ALERTS_AUTO_RESOLVE", default=True)
# Days the rejected-alerts log keeps a refused payload before the nightly task deletes it.
ALERTS_REJECTED_RETENTION_DAYS = env.int("ALERTS_REJECTED_RETENTION_DAYS", default=90)
# Outgoing webhooks: attempts before a delivery is marked failed; first retry delay (doubles).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Days the delivery log keeps a settled (sent or failed) delivery; a nightly task deletes older.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=90)
# A delivery still "sending" this long after its claim belonged to a worker that died: re-sent
# (same X-Oceanis-Delivery id). Must exceed WEBHOOK_TIMEOUT_SECONDS by far.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=300)
# Incident communications (one mail per recipient): attempts before the dead letter, first
# retry delay (doubles, capped at 1 h), lease after which a mail whose worker died is re-sent.
INCIDENT_MAIL_MAX_ATTEMPTS = env.int("INCIDENT_MAIL_MAX_ATTEMPTS", default=6)
INCIDENT_MAIL_RETRY_BASE_SECONDS = env.int("INCIDENT_MAIL_RETRY_BASE_SECONDS", default=60)
INCIDENT_MAIL_LEASE_SECONDS = env.int("INCIDENT_MAIL_LEASE_SECONDS", default=600)
# Outgoing HTTP calls (webhooks, SMS/voice gateways) reach globally routable addresses only;
# internal networks an administrator allows on purpose are listed here (comma-separated CIDRs).
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])

# On-call (astreinte). The internal client's critical tickets (Datacenter alarms) page out of
# hours whatever the contract. Links in pages are absolute: built on OCEANIS_BASE_URL.
OCEANIS_INTERNAL_CLIENT_CODE = env("OCEANIS_INTERNAL_CLIENT_CODE", default="oceanis")
OCEANIS_BASE_URL = env("OCEANIS_BASE_URL", default="http://127.0.0.1:8000")
ONCALL_ACK_MINUTES = env.int("ONCALL_ACK_MINUTES", default=10)
ONCALL_REPAGES = env.int("ONCALL_REPAGES", default=1)
ONCALL_ACK_LINK_MAX_AGE_HOURS = env.int("ONCALL_ACK_LINK_MAX_AGE_HOURS", default=24)
ONCALL_CHANNELS = env.list(
    "ONCALL_CHANNELS",
    default=[
        "oncall.channels.email.EmailChannel",
        "oncall.channels.webhook.SmsChannel",
        "oncall.channels.webhook.VoiceChannel",
    ],
)
ONCALL_SMS_WEBHOOK_URL = env("ONCALL_SMS_WEBHOOK_URL", default="")
ONCALL_VOICE_WEBHOOK_URL = env("ONCALL_VOICE_WEBHOOK_URL", default="")
ONCALL_WEBHOOK_TOKEN = env("ONCALL_WEBHOOK_TOKEN", default="")
ONCALL_WEBHOOK_TIMEOUT_SECONDS = env.float("ONCALL_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Each message of a page on each channel is a delivery row: attempts before it is failed, first
# retry delay (doubles; Celery retry, never a sleep), and the lease after which a message whose
# worker died is sent again (same Idempotency-Key). The former ONCALL_WEBHOOK_TRIES and
# ONCALL_WEBHOOK_BACKOFF_SECONDS names are still read.
ONCALL_PAGE_MAX_ATTEMPTS = env.int(
    "ONCALL_PAGE_MAX_ATTEMPTS", default=env.int("ONCALL_WEBHOOK_TRIES", default=10)
)
ONCALL_PAGE_RETRY_BASE_SECONDS = env.float(
    "ONCALL_PAGE_RETRY_BASE_SECONDS",
    default=env.float("ONCALL_WEBHOOK_BACKOFF_SECONDS", default=2.0),
)
ONCALL_PAGE_LEASE_SECONDS = env.int("ONCALL_PAGE_LEASE_SECONDS", default=60)

# Attachments: size and type limits shared by back-office, extranet and inbound mail.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Largest request body read into memory (bytes; Django's default): above it the API answers
# 413 in its JSON error shape. The inbound mail endpoint has its own INBOUND_MAIL_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# "text" (default) or "json": one JSON object per line with the request id and the ticket
# reference, plus one line per request (oceanis.requests); Celery workers log through it too.
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):  # pragma: no cover - guarded start-up failure
    raise environ.ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "oceanis.logging_context.ContextFilter"}},
    "formatters": {"json": {"()": "oceanis.logging_context.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # runserver and gunicorn already print an access line in text.
        "oceanis.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        # Eager tasks in the embedded mode would log every event; a real worker logs its own.
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # django-axes logs every login attempt at INFO.
        "axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")},
    },
}
# A worker replaces the root handler with its own text format unless told not to.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# Prometheus /metrics (ops app): admitted from these networks (comma-separated CIDRs; a request
# relayed by a proxy never is) or with "Authorization: Bearer <METRICS_TOKEN>"; 404 otherwise.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(cidr.strip(), strict=False)
    for cidr in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
    if cidr.strip()
]
# Where gunicorn's workers keep their counters so that a scrape sums them (gunicorn.conf.py
# sets one when empty); empty outside gunicorn: counters are the process's own.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")

# HTTPS. Production (DEBUG off) sits behind a TLS-terminating proxy: plain http is redirected,
# HSTS for a year, cookies Secure. The embedded mode serves plain http on loopback: all off.
# HSTS on subdomains and preloading bind the operator's whole domain, hard to undo: opt-in only.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Container probes and Prometheus call gunicorn over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The header the proxy sets to tell https from http (it must overwrite a client's own); "" when
# gunicorn is reached directly.
_PROXY_SSL_HEADER = env("SECURE_PROXY_SSL_HEADER", default="" if DEBUG else "X-Forwarded-Proto")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
# Sessions live in logins.LoginSession (Django's database sessions plus user, IP, browser), so
# people can list and end their own (logins/). A session unused for SESSION_IDLE_TIMEOUT
# seconds is logged out at its next request (0: never); polling by an open tab does not count.
SESSION_ENGINE = "logins.backends.db"
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
# Deliberate choices above, not oversights: `check --deploy` stays quiet about them.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]

# Content-Security-Policy on every response (django-csp). No inline script anywhere (behaviour
# lives in static files, htmx runs without eval); inline <style> needs the request's nonce.
# style="" attributes stay allowed: templates (incident banner, RUN pages) use them for layout,
# they cannot run script, and markup injection is already closed by autoescaping.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
