"""``staff_required``: the gate in front of every staff page; ``verified_required``: its
first two steps, for pages that need no unit.

A staff page needs (1) a logged-in person, (2) who has passed the TOTP step
in this session, and (3) who belongs to at least one unit (the current unit
is then ``request.unit``). Anonymous visitors and people who have not given
their code are redirected to the login step they are missing; a verified
person without a unit gets 403. Which *objects* they may see is decided
afterwards, by ``registry.access`` in each view's ``_get_x_for_user`` helper.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from painreg.registry.access import current_unit

View = Callable[..., HttpResponse]


def _redirect_to(url_name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def verified_required(view: View) -> View:
    """Steps (1) and (2) only: pages of people who need no unit (the coordinator's)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return _redirect_to("accounts:login", request)
        if not user.is_verified():
            return _redirect_to("accounts:verify", request)
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    @verified_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        unit = current_unit(request)
        if unit is None:
            raise PermissionDenied("Not a member of any unit.")
        request.unit = unit  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
