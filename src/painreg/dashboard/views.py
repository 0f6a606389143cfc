"""The unit dashboard (enhetens statistik): web pages and the Excel download.

Decisions (docs/dashboard.md; DOMAIN.md "Publishing rules"; registry.access rules):

* Who sees which unit: staff see the unit they work in now (the session's
  current unit, ``/statistik/``) and any unit they belong to
  (``/statistik/enhet/<id>/``); a regional analyst sees the units of their
  region(s); the national coordinator every unit. Anyone else gets 404, which
  does not reveal that the unit exists. :func:`_get_unit_for_user` is the
  only way the views fetch a unit.
* Analysts and the coordinator hold no unit membership, so the pages have
  their own gate instead of ``staff_required``: logged in and past the TOTP
  step, then the scope above.
* "May see the unit's patients" = a member of the unit (registry.access);
  only then are the unit's own small numbers shown. Everything else follows
  the publishing rules (:mod:`painreg.dashboard.data`).
* Numbers are computed per request from the live database (real time), with
  the same indicator expressions as the annual report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from painreg.analytics.context import Filters
from painreg.dashboard.data import UnitInfo, cached_dashboard, dashboard_excel
from painreg.dashboard.selection import FILTER_CHOICES, Selection
from painreg.quality.data import query_counts
from painreg.registry import access
from painreg.registry.models import Unit

FIRST_YEAR = 2010


def _connect_cache_invalidation() -> None:
    """Drop cached dashboard results when any registry row is saved or deleted here."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from painreg.dashboard.cache import clear_cache

    for model in apps.get_app_config("registry").get_models():
        post_save.connect(clear_cache, sender=model, dispatch_uid=f"dashboard-{model.__name__}")
        post_delete.connect(clear_cache, sender=model, dispatch_uid=f"dashboard-{model.__name__}-d")


_connect_cache_invalidation()
MAX_YEARS = 10  # longest period one request may compute


def _get_unit_for_user(user: Any, unit_id: int | str) -> Unit:
    """A unit the user may see the dashboard of (404 otherwise)."""
    try:
        return access.dashboard_units_for(user).get(pk=int(unit_id))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _gate(request: HttpRequest) -> HttpResponse | None:
    """Logged in and past the TOTP step, else the redirect to the missing step."""
    user = request.user
    step = None
    if not user.is_authenticated:
        step = "accounts:login"
    elif not user.is_verified():
        step = "accounts:verify"
    if step is None:
        return None
    return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _selection(request: HttpRequest) -> Selection:
    return selection_from(request.GET)


def selection_from(query: Mapping[str, Any]) -> Selection:
    """Period (``fran``, ``till``) and patient group from a query; unknown codes are
    ignored (the page's query string, and the API's indicator parameters)."""
    last = dt.date.today().year - 1
    year_to = min(max(_int(query.get("till"), last), FIRST_YEAR), last + 1)
    year_from = min(max(_int(query.get("fran"), year_to), FIRST_YEAR), year_to)
    year_from = max(year_from, year_to - MAX_YEARS + 1)
    chosen: dict[str, str | None] = {}
    for name, choices in FILTER_CHOICES.items():
        value = query.get(name) or None
        chosen[name] = value if value in dict(choices) else None
    diagnosis = (query.get("diagnosis") or "").strip().upper().replace(".", "")
    chosen["diagnosis"] = (
        diagnosis[:4] if diagnosis[:1].isalpha() and diagnosis[1:].isalnum() else None
    )
    return Selection(year_from, year_to, Filters(**chosen))


def _dashboard(request: HttpRequest, unit: Unit, *, charts: bool = True) -> Any:
    selection = _selection(request)
    own = access.units_for(request.user).filter(pk=unit.pk).exists()
    names = dict(Unit.objects.filter(care_level=unit.care_level).values_list("code", "name"))
    info = UnitInfo(unit.code, unit.name, unit.care_level)
    return cached_dashboard(info, selection, own=own, unit_names=names, charts=charts)


def _page(request: HttpRequest, unit: Unit) -> HttpResponse:
    dashboard = _dashboard(request, unit, charts=False)
    last = dt.date.today().year
    query = request.GET.urlencode()
    chart_url = reverse("dashboard:chart", args=[unit.pk, "KEY"])
    context = {
        "dashboard": dashboard,
        "unit": unit,
        "units": access.dashboard_units_for(request.user) if _is_analyst(request.user) else [],
        "years": list(range(last, FIRST_YEAR - 1, -1)),
        "filter_choices": FILTER_CHOICES,
        "filters": dashboard.selection.filters,
        "excel_url": reverse("dashboard:excel", args=[unit.pk]) + (f"?{query}" if query else ""),
        "report_url": reverse("dashboard:unit_report", args=[unit.pk, dashboard.selection.year_to]),
        "report_year": dashboard.selection.year_to,
        # Each measure with the link to its funnel plot ("" when it has none)
        # and its other units' rows.
        "measures": [
            (
                m,
                chart_url.replace("KEY", m.key) + (f"?{query}" if query else "")
                if m.has_chart
                else "",
                _other_rows(dashboard, m),
            )
            for m in dashboard.measures
        ],
        "queries": query_counts([unit]).get(unit.pk, {"open": 0, "closed": 0}),
        "nav": "dashboard",
    }
    return render(request, "dashboard/dashboard.html", context)


_GREY = ' class="dash-grey"'


def _other_rows(dashboard: Any, measure: Any) -> SafeString:
    """The rows of ``measure``'s table of the other units, as HTML, kept with the dashboard.

    Why not in the template: a dozen measures times every unit of the care
    level are some 3,000 values, which Django's template engine would render
    again on every page, also for a cached dashboard (docs/dashboard.md,
    "Performance"). Escaped as the
    template escapes (``django.utils.html.escape``): the same HTML.
    """
    html = dashboard.other_rows.get(measure.key)
    if html is None:
        html = dashboard.other_rows[measure.key] = "".join(
            ("<tr" + (_GREY if row.share.status == "grey" else "") + ">")
            + f'<th scope="row">{escape(row.label)}</th><td>{escape(row.text)}</td>'
            + f"<td>{escape(row.interval)}</td><td>{escape(row.numerator_text)}</td>"
            + f"<td>{escape(row.denominator_text)}</td><td>{escape(row.note)}</td></tr>"
            for row in measure.others
        )
    return mark_safe(html)  # every value escaped above


def _is_analyst(user: Any) -> bool:
    return access.regions_for(user).exists()


@require_GET
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The current unit's dashboard for staff; the list of units for analysts."""
    if (step := _gate(request)) is not None:
        return step
    from painreg.registry.access import current_unit

    unit = current_unit(request)
    if unit is not None:
        return _page(request, unit)
    units = access.dashboard_units_for(request.user)
    if not units.exists():
        raise Http404
    counts = query_counts(units)
    rows = [(u, counts.get(u.pk, {"open": 0, "closed": 0})) for u in units]
    context = {
        "rows": rows,
        "coordinator": access.is_national_coordinator(request.user),
        "nav": "dashboard",
    }
    return render(request, "dashboard/units.html", context)


@require_GET
def unit_dashboard(request: HttpRequest, unit_id: int) -> HttpResponse:
    if (step := _gate(request)) is not None:
        return step
    return _page(request, _get_unit_for_user(request.user, unit_id))


@require_GET
def unit_dashboard_excel(request: HttpRequest, unit_id: int) -> HttpResponse:
    if (step := _gate(request)) is not None:
        return step
    unit = _get_unit_for_user(request.user, unit_id)
    dashboard = _dashboard(request, unit, charts=False)
    selection = dashboard.selection
    name = f"statistik-{unit.code}-{selection.year_from}-{selection.year_to}.xlsx"
    response = HttpResponse(
        dashboard_excel(dashboard),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def unit_dashboard_chart(request: HttpRequest, unit_id: int, key: str) -> HttpResponse:
    """One measure's funnel plot (SVG) for the page's selection; linked from the page."""
    if (step := _gate(request)) is not None:
        return step
    unit = _get_unit_for_user(request.user, unit_id)
    svg = _dashboard(request, unit, charts=False).chart(key)
    if svg is None:
        raise Http404
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def unit_report(request: HttpRequest, unit_id: int, year: int) -> HttpResponse:
    """The unit's own report for ``year`` as a PDF (the one ``painreg report unit`` writes)."""
    if (step := _gate(request)) is not None:
        return step
    unit = _get_unit_for_user(request.user, unit_id)
    if not FIRST_YEAR <= year <= dt.date.today().year:
        raise Http404
    from painreg.dashboard.unit_report import unit_report_pdf

    response = HttpResponse(unit_report_pdf(unit.code, year), content_type="application/pdf")
    name = f"enhetsrapport-{unit.code}-{year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


app_name = "dashboard"
urlpatterns = [
    path("", dashboard_home, name="home"),
    path("enhet/<int:unit_id>/", unit_dashboard, name="unit"),
    path("enhet/<int:unit_id>/excel/", unit_dashboard_excel, name="excel"),
    path("enhet/<int:unit_id>/trattdiagram/<slug:key>.svg", unit_dashboard_chart, name="chart"),
    path("enhet/<int:unit_id>/enhetsrapport/<int:year>.pdf", unit_report, name="unit_report"),
]
