"""Settings for dantoc, read from the environment (see .env.example for every variable).

A fresh clone runs with no environment at all: SQLite under var/, a generated secret key kept
in var/secret_key, DEBUG off. Production sets DANTOC_SECRET_KEY, DATABASE_URL and
DANTOC_ALLOWED_HOSTS.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from dantoc.core.env import (
    database_from_url,
    default_storage_from_env,
    env_bool,
    env_int,
    env_list,
    env_ports,
    env_str,
)
from dantoc.integration.scopes import SCOPES as INTEGRATION_SCOPES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DANTOC_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DANTOC_DEBUG", False)
PRODUCTION = env_bool("DANTOC_PRODUCTION", False)


def _secret_key() -> str:
    key = env_str("DANTOC_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DANTOC_SECRET_KEY must be set when DANTOC_PRODUCTION=1")
    # Local installs keep one generated key so that sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DANTOC_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DANTOC_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "dantoc.core.admin_apps.DantocAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dantoc.core.admin_apps.AxesConfig",
    "dantoc.core",
    "dantoc.geo",
    "dantoc.programmes",
    "dantoc.accounts",
    "dantoc.audit",
    "dantoc.media",
    "dantoc.indicators",
    "dantoc.reporting",
    "dantoc.notifications",
    "dantoc.editorial",
    "dantoc.alerts",
    "dantoc.analytics",
    "dantoc.opendata",
    "dantoc.portal",
    "dantoc.citizens",
    "dantoc.meetings",
    "dantoc.training",
    "dantoc.channels",
    "dantoc.experts",
    "dantoc.heritage",
    "dantoc.sensors",
    "dantoc.library",
    "oauth2_provider",
    "dantoc.integration",
    "django_tasks",
    "dantoc.core.admin_apps.TasksConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dantoc.core.middleware.SecurityHeadersMiddleware",
    "dantoc.core.middleware.RejectNullCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dantoc.core.middleware.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dantoc.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dantoc.accounts.middleware.SessionIdleTimeoutMiddleware",
    "dantoc.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "dantoc.notifications.context_processors.unread",
                "dantoc.core.context_processors.main_menu",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/dantoc.sqlite3"), base_dir=str(BASE_DIR)
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DANTOC_TEST_DATABASE", "test_dantoc")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out after repeated failures (django-axes), counted per user name so that an attacker
# cannot dodge it by changing address, and so that one office behind a NAT is not locked out.
AXES_FAILURE_LIMIT = env_int("DANTOC_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("DANTOC_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The page for a browser, the API's own error body (JSON) for an API client.
AXES_LOCKOUT_CALLABLE = "dantoc.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Deliberate: locking by address would lock out a whole commune office behind one NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "dantoc"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = env_int("DANTOC_SESSION_SECONDS", 8 * 3600)
# Signed out after this long without a request (dantoc.accounts.middleware).
SESSION_IDLE_SECONDS = env_int("DANTOC_SESSION_IDLE_MINUTES", 30) * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto: https`` → Django's ``("HTTP_X_FORWARDED_PROTO", "https")``;
    empty when no proxy stands in front (then the header must not be trusted)."""
    if not raw.strip():
        return None
    name, sep, value = raw.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value or " " in name:
        raise ImproperlyConfigured(
            "DANTOC_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https' (or be empty)"
        )
    return "HTTP_" + name.upper().replace("-", "_"), value


if PRODUCTION:
    # The proxy in front terminates TLS and says so in this header (set it to what the proxy
    # sends, and make sure the proxy overwrites any such header from the client).
    SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(
        env_str("DANTOC_PROXY_SSL_HEADER", "X-Forwarded-Proto: https")
    )
    SECURE_SSL_REDIRECT = env_bool("DANTOC_SSL_REDIRECT", True)
    # The load balancer's health check speaks plain HTTP to the app.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DANTOC_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DANTOC_HSTS_INCLUDE_SUBDOMAINS", True)

# Content-Security-Policy and Permissions-Policy of HTML pages (dantoc.core.middleware).
# Extra image sources (e.g. a provincial site whose pictures mirrored articles show), comma
# separated; by default only the platform's own images and data: URIs (QR codes).
CSP_IMG_SRC_EXTRA = env_list("DANTOC_CSP_IMG_SRC", [])

LANGUAGE_CODE = "vi"
# Each language is named in itself, not translated (Django's own catalogue would show "Tiếng
# Anh" on Vietnamese pages and "English" on English ones): a reader looks for their language's
# own name, and the same choice has one name everywhere (issue 17).
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    ("", BASE_DIR / "static"),
    # Front-end packages come from npm (package.json); only their dist folders are served.
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
    # Fonts for the Tai Viet, Cham and Khmer scripts (static/css/site.css, by unicode-range).
    ("vendor/fonts/tai-viet", BASE_DIR / "node_modules" / "@fontsource" / "noto-sans-tai-viet"),
    ("vendor/fonts/cham", BASE_DIR / "node_modules" / "@fontsource" / "noto-sans-cham"),
    ("vendor/fonts/khmer", BASE_DIR / "node_modules" / "@fontsource" / "noto-sans-khmer"),
    # The meetings room: Janus's browser library and the WebRTC adapter it needs.
    ("vendor/janus-gateway", BASE_DIR / "node_modules" / "janus-gateway" / "npm" / "src"),
    ("vendor/webrtc-adapter", BASE_DIR / "node_modules" / "webrtc-adapter" / "out"),
    # The heritage archive's IIIF viewer, loaded only when a reader opens it.
    (
        "vendor/openseadragon",
        BASE_DIR / "node_modules" / "openseadragon" / "build" / "openseadragon",
    ),
    # The PDF reader of the e-library (pdf.js; the legacy build runs on older phone browsers).
    ("vendor/pdfjs", BASE_DIR / "node_modules" / "pdfjs-dist" / "legacy" / "build"),
]
STORAGES = {
    # Local disk under MEDIA_ROOT, or S3-compatible object storage (DANTOC_MEDIA_STORAGE=s3).
    "default": default_storage_from_env(),
    "staticfiles": {
        "BACKEND": env_str(
            "DANTOC_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = Path(env_str("DANTOC_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "dantoc.core.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "dantoc.core.apis.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "dantoc.core.apis.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "dantoc.core.apis.ContentNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dantoc API",
    "DESCRIPTION": (
        "API của nền tảng thông tin Chương trình MTQG phát triển KT-XH vùng đồng bào DTTS&MN. "
        "API of the information platform for the National Target Programme for ethnic-minority "
        "and mountainous areas."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fixed, so that endpoints outside /api/ (the OAuth2 /token) do not change the tags and
    # operation ids drf-spectacular derives from the common prefix.
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {
        "UnitLevelEnum": "dantoc.geo.models.UnitLevel",
        "ComponentLevelEnum": "dantoc.programmes.models.ComponentLevel",
        # Two "kind" choice sets: the unit kinds keep their name, the integration API's own.
        "KindEnum": "dantoc.geo.models.UnitKind",
        "SubmissionKindEnum": "dantoc.integration.pushup.SUBMITTABLE_KIND_CHOICES",
        # A sync feed's live item (deleted: false) and tombstone (deleted: true).
        "LiveItemEnum": [(False, False)],
        "TombstoneEnum": [(True, True)],
    },
}

# Background work (django-tasks): the database backend needs nothing extra on one machine;
# run `python manage.py db_worker` beside the web server to execute queued tasks.
TASKS = {
    "default": {
        "BACKEND": env_str("DANTOC_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The MQTT broker devices publish their readings to (dantoc/sensors/mqtt.py); empty: none
# (devices then send over HTTP only, and /healthz reports the broker "off").
DANTOC_MQTT_URL = env_str("DANTOC_MQTT_URL", "mqtt://127.0.0.1:1883")
# Subscriber processes of `manage.py sensors_mqtt` on the shared subscription (keep it fixed
# between restarts: each process has its own persistent broker session).
DANTOC_MQTT_PROCESSES = env_int("DANTOC_MQTT_PROCESSES", 2)

# Excel uploads at least this large are read by the task worker, the official following a
# progress page, instead of waiting on a silent request (bytes; 0: every upload).
DANTOC_BACKGROUND_UPLOAD_BYTES = env_int("DANTOC_BACKGROUND_UPLOAD_BYTES", 512 * 1024)

# Largest dataValueSets body accepted (read from the stream, so Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to it).
DATAVALUESETS_MAX_BYTES = env_int("DANTOC_DATAVALUESETS_MAX_BYTES", 200 * 1024 * 1024)

# Portal uploads (issue 5): attachments (PDF, DOCX, XLSX) and images (JPEG, PNG, WebP), checked
# by their first bytes, not their names; larger files are refused with a clear message.
PORTAL_MAX_UPLOAD_BYTES = env_int("DANTOC_PORTAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
PORTAL_MAX_IMAGE_BYTES = env_int("DANTOC_PORTAL_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
# Media pipeline (dantoc.media): largest upload per kind, the largest image in pixels (a
# decompression bomb is refused before it is decoded), and the longest an ffmpeg run may take.
MEDIA_MAX_IMAGE_BYTES = env_int("DANTOC_MEDIA_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
MEDIA_MAX_AUDIO_BYTES = env_int("DANTOC_MEDIA_MAX_AUDIO_BYTES", 50 * 1024 * 1024)
MEDIA_MAX_VIDEO_BYTES = env_int("DANTOC_MEDIA_MAX_VIDEO_BYTES", 500 * 1024 * 1024)
MEDIA_MAX_DOCUMENT_BYTES = env_int("DANTOC_MEDIA_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
MEDIA_MAX_IMAGE_PIXELS = env_int("DANTOC_MEDIA_MAX_IMAGE_PIXELS", 50_000_000)
MEDIA_FFMPEG_TIMEOUT = env_int("DANTOC_MEDIA_FFMPEG_TIMEOUT", 900)
# A second editor must approve what an editor submitted before it goes public (four eyes).
PORTAL_FOUR_EYES = env_bool("DANTOC_PORTAL_FOUR_EYES", True)
# Seconds a public portal page may be kept by browsers, proxies and the page cache.
PORTAL_CACHE_SECONDS = env_int("DANTOC_PORTAL_CACHE_SECONDS", 60)
# Readings, listens and shares of citizen items are added up in each server process and
# written at most this often (seconds; 0: at each reading). A proxy figure: a process that
# dies loses at most this many seconds of counts.
CITIZEN_REACH_BUFFER_SECONDS = env_int("DANTOC_CITIZEN_REACH_BUFFER_SECONDS", 5)

# Open data: counts disaggregated by these categories (ethnic group: sensitive personal data,
# Personal Data Protection Law 2025) are not published when above zero and below the minimum.
OPENDATA_SENSITIVE_CATEGORIES = env_list("DANTOC_OPENDATA_SENSITIVE_CATEGORIES", ["DAN_TOC"])
OPENDATA_MIN_COUNT = env_int("DANTOC_OPENDATA_MIN_COUNT", 5)
# Every count of such an indicator (by group or in total) is perturbed by the cell key method
# (dantoc.opendata.protection, docs/opendata.md): at most this much either way, with this
# variance, from record keys made with this secret (SECRET_KEY when empty). Changing any of
# them changes every published count: withdraw and republish (opendata_republish).
OPENDATA_PERTURBATION_MAX = env_int("DANTOC_OPENDATA_PERTURBATION_MAX", 4)
OPENDATA_PERTURBATION_VARIANCE = env_int("DANTOC_OPENDATA_PERTURBATION_VARIANCE", 2)
OPENDATA_KEY_SECRET = env_str("DANTOC_OPENDATA_KEY_SECRET")

# Integration API (LGSP/NDXP): OAuth2 client credentials via django-oauth-toolkit. A client
# is granted some of these scopes by an administrator; its secret is stored hashed.
OAUTH2_PROVIDER = {
    "SCOPES": INTEGRATION_SCOPES,
    "DEFAULT_SCOPES": list(INTEGRATION_SCOPES),
    "SCOPES_BACKEND_CLASS": "dantoc.integration.oauth.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "dantoc.integration.oauth.Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("DANTOC_INTEGRATION_TOKEN_SECONDS", 3600),
}
# Named so that migrations can point at it (DOT's models are swappable).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Seconds the sync feeds hold back the newest changes, so that a write still committing when
# a page is read cannot be passed by the cursor (it appears on the next page instead).
INTEGRATION_SYNC_SETTLE_SECONDS = env_int("DANTOC_INTEGRATION_SYNC_SETTLE_SECONDS", 2)
# Webhook deliveries: seconds to wait for the receiver, and attempts before giving up
# (back-off doubles from 30 s up to 6 h: about two days in all).
INTEGRATION_WEBHOOK_TIMEOUT = env_int("DANTOC_INTEGRATION_WEBHOOK_TIMEOUT", 10)
INTEGRATION_WEBHOOK_MAX_ATTEMPTS = env_int("DANTOC_INTEGRATION_WEBHOOK_MAX_ATTEMPTS", 12)
# Webhooks to loopback, private, link-local or reserved addresses are refused (SSRF); turn
# this on only for a test bench whose receivers run on the same machine or network.
INTEGRATION_WEBHOOK_ALLOW_PRIVATE = env_bool("DANTOC_WEBHOOK_ALLOW_PRIVATE", False)
# Ports webhooks may be sent to (whatever the address): the web ports unless configured.
INTEGRATION_WEBHOOK_ALLOWED_PORTS = env_ports("DANTOC_WEBHOOK_ALLOWED_PORTS", [80, 443])
# /token requests per minute from one remote address (IPv6: per /64) and per client id.
INTEGRATION_TOKEN_RATE_PER_ADDRESS = env_int("DANTOC_INTEGRATION_TOKEN_RATE_PER_ADDRESS", 120)
INTEGRATION_TOKEN_RATE_PER_CLIENT = env_int("DANTOC_INTEGRATION_TOKEN_RATE_PER_CLIENT", 30)

# Absolute address of the platform, for links in e-mails.
SITE_URL = env_str("DANTOC_SITE_URL", "")
# Learning records as xAPI statements to an outside learning record store (dantoc/training/
# xapi.py); off when the endpoint is empty.
XAPI_ENDPOINT = env_str("DANTOC_XAPI_ENDPOINT", "")
XAPI_USERNAME = env_str("DANTOC_XAPI_USERNAME", "")
XAPI_PASSWORD = env_str("DANTOC_XAPI_PASSWORD", "")

# Meetings: the Janus WebRTC Server on loopback (scripts/serve.sh starts it with the
# configuration `manage.py janus_config` generates in JANUS_DIR, secrets included). Browsers
# reach it at JANUS_PUBLIC_URL (a reverse-proxy path in production; the loopback URL when the
# browser runs on this machine). An empty DANTOC_JANUS_URL turns online rooms off.
JANUS_DIR = Path(env_str("DANTOC_JANUS_DIR", str(VAR_DIR / "janus")))
JANUS_URL = env_str("DANTOC_JANUS_URL", "http://127.0.0.1:7288/janus")
JANUS_ADMIN_URL = env_str("DANTOC_JANUS_ADMIN_URL", "http://127.0.0.1:7289/admin")
JANUS_PUBLIC_URL = env_str("DANTOC_JANUS_PUBLIC_URL", "")
JANUS_EVENTS_URL = env_str("DANTOC_JANUS_EVENTS_URL", "http://127.0.0.1:8000/hop/janus/su-kien/")

# Mail: SMTP when a mail server is configured (or in production); otherwise (a fresh clone, a
# demo) each message is written to a file under var/mail/, where a developer reads it and
# administrators see it on /notifications/mail/, instead of failing with "Connection refused".
MAIL_SERVER_CONFIGURED = bool(
    env_str("DANTOC_EMAIL_BACKEND", "") or env_str("DANTOC_EMAIL_HOST", "")
)
EMAIL_BACKEND = env_str("DANTOC_EMAIL_BACKEND", "") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if MAIL_SERVER_CONFIGURED or PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env_str("DANTOC_EMAIL_FILE_PATH", "") or str(VAR_DIR / "mail")
EMAIL_HOST = env_str("DANTOC_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DANTOC_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DANTOC_DEFAULT_FROM_EMAIL", "dantoc@localhost")

# Outside channels (dantoc/channels, docs/channels.md). SMS over SMPP 3.4: off unless a host
# is configured (scripts/serve.sh starts the local SMSC simulator with DANTOC_SMPP_SIMULATOR=1).
CHANNELS_SMPP = {
    "HOST": env_str("DANTOC_SMPP_HOST", ""),
    "PORT": env_int("DANTOC_SMPP_PORT", 2775),
    "SYSTEM_ID": env_str("DANTOC_SMPP_SYSTEM_ID", "dantoc"),
    "PASSWORD": env_str("DANTOC_SMPP_PASSWORD", ""),
    # The registered brandname (≤ 11 characters, Decree 91/2020/NĐ-CP).
    "SOURCE_ADDR": env_str("DANTOC_SMPP_BRANDNAME", "UBND-TINH"),
    # Number prefixes (84…) of operators that take brandname text only without diacritics.
    "UNACCENTED_PREFIXES": [
        p for p in env_str("DANTOC_SMPP_UNACCENTED_PREFIXES", "").split(",") if p.strip()
    ],
    "WINDOW": env_int("DANTOC_SMPP_WINDOW", 50),
}
# Zalo Official Account + ZNS: off unless the app and the OA are configured.
CHANNELS_ZALO = {
    "APP_ID": env_str("DANTOC_ZALO_APP_ID", ""),
    "APP_SECRET": env_str("DANTOC_ZALO_APP_SECRET", ""),
    "OA_ID": env_str("DANTOC_ZALO_OA_ID", ""),
    "OA_SECRET": env_str("DANTOC_ZALO_OA_SECRET", ""),
    "OAUTH_URL": env_str("DANTOC_ZALO_OAUTH_URL", "https://oauth.zaloapp.com"),
    "OPENAPI_URL": env_str("DANTOC_ZALO_OPENAPI_URL", "https://openapi.zalo.me"),
    "BUSINESS_URL": env_str("DANTOC_ZALO_BUSINESS_URL", "https://business.openapi.zalo.me"),
    "ZNS_TEMPLATE_ALERT": env_str("DANTOC_ZALO_ZNS_TEMPLATE_ALERT", ""),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DANTOC_LOG_LEVEL", "INFO")},
    # fontTools reports every glyph subset it embeds in a PDF report at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
