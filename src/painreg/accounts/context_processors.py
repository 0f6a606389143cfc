"""Template context of every page: the current unit, the person's units, demo flag."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from painreg.registry import access
from painreg.registry.models import Role


def staff(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"painreg_demo": getattr(settings, "DEMO", False)}
    user = getattr(request, "user", None)
    verified = bool(
        user is not None and user.is_authenticated and getattr(user, "is_verified", bool)()
    )
    if not verified:
        return context
    from painreg.registry.access import current_unit

    unit = current_unit(request)
    context["current_unit"] = unit
    context["user_units"] = list(access.units_for(user).order_by("name"))
    context["is_unit_manager"] = bool(
        unit is not None and Role.UNIT_MANAGER in access.roles_in(user, unit)
    )
    context["may_reset_accounts"] = access.may_reset_accounts(user, unit)
    context["is_national_coordinator"] = unit is None and access.is_national_coordinator(user)
    # Source-data validation: the coordinator's rounds, a validator's samples.
    context["may_validate"] = (
        access.is_national_coordinator(user) or access.validator_units(user).exists()
    )
    return context
