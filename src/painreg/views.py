"""Project-wide error views.

``server_error`` is Django's ``handler500``. A request that failed because
the database went away under it (a connection terminated by the server, a
failover, a restart: ``OperationalError``/``InterfaceError``) is answered
``503 Service Unavailable`` with ``Retry-After``, not 500: nothing was
stored half-way (each write is one transaction) and the same request sent
again a moment later succeeds, which is what a browser or a phone should be
told. Django closes the broken connection when the request ends, and the
next request opens a new one (``CONN_HEALTH_CHECKS``). Any other error is a
plain 500 page. Neither page shows anything of the error, and neither needs
the database to render.

The 500 page speaks the reader's language: a patient's (the questionnaire's
text pack, chosen on the link; Swedish when the session cannot be read) on the
questionnaire's pages, with no staff menu; a staff member's (the language
cookie) elsewhere. ``page_not_found`` (``handler404``) answers an address under
the questionnaire's path with the patient's broken-link page, not the staff 404.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views import defaults

#: Seconds a client is asked to wait before it sends the request again.
RETRY_AFTER = 2


def database_gone() -> bool:
    """Whether the request failed because the database connection went away.

    An ``OperationalError`` on a connection that still answers (a missing table,
    a constraint of SQLite) is a fault to fix, not to retry: 500.
    """
    if not isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return False
    from django.db import connection

    try:
        return not connection.is_usable()
    except Exception:  # a connection that cannot even be asked is gone
        return True


def server_error(request: HttpRequest) -> HttpResponse:
    if database_gone():
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return HttpResponse(render_to_string("500.html", _error_texts(request)), status=500)


def _patient_path(request: HttpRequest) -> bool:
    """Whether the request is for a patient's questionnaire page (not the staff ones)."""
    try:
        base = reverse("eprom:own_answers").removesuffix("mina-svar/")
    except NoReverseMatch:  # a URLconf without the questionnaire
        return False
    return request.path.startswith(base) and not request.path.startswith(base + "personal/")


def _error_texts(request: HttpRequest) -> dict[str, str]:
    if _patient_path(request):
        from painreg.eprom import uitext
        from painreg.eprom.views_patient import SESSION_LANGUAGE

        try:
            chosen = request.session.get(SESSION_LANGUAGE)
        except Exception:  # the session store (the database) may be what failed
            chosen = None
        ui = uitext.get(chosen)
        return {
            "lang": ui.language,
            "direction": ui.direction,
            "title": ui.t("error_title"),
            "text": ui.t("error_text"),
        }
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return {
            "lang": language,
            "direction": "ltr",
            "title": gettext("Something went wrong"),
            "text": gettext(
                "The page could not be shown. The error is logged. "
                "Try again, and contact support if it still fails."
            ),
        }


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _patient_path(request):
        from painreg.eprom.views_patient import unknown_link_page

        return unknown_link_page(request)
    return defaults.page_not_found(request, exception)
