"""The national coordinator's audit trail page: the chains' check and the audit export.

Only the national coordinator (anyone else: 404, as for everything outside a
person's scope). The page shows each chain's state: the last full check
(``painreg audit verify``) and a check of the rows written since
(``audit.chain.verify_since_last_check``), and its head; the form downloads
the audit export (CSV or JSON, filtered by unit, user, patient and period)
through ``access.audit_export_for``, which logs the export for each patient it
names.
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from painreg.audit.chain import CHAINS, verify_since_last_check
from painreg.audit.export import AuditFilter, to_csv, to_json
from painreg.registry import access
from painreg.registry.decorators import verified_required
from painreg.registry.models import Unit


class AuditExportForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.order_by("name"),
        to_field_name="code",
        required=False,
    )
    username = forms.CharField(label=_("User name"), max_length=150, required=False)
    patient_id = forms.IntegerField(label=_("Patient id (internal)"), min_value=1, required=False)
    date_from = forms.DateField(label=_("From (YYYY-MM-DD)"), required=False)
    date_to = forms.DateField(label=_("To (YYYY-MM-DD)"), required=False)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("json", "JSON")], initial="csv"
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def selection(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            unit=data["unit"].code if data.get("unit") else None,
            username=data.get("username") or None,
            patient_id=data.get("patient_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


@require_GET
@verified_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    if not access.is_national_coordinator(request.user):
        raise Http404
    form = AuditExportForm(request.GET or None)
    if request.GET and form.is_valid():
        export = access.audit_export_for(user=request.user, selection=form.selection())
        fmt = form.cleaned_data["format"]
        text = to_json(export) if fmt == "json" else to_csv(export)
        kind = "application/json" if fmt == "json" else "text/csv"
        response = HttpResponse(text, content_type=f"{kind}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="granskningslogg.{fmt}"'
        return response
    chains = [(name, *verify_since_last_check(name)) for name in CHAINS]
    return render(
        request, "registry/audit_trail.html", {"nav": "audit", "form": form, "chains": chains}
    )
