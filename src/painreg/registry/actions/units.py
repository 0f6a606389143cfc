"""Units and the per-year patient totals the unit reports (the coverage denominator)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from painreg.registry import access
from painreg.registry.actions._common import (
    _event,
    _field_error,
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
        patient_identification=patient_identification,
    )
    unit.full_clean()
    _stamp(unit, user)
    unit.save()
    _event(user=user, name="unit.create", unit=unit, patient=None, obj=unit)
    return unit


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
