"""Django settings, driven by the environment.

One settings module for every deployment (the twelve-factor habit): what
differs between a laptop demo, the test suite and a region's production
server is set in environment variables, documented in ``docs/operations.md``.

==========================  ==============================================================
``DATABASE_URL``            database; default embedded SQLite at ``var/painreg.sqlite3``
``PAINREG_SECRET_KEY``      required in production (refuses to start without it)
``PAINREG_SECRET_KEY_FALLBACKS``  earlier secret keys, comma-separated, while rotating
                            (sessions and questionnaire links made with them keep working)
``PAINREG_DEBUG``           ``1`` for development only (tracebacks in pages)
``PAINREG_DEMO``            ``1`` for the local demo (plain http, demo logins)
``PAINREG_ALLOWED_HOSTS``   comma-separated host names
``PAINREG_VAR_DIR``         where the SQLite file and collected static files live
``PAINREG_SECURE_COOKIES``  override: ``1``/``0`` (default on unless debug or demo)
``PAINREG_SSL_REDIRECT``    ``1`` to let Django redirect http to https (default off:
                            the TLS-terminating proxy does that)
==========================  ==============================================================

Sections: environment, applications, middleware, database, authentication,
internationalisation, static files, security, logging. Other apps add their
entries to the section they belong to.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# --- Environment -----------------------------------------------------------

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PAINREG_VAR_DIR", Path.cwd() / "var"))

DEBUG = _env_bool("PAINREG_DEBUG", False)
#: The local demo: plain http on localhost, demo users (see ``painreg demo``).
DEMO = _env_bool("PAINREG_DEMO", False)
#: Production: neither debug nor demo. Security settings below depend on it.
PRODUCTION = not (DEBUG or DEMO)

_DEV_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("PAINREG_SECRET_KEY", _DEV_KEY)
#: Django's own key rotation (sessions, password-reset links); eprom.tokens uses them too.
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("PAINREG_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PAINREG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

# --- Applications ----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "painreg.audit",
    "painreg.registry",
    # Staff login: two-factor (TOTP) and lockout after repeated failures.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "painreg.accounts",
    "painreg.eprom",
    "painreg.dashboard",
]

ROOT_URLCONF = "painreg.urls"
WSGI_APPLICATION = "painreg.wsgi.application"

# Change history is append-only: no reverting through the admin; reasons may be long.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Middleware ------------------------------------------------------------

MIDDLEWARE = [
    # 400 for a NUL character in the path, query or form, before any view or query.
    "painreg.accounts.middleware.NulCharacterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Swedish unless the person picked English with the switch (not the browser's language).
    "painreg.accounts.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified once the TOTP code was right (after auth).
    "django_otp.middleware.OTPMiddleware",
    # Content-Security-Policy and Permissions-Policy headers.
    "painreg.accounts.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Logs out a session idle for PAINREG_SESSION_IDLE_SECONDS (after messages: it tells why).
    "painreg.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the logged-in user on history rows of changes made in a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Lockout after repeated failed logins; last, as django-axes documents.
    "axes.middleware.AxesMiddleware",
]

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
                # current unit, the person's units, demo banner
                "painreg.accounts.context_processors.staff",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'painreg.sqlite3'}",
        conn_max_age=int(os.environ.get("PAINREG_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores SELECT ... FOR UPDATE. BEGIN IMMEDIATE takes the write lock
    # when a transaction starts, so concurrent writers (a double tap on "submit")
    # queue up and the second sees what the first wrote, as row locks give on
    # PostgreSQL; the timeout is how long a writer waits for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
# Lockout (django-axes): 5 failed passwords or TOTP codes per username lock it
# for 30 minutes; counted per username so an attacker cannot lock a whole
# clinic out by sharing one IP address, nor spread guesses over many addresses.
AXES_FAILURE_LIMIT = int(os.environ.get("PAINREG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# A right password must not wipe out the wrong TOTP codes before it (codes could
# then be guessed between password logins); failures expire after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "painreg.accounts.views.locked_out"
AXES_VERBOSE = False
# axes.W006 suggests also counting per IP address; we deliberately count per
# username only (see above and docs/security.md).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
OTP_TOTP_ISSUER = os.environ.get("PAINREG_TOTP_ISSUER", "Smärtregistret")
# A wrong TOTP code doubles the wait before the next try (django-otp throttling).
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions expire: 8 hours at most (one working day), and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("PAINREG_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle timeout: a session unused for 30 minutes ends (unattended screens on a
# ward); SESSION_COOKIE_AGE above caps a whole session at one working day.
PAINREG_SESSION_IDLE_SECONDS = int(os.environ.get("PAINREG_SESSION_IDLE_SECONDS", "1800"))

# --- Internationalisation --------------------------------------------------

USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Stockholm"
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [p for p in [BASE_DIR / "static"] if p.is_dir()]

# --- Security --------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Behind TLS in production; the demo, the tests and development run on plain http.
_secure = _env_bool("PAINREG_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _env_bool("PAINREG_SSL_REDIRECT", False)
if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("PAINREG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The TLS-terminating proxy sets this header; trust it only when told to.
    if _env_bool("PAINREG_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PAINREG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]


def check_production_settings() -> None:
    """Refuse to serve production with the development key (called by ``painreg serve``)."""
    if PRODUCTION and SECRET_KEY == _DEV_KEY:
        raise ImproperlyConfigured(
            "PAINREG_SECRET_KEY is not set; set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )


# --- Logging ---------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PAINREG_LOG_LEVEL", "WARNING")},
}
