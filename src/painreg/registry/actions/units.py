"""Units and the per-year patient totals the unit reports (the coverage denominator)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from painreg.registry import access
from painreg.registry.actions._common import (
    _event,
    _field_error,
    _jsonable,
    _require,
    _require_coordinator,
    _stamp,
    action,
)
from painreg.registry.models import (
    Region,
    Role,
    Unit,
    UnitYearTotal,
)


@action
def create_unit(
    *,
    user: Any,
    code: str,
    name: str,
    region: Region | str,
    care_level: str,
    active_from: dt.date | None = None,
    active_to: dt.date | None = None,
    hsa_id: str | None = None,
    connected: bool = True,
    pain_care_level: int | None = None,
    patient_identification: str = "birth_date",
) -> Unit:
    _require_coordinator(user)
    region_obj = region if isinstance(region, Region) else Region.objects.get(code=region)
    unit = Unit(
        code=code,
        name=name,
        region=region_obj,
        care_level=care_level,
        active_from=active_from,
        active_to=active_to,
        hsa_id=hsa_id or None,
        connected=connected,
        pain_care_level=pain_care_level,
        patient_identification=patient_identification,
    )
    unit.full_clean()
    _stamp(unit, user)
    unit.save()
    _event(user=user, name="unit.create", unit=unit, patient=None, obj=unit)
    return unit


#: What :func:`update_unit` changes on an existing unit (the import's ``--update-units``).
UPDATABLE = ("active_from", "active_to", "connected", "pain_care_level")


@action
def update_unit(
    *,
    user: Any,
    unit: Unit,
    username: str | None = None,
    via: str = "application",
    reason: str = "",
    **values: Any,
) -> bool:
    """Change an existing unit's active period, connection or pain care level
    (national coordinator, or the operator of an import); one audit event with
    every field's old and new value. ``connected`` None means connected (as an
    empty cell of the interchange file). Returns whether anything changed.

    The admin's change page is the other way (audited by the admin); a unit's
    code, region and care level are not changed here: they decide where its
    registrations are counted.
    """
    _require_coordinator(user)
    unknown = sorted(set(values) - set(UPDATABLE))
    if unknown:
        raise ValueError(f"update_unit cannot change {', '.join(unknown)}")
    changes: dict[str, dict[str, Any]] = {}
    before = {name: getattr(unit, name) for name in values}
    for name, new in values.items():
        if name == "connected" and new is None:
            new = True
        old = getattr(unit, name)
        if old != new:
            changes[name] = {"old": _jsonable(old), "new": _jsonable(new)}
            setattr(unit, name, new)
    if not changes:
        return False
    try:
        unit.full_clean()
    except Exception:
        for name in changes:  # the caller's object stays as it was
            setattr(unit, name, before[name])
        raise
    _stamp(unit, user, reason)
    unit.save(update_fields=list(changes))
    _event(
        user=user,
        name="unit.update",
        unit=unit,
        patient=None,
        obj=unit,
        reason=reason,
        detail={"via": via, "changes": changes},
        username=username,
    )
    return True


@action
def set_unit_year_total(*, user: Any, unit: Unit, year: int, total: int) -> UnitYearTotal:
    """Record the unit's reported MMR total for ``year`` (unit manager or coordinator)."""
    if user is not None and not access.is_national_coordinator(user):
        _require(user, unit, Role.UNIT_MANAGER)
    if total < 0:
        raise _field_error(
            "rehab_patients_total",
            "Antalet kan inte vara negativt.",
            "negative",
        )
    row = UnitYearTotal.objects.filter(unit=unit, year=year).first()
    old = row.rehab_patients_total if row else None
    if row is None:
        row = UnitYearTotal(unit=unit, year=year, rehab_patients_total=total)
    row.rehab_patients_total = total
    row.full_clean()
    _stamp(row, user)
    row.save()
    _event(
        user=user,
        name="unit_year_total.set",
        unit=unit,
        patient=None,
        obj=row,
        detail={"year": year, "old": old, "new": total},
    )
    return row
