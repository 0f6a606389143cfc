"""Pages about the unit itself: the unit manager's access log and patient log
extract (loggutdrag), the unit's members, and the unit's yearly MMR totals
(coverage denominator).

The access log is read only through ``access.access_log_for_unit``, which
refuses anyone but the unit's manager (403) and logs the browse itself. Year
totals are visible to every member; only the unit manager may enter them
(``actions.set_unit_year_total`` checks the role).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from painreg import audit
from painreg.audit.models import AccessAction
from painreg.registry import access, actions
from painreg.registry.decorators import staff_required
from painreg.registry.forms import (
    MembershipForm,
    PatientSearchForm,
    UnitYearTotalForm,
    attach_errors,
)
from painreg.registry.models import Membership, Role, Unit, UnitYearTotal


def _get_unit_for_user(request: HttpRequest, *roles: str) -> Unit:
    """The current unit, if the person holds one of ``roles`` there (403 otherwise)."""
    unit = access.get_unit_for_user(request.user, request.unit.pk)
    if roles:
        access.require_role(request.user, unit, *roles)
    return unit


def _get_membership_for_user(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of the current unit, for its unit manager (404 for other units)."""
    unit = _get_unit_for_user(request, Role.UNIT_MANAGER)
    try:
        return Membership.objects.select_related("user").get(pk=membership_id, unit=unit)
    except Membership.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    unit = _get_unit_for_user(request, Role.UNIT_MANAGER)
    extract_form = PatientSearchForm(request.POST or None, prefix="extract")
    extract = None
    if request.method == "POST" and extract_form.is_valid():
        try:
            extract = access.access_extract(
                extract_form.cleaned_data["personnummer"],
                requested_by=request.user.get_username(),
                user=request.user,
                unit=unit,
            )
        except LookupError:
            extract_form.add_error(
                "personnummer", _("The register has no patient with this number.")
            )
    entries = access.access_log_for_unit(user=request.user, unit=unit)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    # The page shows each entry's personnummer: every patient on it is logged.
    audit.log_access_many(
        user=request.user,
        action=AccessAction.BROWSE_ACCESS_LOG,
        patient_ids=[entry.patient_id for entry in page if entry.patient_id],
        unit=unit,
        detail=f"access log page {page.number}",
    )
    context = {
        "nav": "access_log",
        "unit": unit,
        "page": page,
        "extract_form": extract_form,
        "extract": extract,
    }
    return render(request, "registry/access_log.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def unit_totals(request: HttpRequest) -> HttpResponse:
    unit = _get_unit_for_user(request)
    may_edit = Role.UNIT_MANAGER in access.roles_in(request.user, unit)
    form = UnitYearTotalForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.set_unit_year_total(
                    user=request.user,
                    unit=unit,
                    year=form.cleaned_data["year"],
                    total=form.cleaned_data["rehab_patients_total"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The year total was saved."))
                return redirect("registry:unit_totals")
    context = {
        "nav": "totals",
        "unit": unit,
        "totals": UnitYearTotal.objects.filter(unit=unit).order_by("-year"),
        "form": form,
    }
    return render(request, "registry/unit_totals.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def unit_members(request: HttpRequest) -> HttpResponse:
    unit = _get_unit_for_user(request, Role.UNIT_MANAGER)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_membership(
                user=request.user,
                member=form.cleaned_data["member"],
                role=form.cleaned_data["role"],
                unit=unit,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The role was given."))
            return redirect("registry:unit_members")
    context = {
        "nav": "members",
        "unit": unit,
        "memberships": Membership.objects.filter(unit=unit)
        .select_related("user")
        .order_by("user__username", "role"),
        "form": form,
    }
    return render(request, "registry/unit_members.html", context)


@require_POST
@staff_required
def unit_member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _get_membership_for_user(request, membership_id)
    if membership.user_id == request.user.pk and membership.role == Role.UNIT_MANAGER:
        messages.error(request, _("You cannot remove your own unit manager role."))
        return redirect("registry:unit_members")
    actions.remove_membership(user=request.user, membership=membership)
    messages.success(request, _("The role was removed."))
    return redirect("registry:unit_members")
