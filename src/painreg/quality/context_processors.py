"""Template context of every staff page: the current unit's open data-quality queries
(the count beside "Datakvalitet" in the menu, so the unit's staff see them at once)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def open_queries(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_verified", bool)():
        return {}
    from painreg.quality.models import Query, QueryStatus
    from painreg.registry.access import current_unit

    unit = current_unit(request)
    if unit is None:
        return {}
    count = Query.objects.filter(unit=unit).exclude(status=QueryStatus.CLOSED).count()
    return {"open_quality_queries": count}
