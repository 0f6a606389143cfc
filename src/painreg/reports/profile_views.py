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
from painreg.accounts.decorators import staff_required
from painreg.audit.models import AccessAction
from painreg.registry import access
from painreg.registry.models import Registration
from painreg.reports import profile


def _get_registration_for_user(request: HttpRequest, registration_id: int) -> Registration:
    return access.get_registration_for_user(request.user, request.unit, registration_id)


def _context(request: HttpRequest, registration: Registration) -> dict:
    language = (getattr(request, "LANGUAGE_CODE", "sv") or "sv")[:2]
    measures = profile.build(registration, language)
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
