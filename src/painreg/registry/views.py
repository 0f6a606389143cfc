"""Staff pages of the current unit: start page, patient search, registrations.

Design (healthchecks habit): plain function views with type hints; the private
helpers at the top are the only way these views fetch a patient or a
registration, and they go through ``registry.access`` scoped to the person
and their current unit, so another unit's object is a 404. Every write goes
through ``registry.actions``; a ``ValidationError`` from an action is shown on
the form (next to the field and in the error summary) and nothing is saved.
Every page showing identifiable patient data writes an access-log entry
(``audit.log_access``). Lists (start page) show no personnummer: a patient is
identified only on the pages that log the view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from painreg import audit
from painreg.audit.models import AccessAction, AuditEvent
from painreg.registry import access, actions, validation
from painreg.registry.decorators import staff_required
from painreg.registry.forms import (
    PatientDecisionForm,
    PatientSearchForm,
    RegistrationForm,
    ReopenForm,
    SignOffForm,
    attach_errors,
)
from painreg.registry.models import (
    Occasion,
    OccasionKind,
    Patient,
    ProgrammeFeature,
    Registration,
    Role,
    WorkMeasure,
)
from painreg.tidy import diagnoses

#: Session key of a personnummer searched for and not found (prefills a new registration;
#: kept out of the URL so it never lands in server logs or browser history).
_NEW_PNR_KEY = "painreg_new_personnummer"


def _get_patient_for_user(request: HttpRequest, patient_id: int) -> Patient:
    return access.get_patient_for_user(request.user, request.unit, patient_id)


def _get_registration_for_user(request: HttpRequest, registration_id: int) -> Registration:
    return access.get_registration_for_user(request.user, request.unit, registration_id)


def _log(request: HttpRequest, action: str, patient: Patient | None, detail: str = "") -> None:
    audit.log_access(
        user=request.user, action=action, patient=patient, unit=request.unit, detail=detail
    )


# --- start page ----------------------------------------------------------------


@dataclass(frozen=True)
class DueOccasion:
    occasion: Occasion
    window: tuple[dt.date, dt.date]
    overdue: bool


def _due_occasions(registrations: list[Registration], today: dt.date) -> list[DueOccasion]:
    """Occasions not signed off whose window has opened (overdue when it has closed)."""
    due = []
    for registration in registrations:
        for occasion in registration.occasions.all():
            if occasion.signed_off:
                continue
            window = occasion.due
            if window is None or window[0] > today:
                continue
            due.append(DueOccasion(occasion, window, overdue=today > window[1]))
    due.sort(key=lambda d: (not d.overdue, d.window[1]))
    return due


def _in_occasion_order() -> QuerySet[Occasion]:
    """Occasions in the order they happen: initial, end, one-year follow-up."""
    order = Case(
        *(When(kind=kind.value, then=Value(i)) for i, kind in enumerate(OccasionKind)),
        output_field=IntegerField(),
    )
    return Occasion.objects.order_by(order)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    ongoing = list(
        access.registrations_for(request.user, request.unit)
        .filter(signed_off_at__isnull=True)
        .prefetch_related(Prefetch("occasions", queryset=_in_occasion_order()))
        .order_by("first_visit_date", "pk")
    )
    context = {
        "nav": "home",
        "ongoing": ongoing,
        "due": _due_occasions(ongoing, today),
        "today": today,
    }
    return render(request, "registry/home.html", context)


@require_POST
@staff_required
def switch_unit(request: HttpRequest) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, request.POST.get("unit", ""))
    access.switch_unit(request, unit)
    messages.success(request, _("You are now working in %(unit)s.") % {"unit": unit.name})
    return redirect("registry:home")


# --- patients --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def patient_search(request: HttpRequest) -> HttpResponse:
    # POST, not GET: a personnummer must not end up in URLs, logs or history.
    form = PatientSearchForm(request.POST or None)
    not_found = None
    if request.method == "POST" and form.is_valid():
        digits = form.cleaned_data["personnummer"]
        patient = access.find_patient_in_unit(request.user, request.unit, digits)
        if patient is not None:
            _log(request, AccessAction.SEARCH, patient, _("search by personnummer"))
            return redirect("registry:patient_detail", patient_id=patient.pk)
        request.session[_NEW_PNR_KEY] = digits
        not_found = f"{digits[:8]}-{digits[8:]}"
    context = {"nav": "patients", "form": form, "not_found": not_found}
    return render(request, "registry/patient_search.html", context)


def _patient_page(
    request: HttpRequest,
    patient: Patient,
    *,
    decision_form: PatientDecisionForm | None = None,
    decision: str = "",
) -> HttpResponse:
    _log(request, AccessAction.VIEW_PATIENT, patient)
    registrations = access.registrations_for(request.user, request.unit, patient).order_by(
        "-first_visit_date", "-pk"
    )
    context = {
        "nav": "patients",
        "patient": patient,
        "registrations": registrations,
        "decision": decision,
        "decision_forms": {
            name: decision_form
            if decision_form is not None and name == decision
            else PatientDecisionForm(prefix=name)
            for name in _DECISIONS
        },
        "may_delete": Role.UNIT_MANAGER in access.roles_in(request.user, request.unit),
    }
    return render(request, "registry/patient_detail.html", context, status=400 if decision else 200)


@staff_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _get_patient_for_user(request, patient_id)
    return _patient_page(request, patient)


#: Decisions a patient can make about the register, and the action carrying each out.
_DECISIONS = {
    "opt_out": actions.opt_out_patient,
    "cancel_opt_out": actions.cancel_opt_out,
    "delete": actions.delete_patient,
}


@require_POST
@staff_required
def patient_decision(request: HttpRequest, patient_id: int, decision: str) -> HttpResponse:
    """Opt-out, its withdrawal, or deletion on request (unit manager): always with a note."""
    patient = _get_patient_for_user(request, patient_id)
    action = _DECISIONS.get(decision)
    if action is None:
        raise Http404
    form = PatientDecisionForm(request.POST, prefix=decision)
    if form.is_valid():
        try:
            action(
                user=request.user,
                unit=request.unit,
                patient=patient,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if decision == "delete":
                messages.success(request, _("The patient's data was deleted from the register."))
                return redirect("registry:home")
            messages.success(request, _("The patient's decision was recorded."))
            return redirect("registry:patient_detail", patient_id=patient.pk)
    return _patient_page(request, patient, decision_form=form, decision=decision)


# --- registrations ---------------------------------------------------------------


def _diagnosis_options() -> list[dict[str, str]]:
    from django.utils.translation import get_language

    language = get_language() or "sv"
    return [{"code": d.code, "name": d.name(language)} for d in diagnoses.pain_diagnoses()]


def _registration_form_page(
    request: HttpRequest, form: RegistrationForm, **extra: Any
) -> HttpResponse:
    context = {"nav": "patients", "form": form, "diagnosis_options": _diagnosis_options(), **extra}
    return render(request, "registry/registration_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def registration_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RegistrationForm(request.POST, with_personnummer=True)
        if form.is_valid():
            try:
                registration = actions.create_registration(
                    user=request.user,
                    unit=request.unit,
                    personnummer=form.cleaned_data["personnummer"],
                    **form.registration_values(),
                )
            except ValidationError as exc:
                attach_errors(form, exc)
                refused = getattr(exc, "patient", None)
                if refused is not None:
                    # An opted-out patient: the attempt is in the patient's access extract,
                    # not in the unit's own log (its manager would read who opted out).
                    audit.log_access(
                        user=request.user, action=AccessAction.SEARCH, patient=refused,
                        unit=None, detail=f"registrering nekad ({request.unit.code})",
                    )  # fmt: skip
            else:
                request.session.pop(_NEW_PNR_KEY, None)
                messages.success(request, _("The registration was saved."))
                return redirect("registry:registration_detail", registration_id=registration.pk)
    else:
        digits = request.session.get(_NEW_PNR_KEY, "")
        initial = {"personnummer": f"{digits[:8]}-{digits[8:]}" if digits else ""}
        form = RegistrationForm(initial=initial, with_personnummer=True)
    return _registration_form_page(request, form, registration=None)


@require_http_methods(["GET", "POST"])
@staff_required
def registration_edit(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    needs_reason = registration.signed_off
    if request.method == "POST":
        form = RegistrationForm(request.POST, needs_reason=needs_reason)
        if form.is_valid():
            try:
                actions.update_registration(
                    user=request.user,
                    registration=registration,
                    reason=form.cleaned_data.get("reason", ""),
                    **form.registration_values(),
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("registry:registration_detail", registration_id=registration.pk)
    else:
        _log(request, AccessAction.VIEW_REGISTRATION, registration.patient, _("edit form"))
        form = RegistrationForm(
            initial=RegistrationForm.initial_from(registration), needs_reason=needs_reason
        )
    return _registration_form_page(request, form, registration=registration)


def _registration_page(
    request: HttpRequest,
    registration: Registration,
    *,
    signoff_errors: list[str] | None = None,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    _log(request, AccessAction.VIEW_REGISTRATION, registration.patient)
    occasions = list(_in_occasion_order().filter(registration=registration))
    language = get_language() or "sv"
    context = {
        "nav": "patients",
        "registration": registration,
        "patient": registration.patient,
        "occasions": occasions,
        "warnings": validation.registration_warnings(registration),
        "signoff_problems": (
            []
            if registration.signed_off
            else validation.registration_signoff_problems(registration)
        ),
        "signoff_errors": signoff_errors or [],
        "signoff_form": SignOffForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "main_diagnosis_name": diagnoses.name_of(registration.main_diagnosis or "", language),
        "work_measures": _labels(WorkMeasure, registration.work_measures),
        "programme": _labels(ProgrammeFeature, registration.programme),
        "today": dt.date.today(),
    }
    status = 400 if signoff_errors or reopen_form is not None else 200
    return render(request, "registry/registration_detail.html", context, status=status)


def _labels(choices: type[models.TextChoices], values: list[str]) -> list[str]:
    """Display labels of stored choice codes (an unknown code is shown as it is)."""
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values or []]


def _signoff_problems(registration: Registration) -> list[validation.Issue]:
    if registration.signed_off:
        return []
    return validation.registration_signoff_problems(registration)


@staff_required
def registration_detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    return _registration_page(request, registration)


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@require_POST
@staff_required
def registration_sign_off(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _registration_page(
            request, registration, signoff_errors=[_("Tick the box to confirm the sign-off.")]
        )
    try:
        actions.sign_off_registration(user=request.user, registration=registration)
    except ValidationError as exc:
        return _registration_page(request, registration, signoff_errors=_messages_of(exc))
    messages.success(request, _("The registration is signed off."))
    return redirect("registry:registration_detail", registration_id=registration.pk)


@require_POST
@staff_required
def registration_reopen(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_registration(
                user=request.user, registration=registration, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The sign-off was undone."))
            return redirect("registry:registration_detail", registration_id=registration.pk)
    return _registration_page(request, registration, reopen_form=form)


@staff_required
def registration_history(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _get_registration_for_user(request, registration_id)
    _log(request, AccessAction.VIEW_HISTORY, registration.patient)
    occasion_ids = [str(pk) for pk in registration.occasions.values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(patient=registration.patient, unit=registration.unit).filter(
        object_type__in=["registration", "occasion"],
        object_id__in=[str(registration.pk), *occasion_ids],
    )
    changes = []
    records = list(registration.history.order_by("history_date", "history_id"))
    for previous, record in zip([None, *records[:-1]], records, strict=True):
        if previous is None:
            fields = []
        else:
            delta = record.diff_against(previous)
            fields = [
                {"field": _field_label(c.field), "old": c.old, "new": c.new}
                for c in delta.changes
                if c.field not in {"updated_at"}
            ]
        changes.append({"record": record, "fields": fields})
    context = {
        "nav": "patients",
        "registration": registration,
        "patient": registration.patient,
        "events": events,
        "changes": list(reversed(changes)),
    }
    return render(request, "registry/registration_history.html", context)


def _field_label(name: str) -> str:
    try:
        return str(Registration._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since: show its name
        return name
