"""Who works at which unit, in which role."""

from __future__ import annotations

from typing import Any

from painreg.registry import access
from painreg.registry.actions._common import (
    _event,
    _require,
    _require_coordinator,
    _stamp,
    action,
)
from painreg.registry.models import (
    Membership,
    Region,
    Role,
    Unit,
)


@action
def add_membership(
    *,
    user: Any,
    member: Any,
    role: str,
    unit: Unit | None = None,
    region: Region | None = None,
) -> Membership:
    """Give ``member`` a role. A unit manager may add unit roles in their unit;
    regional and national roles, and the validator, are the national coordinator's."""
    if unit is not None and role != Role.VALIDATOR:
        if user is not None and not access.is_national_coordinator(user):
            _require(user, unit, Role.UNIT_MANAGER)
    else:
        _require_coordinator(user)
    membership, created = Membership.objects.get_or_create(
        user=member, role=role, unit=unit, region=region
    )
    if created:
        _event(
            user=user,
            name="membership.add",
            unit=unit,
            patient=None,
            obj=membership,
            detail={"member": member.get_username(), "role": role},
        )
    return membership


@action
def remove_membership(*, user: Any, membership: Membership) -> None:
    if membership.unit is not None and membership.role != Role.VALIDATOR:
        if user is not None and not access.is_national_coordinator(user):
            _require(user, membership.unit, Role.UNIT_MANAGER)
    else:
        _require_coordinator(user)
    _event(
        user=user,
        name="membership.remove",
        unit=membership.unit,
        patient=None,
        obj=membership,
        detail={"member": membership.user.get_username(), "role": membership.role},
    )
    _stamp(membership, user)
    membership.delete()
