"""One region's planning figures: need for MMR against delivered, waits and queues.

Shared by ``painreg regional planning`` and the regional analyst's page in
the web app (:mod:`painreg.dashboard.planning_views`), so both show the same
numbers. Pure Python; the parts are in :mod:`painreg.regional.need`,
:mod:`painreg.regional.waiting` and :mod:`painreg.regional.tables`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from painreg.regional.inputs import TreatmentData
from painreg.regional.need import Share, need_against_delivered
from painreg.regional.population import Population
from painreg.regional.regions import region_name
from painreg.regional.tables import TableOptions, derived_counts
from painreg.regional.waiting import UnitsAndRegistrations, register_volume, waiting_report


def build_planning(
    *,
    region: str,
    year: int,
    data: TreatmentData | None,
    population: Population | None,
    register: UnitsAndRegistrations | None,
    shares: list[Share],
    options: TableOptions,
    queue_date: dt.date | None = None,
    places: float | None = None,
    signed_off_only: bool = False,
) -> dict[str, Any]:
    """One region's planning figures for a year (the JSON of ``painreg regional planning``)."""
    band = options.band(year)
    inhabitants = population.in_band(year, region, band) if population is not None else None
    delivered_statistics = None
    if data is not None:
        counts = data.get(year, region)
        delivered_statistics = None if counts is None else derived_counts(counts)["mmr_total"]
    waiting = None
    delivered_register = None
    if register is not None:
        waiting = waiting_report(
            register,
            year,
            region=region,
            queue_date=queue_date,
            places_per_year=places,
            signed_off_only=signed_off_only,
        )
        unit_ids = {u.unit_id for u in register.units_of(region)}
        delivered_register = register_volume(
            (r for r in register.registrations if r.unit_id in unit_ids), year
        )
    return {
        "region_code": region,
        "region_name": region_name(region),
        "year": year,
        "age_band": str(band),
        "population_note": population.note if population is not None else "",
        "statistics_given": data is not None,
        "need": need_against_delivered(
            population=inhabitants,
            shares=shares,
            delivered_statistics=delivered_statistics,
            delivered_register=delivered_register,
        ),
        "waiting": waiting,
    }
