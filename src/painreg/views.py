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
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

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
    return HttpResponse(render_to_string("500.html"), status=500)
