"""Security middleware: response headers Django 5.2 does not set, and idle logout.

* ``Content-Security-Policy``: scripts, styles, images and form targets from
  this site only; no framing (OWASP Secure Headers Project). Inline style
  attributes are allowed because the Django admin uses them. The one
  exception: a form may lead (by redirect) to the configured OpenID
  providers, as logout does to end the provider's session.
* ``Permissions-Policy``: no camera, microphone, geolocation.
* Idle timeout: a staff session unused for ``PAINREG_SESSION_IDLE_SECONDS``
  (default 30 minutes) is logged out, as Swedish health-care information
  security practice asks for unattended terminals; SESSION_COOKIE_AGE caps the
  total length.
* Language: Swedish first (see :class:`SwedishFirstLocaleMiddleware`).
* A NUL character anywhere in the path, the query or a posted form is a bad
  request (400) before any view runs: PostgreSQL refuses NUL in text, so a
  ``%00`` reaching a query would end as a server error (see
  :class:`NulCharacterMiddleware`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

_LAST_SEEN_KEY = "painreg_last_seen"


def content_security_policy() -> str:
    """The policy, with the configured OpenID providers' origins as form targets."""
    from urllib.parse import urlsplit

    providers = (getattr(settings, "PAINREG_OIDC", None) or {}).values()
    origins = sorted(
        {
            f"{parts.scheme}://{parts.netloc}"
            for parts in (urlsplit(str(p["ISSUER"])) for p in providers if p)
            if parts.scheme in ("http", "https") and parts.netloc
        }
    )
    if not origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(origins)
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NulCharacterMiddleware:
    """400 for a request with a NUL character in its path, query or form fields.

    Every URL converter, query parameter and form value then reaches the views
    without one; Django's form fields refuse NUL too, but path parameters and
    ``request.GET`` reads do not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET) or _posted_form_has_nul(request):
            if request.path.startswith("/api/"):  # the API's error shape (docs/api.md)
                return JsonResponse(
                    {"detail": "Bad request: NUL character", "errors": []}, status=400
                )
            return HttpResponseBadRequest("Bad request: NUL character", content_type="text/plain")
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in data.lists()
    )


def _posted_form_has_nul(request: HttpRequest) -> bool:
    if request.method != "POST" or request.content_type not in _FORM_TYPES:
        return False
    return _has_nul(request.POST)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN_KEY)
            idle_limit = getattr(settings, "PAINREG_SESSION_IDLE_SECONDS", 1800)
            if last_seen is not None and now - int(last_seen) > idle_limit:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
            else:
                request.session[_LAST_SEEN_KEY] = now
        return self.get_response(request)


class SwedishFirstLocaleMiddleware(LocaleMiddleware):
    """Swedish unless the person chose English with the language switch.

    Django's ``LocaleMiddleware`` follows the browser's Accept-Language, so an
    English-language browser on a Swedish ward would get English pages. The
    register's staff work in Swedish: only the explicit choice (the language
    cookie set by the switch in the header) changes the language.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
