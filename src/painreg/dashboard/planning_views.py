"""The regional analyst's planning page: need, waiting times and queues of one region.

Decisions:

* Only a regional analyst of the region sees it (a planner's page in the
  web app, for the regional analyst role); anyone else gets 404, which does
  not reveal what exists (registry.access's rule). Analysts hold no unit, so
  the page has its own gate instead of ``staff_required``: logged in and past
  the TOTP step, then the region membership.
* Data come only through ``registry.access.pseudonymised_registrations``
  (no identifying column; opted-out and deleted patients left out) and are
  computed by the pure core (:mod:`painreg.regional`), the same code as
  ``painreg regional planning``. Those columns have no referral date, so the
  page shows the wait from first visit to rehab start; units are shown by
  their code.
* Population and treatment statistics are read from the folder in the
  setting ``PAINREG_REGIONAL_DATA`` (``population.csv``, ``treatments.csv``,
  see docs/regional.md) when it is set; without it the need is not computed
  and the page says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from painreg.registry import access
from painreg.registry.models import Region


def _get_region_for_user(user: Any, code: str | None) -> Region:
    return access.get_analyst_region_for_user(user, code)


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value else default
    except ValueError:
        raise Http404 from None


def _register_for(user: Any, region: Region) -> Any:
    from painreg.regional.waiting import Registration, Unit, UnitsAndRegistrations

    rows = access.pseudonymised_registrations(user).filter(unit__region_id=region.code)
    units: dict[str, Unit] = {}
    registrations = []
    for row in rows:
        unit_code = str(row["unit__code"])
        units.setdefault(
            unit_code, Unit(unit_code, unit_code, region.code, row["unit__care_level"])
        )
        registrations.append(
            Registration(
                registration_id=str(row["id"]),
                unit_id=unit_code,
                category=row["category"],
                referral_date=None,
                first_visit_date=row["first_visit_date"],
                rehab_start_date=row["rehab_start_date"],
                rehab_end_date=row["rehab_end_date"],
                signed_off=row["signed_off_at"] is not None,
            )
        )
    return UnitsAndRegistrations(units, registrations)


def _statistics() -> tuple[Any, Any]:
    from painreg.regional.inputs import load_treatment_data
    from painreg.regional.population import read_population

    folder = getattr(settings, "PAINREG_REGIONAL_DATA", None)
    if not folder:
        return None, None
    folder = Path(folder)
    data = load_treatment_data(folder) if (folder / "treatments.csv").is_file() else None
    population = (
        read_population(folder / "population.csv")
        if (folder / "population.csv").is_file()
        else None
    )
    return data, population


@require_GET
def planning_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect(
            f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"
        )
    if not user.is_verified():
        return redirect(
            f"{reverse('accounts:verify')}?{urlencode({'next': request.get_full_path()})}"
        )
    region = _get_region_for_user(user, request.GET.get("region"))
    year = _int(request.GET.get("year"), dt.date.today().year - 1)
    places = _int(request.GET.get("places"))

    from painreg.errors import UserError
    from painreg.regional.need import load_assumptions
    from painreg.regional.planning import build_planning
    from painreg.regional.tables import TableOptions
    from painreg.reports.regional_report import render_planning_html

    try:
        data, population = _statistics()
        data_error = ""
    except UserError as exc:  # a bad file in the configured folder must not break the page
        data, population, data_error = None, None, str(exc)
    planning = build_planning(
        region=region.code,
        year=year,  # type: ignore[arg-type]
        data=data,
        population=population,
        register=_register_for(user, region),
        shares=load_assumptions(),
        options=TableOptions(),
        places=places,
    )
    context = {
        "region": region,
        "year": year,
        "regions": list(access.analyst_regions(user)),
        "data_error": data_error,
        "content": render_planning_html(planning, standalone=False),
    }
    return render(request, "dashboard/planning.html", context)


app_name = "regional_planning"
urlpatterns = [path("planering/", planning_page, name="planning")]
