"""Django settings, driven by the environment.

One settings module for every deployment (the twelve-factor habit): what
differs between a laptop demo, the test suite and a region's production
server is set in environment variables, documented in ``docs/operations.md``.

==========================  ==============================================================
``DATABASE_URL``            database; default embedded SQLite at ``var/painreg.sqlite3``
``PAINREG_SECRET_KEY``      required outside demo and tests: 32+ random characters
``PAINREG_SECRET_KEY_FALLBACKS``  earlier secret keys, comma-separated, while rotating
                            (sessions and questionnaire links made with them keep working)
``PAINREG_PSEUDONYM_KEY``   the pseudonymised exports' key; when set, as strong
``PAINREG_TRUSTED_PROXIES`` proxies whose X-Forwarded-For names the client (default none)
``PAINREG_DEBUG``           ``1`` for development only (tracebacks in pages)
``PAINREG_DEMO``            ``1`` for the local demo (plain http, demo logins)
``PAINREG_ALLOWED_HOSTS``   comma-separated host names
``PAINREG_VAR_DIR``         where the SQLite file and collected static files live
``PAINREG_SECURE_COOKIES``  override: ``1``/``0`` (default on unless debug or demo)
``PAINREG_SSL_REDIRECT``    ``1`` to let Django redirect http to https (default off:
                            the TLS-terminating proxy does that)
``PAINREG_REGIONAL_DATA``   folder with population.csv and treatments.csv for the
                            regional planning page (docs/regional.md)
``PAINREG_CACHE_URL``       shared cache of the API's rate limits, e.g.
                            ``redis://127.0.0.1:6379/0`` (default: each process's memory)
``PAINREG_API_RATE``        API requests per token: ``N/SECONDS`` (default ``600/60``)
``PAINREG_LOCAL_LOGIN``     ``0`` turns off the password + TOTP login (single sign-on only)
``PAINREG_OIDC_STAFF_*``    staff single sign-on (OpenID Connect), see below
``PAINREG_OIDC_PATIENT_*``  patients' e-identification (OpenID Connect), see below
==========================  ==============================================================

Sections: environment, applications, middleware, database, authentication,
internationalisation, static files, e-mail and SMS, security, logging. Other
apps add their entries to the section they belong to.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections import Counter
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
#: Tombstones of patients deleted on request (registry.tombstones): keep this file
#: outside the database and its backups, so a restore can be followed by
#: ``painreg reapply-deletions``.
#: The regional planning page's population and treatment counts (docs/regional.md).
PAINREG_REGIONAL_DATA = os.environ.get("PAINREG_REGIONAL_DATA") or None

PAINREG_DELETIONS_FILE = Path(os.environ.get("PAINREG_DELETIONS_FILE", VAR_DIR / "deletions.log"))

DEBUG = _env_bool("PAINREG_DEBUG", False)
#: The local demo: plain http on localhost, demo users (see ``painreg demo``).
DEMO = _env_bool("PAINREG_DEMO", False)
#: Production: neither debug nor demo. Security settings below depend on it.
PRODUCTION = not (DEBUG or DEMO)

#: Set by pytest for the whole run: the test suite, like the demo, runs without real keys.
TESTING = "PYTEST_VERSION" in os.environ
#: Real keys are required everywhere else, whatever starts Django (gunicorn, uwsgi,
#: mod_wsgi, manage.py, ``painreg``): see :func:`check_keys` at the end.
KEYS_REQUIRED = not (DEMO or TESTING)

_DEV_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("PAINREG_SECRET_KEY", _DEV_KEY)
#: Django's own key rotation (sessions, password-reset links); eprom.tokens and the
#: deletion tombstones (registry.tombstones) use them too.
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("PAINREG_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
#: The registry holder's key of pseudonymised exports (``interop.export.pseudonym_key``).
PAINREG_PSEUDONYM_KEY = os.environ.get("PAINREG_PSEUDONYM_KEY", "")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PAINREG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

#: Reverse proxies whose ``X-Forwarded-For`` gives the client's address (addresses
#: or networks, comma-separated; default none: REMOTE_ADDR is the client).
PAINREG_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("PAINREG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in PAINREG_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"PAINREG_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network "
            "(write e.g. 10.0.0.5,10.1.0.0/24)"
        ) from None

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
    # The JSON API and FHIR endpoints (django-ninja; "ninja" serves its docs page's
    # scripts from our static files, not from a CDN).
    "ninja",
    "painreg.api",
    "painreg.quality",
    # Source-data validation: validation rounds, samples, the validators' entries.
    "painreg.verification",
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
                # the current unit's open data-quality queries (the menu's count)
                "painreg.quality.context_processors.open_queries",
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
    # aaaaaaaaaaaa, abcabcabcabc: one short piece repeated (NIST SP 800-63B).
    {"NAME": "painreg.accounts.passwords.RepetitionValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend; refuses the published demo logins outside demo mode.
    "painreg.accounts.backends.StaffBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
# Lockout (django-axes, painreg.accounts.lockout): 5 failed passwords or TOTP
# codes for one user name from one address lock that pair for 30 minutes, so
# nobody can lock a colleague out from elsewhere; 30 failures from one address
# (any user names) lock the address, against password spraying.
AXES_FAILURE_LIMIT = int(os.environ.get("PAINREG_LOGIN_FAILURE_LIMIT", "5"))
PAINREG_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("PAINREG_LOGIN_ADDRESS_FAILURE_LIMIT", "30")
)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "painreg.accounts.lockout.AccountAndAddressHandler"
# The client's address behind the trusted proxies only (painreg.accounts.addresses).
AXES_CLIENT_IP_CALLABLE = "painreg.accounts.addresses.client_address"
# A right password must not wipe out the wrong TOTP codes before it (codes could
# then be guessed between password logins); failures expire after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "painreg.accounts.views.locked_out"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = os.environ.get("PAINREG_TOTP_ISSUER", "Smärtregistret")
# A wrong TOTP code doubles the wait before the next try (django-otp throttling).
OTP_TOTP_THROTTLE_FACTOR = 1

# Single sign-on and e-identification through OpenID Connect (painreg.accounts.oidc,
# docs/operations.md "Connecting an identity provider"): one provider for staff
# (the region's IdP, e.g. Inera's with SITHS cards), another for patients (the
# region's e-ID broker: BankID, Freja eID). Each is configured by
# PAINREG_OIDC_<WHO>_ISSUER (discovery at ISSUER/.well-known/openid-configuration),
# _CLIENT_ID, _CLIENT_SECRET, _SCOPES, _ACR (accepted assurance levels, comma-
# separated; the first is requested) and _CLAIM (the claim naming the person).
# Unset issuer: that login is not offered. Checked at start (accounts.checks).
_OIDC_DEFAULTS = {
    "staff": {
        "SCOPES": "openid profile",
        "ACR": "http://id.sambi.se/loa/loa3",
        # Inera's IdP names the person's HSA-id in this claim.
        "CLAIM": "employeeHsaId",
    },
    "patient": {
        # The Swedish OIDC profile (Sweden Connect, "OpenID Connect profile for Swedish eID").
        "SCOPES": "openid https://id.oidc.se/scope/naturalPersonNumber",
        "ACR": "http://id.elegnamnden.se/loa/1.0/loa3",
        "CLAIM": "https://id.oidc.se/claim/personalIdentityNumber",
    },
}


def _oidc_provider(who: str) -> dict[str, object] | None:
    prefix = f"PAINREG_OIDC_{who.upper()}_"
    issuer = os.environ.get(prefix + "ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    values = {k: os.environ.get(prefix + k, v).strip() for k, v in _OIDC_DEFAULTS[who].items()}
    return {
        "ISSUER": issuer,
        "CLIENT_ID": os.environ.get(prefix + "CLIENT_ID", "").strip(),
        "CLIENT_SECRET": os.environ.get(prefix + "CLIENT_SECRET", "").strip(),
        "SCOPES": values["SCOPES"],
        "ACR": [a.strip() for a in values["ACR"].split(",") if a.strip()],
        "CLAIM": values["CLAIM"],
    }


PAINREG_OIDC = {who: _oidc_provider(who) for who in _OIDC_DEFAULTS}
#: The password + TOTP login; an operator turns it off once single sign-on works.
PAINREG_LOCAL_LOGIN = _env_bool("PAINREG_LOCAL_LOGIN", True)

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

# --- E-mail and SMS ----------------------------------------------------------
# Invitations and reminders (painreg.eprom.messaging, docs/eprom.md "Message
# backends"). E-mail goes through Django's e-mail backends; the short names
# stand for Django's own, anything else is a dotted path to a backend class.

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = os.environ.get("PAINREG_EPROM_EMAIL_BACKEND", "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = Path(os.environ.get("PAINREG_EPROM_OUTBOX", VAR_DIR / "outbox"))
EMAIL_HOST = os.environ.get("PAINREG_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PAINREG_SMTP_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PAINREG_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PAINREG_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("PAINREG_SMTP_TLS", True)
EMAIL_TIMEOUT = 30  # seconds; a hung mail server fails one message, not the whole run
DEFAULT_FROM_EMAIL = os.environ.get("PAINREG_SMTP_FROM", "no-reply@localhost")
# Django has no SMS framework: console, file (into EMAIL_FILE_PATH) or a dotted
# path to a painreg.eprom.messaging.SmsBackend subclass (the region's gateway).
PAINREG_EPROM_SMS_BACKEND = os.environ.get("PAINREG_EPROM_SMS_BACKEND", "console")

# --- Caches and the API -----------------------------------------------------
# The API's rate limits count in the cache alias "api": Redis when configured, so
# every gunicorn worker shares one count (painreg.api.throttle).

_cache_url = os.environ.get("PAINREG_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
}
try:
    _rate, _per = os.environ.get("PAINREG_API_RATE", "600/60").split("/")
    PAINREG_API_RATE = (int(_rate), int(_per))
except ValueError:
    raise ImproperlyConfigured("PAINREG_API_RATE: write requests/seconds, e.g. 600/60") from None

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


#: A key must be this long and carry this much information (see :func:`key_problem`).
MIN_KEY_LENGTH = 32
MIN_KEY_BITS = 128
_KEY_ADVICE = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def key_problem(name: str, value: str) -> str | None:
    """Why ``value`` is not a strong key (one line naming ``name``), or None when it is.

    Strong: at least :data:`MIN_KEY_LENGTH` characters and an estimated
    :data:`MIN_KEY_BITS` bits, the length times the Shannon entropy of its
    characters, which refuses repeated characters and short patterns
    (``aaaa...``, ``abab...``); 128 bits is NIST SP 800-57's strength for keys
    in use beyond 2030. The published development key is refused by name.
    """
    if not value or value == _DEV_KEY:
        return f"{name} is not set; {_KEY_ADVICE}"
    if len(value) < MIN_KEY_LENGTH:
        length = f"{len(value)} characters, at least {MIN_KEY_LENGTH}"
        return f"{name} is too short ({length}); {_KEY_ADVICE}"
    counts = Counter(value).values()
    bits = -sum(n * math.log2(n / len(value)) for n in counts)
    if bits < MIN_KEY_BITS:
        return f"{name} is too predictable (repeated characters or a pattern); {_KEY_ADVICE}"
    return None


def check_keys() -> None:
    """Refuse weak keys: the secret key always, the pseudonym key when it is set."""
    problems = [key_problem("PAINREG_SECRET_KEY", SECRET_KEY)]
    if PAINREG_PSEUDONYM_KEY:
        problems.append(key_problem("PAINREG_PSEUDONYM_KEY", PAINREG_PSEUDONYM_KEY))
    for problem in problems:
        if problem:
            raise ImproperlyConfigured(problem)


def check_production_settings() -> None:
    """Refuse to serve production with weak keys (``painreg serve`` asks before gunicorn)."""
    if PRODUCTION:
        check_keys()


if KEYS_REQUIRED:
    check_keys()


# --- Logging ---------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PAINREG_LOG_LEVEL", "WARNING")},
}
