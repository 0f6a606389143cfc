"""The unit a person is working in right now (the unit switcher).

A person may belong to several units and works in one at a time; its id is
kept in the session and re-checked against the person's memberships on every
request (a membership removed by the unit manager takes effect at once).
"""

from __future__ import annotations

from django.http import HttpRequest

from painreg.registry import access
from painreg.registry.models import Unit

SESSION_KEY = "painreg_unit_id"


def current_unit(request: HttpRequest) -> Unit | None:
    """The session's unit if the person still belongs to it, else their first unit."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_painreg_unit", False)
    if cached is not False:
        return cached
    units = access.units_for(request.user)
    unit = None
    unit_id = request.session.get(SESSION_KEY)
    if unit_id is not None:
        unit = units.filter(pk=unit_id).first()
    if unit is None:
        unit = units.order_by("name", "pk").first()
        if unit is not None:
            request.session[SESSION_KEY] = unit.pk
    request._painreg_unit = unit  # type: ignore[attr-defined]
    return unit


def switch_unit(request: HttpRequest, unit: Unit) -> None:
    """Make ``unit`` (already checked to be one of the person's) the current one."""
    request.session[SESSION_KEY] = unit.pk
    request._painreg_unit = unit  # type: ignore[attr-defined]
