"""Staff pages of the response profile: the web page and the printable PDF.

The registration is fetched through ``registry.access`` (another unit's is
404); each view is written to the access log (``view_profile``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from painreg import audit
from painreg.audit.models import AccessAction
from painreg.registry import access
from painreg.registry.decorators import staff_required
from painreg.registry.models import Registration, Score
from painreg.reports import profile


def _get_registration_for_user(request: HttpRequest, registration_id: int) -> Registration:
    return access.get_registration_for_user(request.user, request.unit, registration_id)


def measures_for(registration: Registration, language: str) -> list[profile.Measure]:
    """The registration's response profile, charts included, against its care level's peers
    (the staff pages here; the patient's own page in ``eprom.eid``)."""
    own = list(
        Score.objects.filter(occasion__registration=registration).values_list(
            "occasion__kind", "instrument", "score", "value"
        )
    )
    measures = profile.measures_of(own)
    if not measures:
        return []
    peers = Registration.objects.in_register().filter(
        signed_off_at__isnull=False, unit__care_level=registration.unit.care_level
    )
    reference_rows = Score.objects.filter(
        occasion__registration__in=peers,
        instrument__in={m.instrument for m in measures},
        score__in={m.score for m in measures},
    ).values_list("occasion__kind", "instrument", "score", "value")
    grouped = profile.group_reference_values(list(reference_rows))
    for measure in measures:
        for occasion in profile.OCCASIONS:
            ref = profile.reference(grouped.get((measure.instrument, measure.score, occasion), []))
            if ref is not None:
                measure.references[occasion] = ref
        measure.svg = profile.svg_data_uri(profile.chart_svg(measure, language))
    return measures


def _context(request: HttpRequest, registration: Registration) -> dict:
    language = (getattr(request, "LANGUAGE_CODE", "sv") or "sv")[:2]
    measures = measures_for(registration, language)
    audit.log_access(
        user=request.user,
        action=AccessAction.VIEW_PROFILE,
        patient=registration.patient,
        unit=request.unit,
        detail=f"registration {registration.pk}",
    )
    return {
        "registration": registration,
        "measures": [
            {
                "measure": m,
                "rows": profile.table_rows(m, language),
                "bands": profile.band_text(m, language),
            }
            for m in measures
        ],
        "min_n": profile.MIN_REFERENCE_N,
        "nav": "eprom",
    }


@require_GET
@staff_required
def profile_page(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    return render(request, "eprom/profile.html", _context(request, registration))


@require_GET
@staff_required
def profile_pdf(request: HttpRequest, registration_id: int) -> HttpResponse:
    import weasyprint

    registration = _get_registration_for_user(request, registration_id)
    html = render_to_string("eprom/profile_pdf.html", _context(request, registration), request)
    pdf = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="svarsprofil-{registration.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
