"""Occasions: overview, entry of a paper questionnaire, not-administered marks, sign-off.

Design: one page per instrument of an occasion (a paper form is entered
instrument by instrument, as it is laid out on paper), its items and answer
options taken from the instrument catalogue and its text packs
(``painreg.instruments``), never from templates. Saving goes through
``registry.actions.save_answers``, which validates every answer first
(nothing is saved if one is wrong) and stores the scores. Sign-off
(klarmarkering) goes through ``actions.sign_off_occasion``; refusals are
listed with their reasons. Every page shows identifiable answers, so every
page view is written to the access log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from painreg import audit, instruments
from painreg.audit.models import AccessAction
from painreg.registry import access, actions, validation
from painreg.registry.decorators import staff_required
from painreg.registry.forms import (
    InstrumentAnswersForm,
    NotAdministeredForm,
    ReopenForm,
    SignOffForm,
    attach_errors,
)
from painreg.registry.models import Occasion


def _get_occasion_for_user(request: HttpRequest, registration_id: int, kind: str) -> Occasion:
    return access.get_occasion_for_user(request.user, request.unit, registration_id, kind)


def _get_instrument(instrument_id: str) -> instruments.Instrument:
    try:
        return instruments.get_instrument(instrument_id)
    except instruments.InstrumentError:
        raise Http404 from None


def _log(request: HttpRequest, occasion: Occasion, detail: str = "") -> None:
    audit.log_access(
        user=request.user,
        action=AccessAction.VIEW_ANSWERS,
        patient=occasion.registration.patient,
        unit=request.unit,
        detail=detail or occasion.kind,
    )


def _name(instrument: instruments.Instrument) -> str:
    language = (get_language() or "sv")[:2]
    return instrument.name.get(language) or instrument.name.get("sv") or instrument.id


def _instrument_rows(occasion: Occasion) -> list[dict[str, Any]]:
    """Every catalogue instrument: the occasion's form first, in its order, then the rest."""
    answered = set(occasion.answers.values_list("item", flat=True))
    marks = occasion.not_administered or {}
    form = validation.occasion_form(occasion)
    others = [i for i in instruments.instrument_ids() if i not in form]
    rows = []
    for instrument_id in [*form, *others]:
        instrument = instruments.get_instrument(instrument_id)
        ids = set(instrument.item_ids)
        rows.append(
            {
                "id": instrument.id,
                "name": _name(instrument),
                "answered": len(ids & answered),
                "items": len(ids),
                "not_administered": marks.get(instrument.id),
                "in_form": instrument_id in form,
            }
        )
    return rows


def _occasion_page(
    request: HttpRequest,
    occasion: Occasion,
    *,
    signoff_errors: list[str] | None = None,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    _log(request, occasion)
    registration = occasion.registration
    rows = _instrument_rows(occasion)
    context = {
        "nav": "patients",
        "registration": registration,
        "patient": registration.patient,
        "occasion": occasion,
        "form_rows": [row for row in rows if row["in_form"]],
        "other_rows": [row for row in rows if not row["in_form"]],
        "scores": occasion.scores.order_by("instrument", "score"),
        "signoff_problems": (
            [] if occasion.signed_off else validation.occasion_signoff_problems(occasion)
        ),
        "signoff_errors": signoff_errors or [],
        "signoff_form": SignOffForm(),
        "reopen_form": reopen_form or ReopenForm(),
    }
    status = 400 if signoff_errors or reopen_form is not None else 200
    return render(request, "registry/occasion_detail.html", context, status=status)


@staff_required
def occasion_detail(request: HttpRequest, registration_id: int, kind: str) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    return _occasion_page(request, occasion)


@require_http_methods(["GET", "POST"])
@staff_required
def occasion_entry(
    request: HttpRequest, registration_id: int, kind: str, instrument: str
) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    definition = _get_instrument(instrument)
    needs_reason = occasion.signed_off
    not_administered_form = NotAdministeredForm(prefix="na")
    if request.method == "POST":
        form = InstrumentAnswersForm(request.POST, instrument=definition, needs_reason=needs_reason)
        if form.is_valid():
            try:
                warnings = actions.save_answers(
                    user=request.user,
                    occasion=occasion,
                    answers=form.answers(),
                    answered_on=form.cleaned_data["answered_on"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, _("The answers to %(name)s were saved.") % {"name": _name(definition)}
                )
                for warning in warnings:
                    messages.warning(request, str(warning))
                return redirect(
                    "registry:occasion_detail", registration_id=registration_id, kind=kind
                )
    else:
        form = InstrumentAnswersForm(
            initial=InstrumentAnswersForm.initial_from(occasion, definition),
            instrument=definition,
            needs_reason=needs_reason,
        )
    _log(request, occasion, f"{occasion.kind} {definition.id}")
    context = {
        "nav": "patients",
        "registration": occasion.registration,
        "patient": occasion.registration.patient,
        "occasion": occasion,
        "instrument": definition,
        "instrument_name": _name(definition),
        "form": form,
        "not_administered_form": not_administered_form,
        "not_administered_reason": (occasion.not_administered or {}).get(definition.id),
    }
    return render(request, "registry/occasion_entry.html", context)


@require_POST
@staff_required
def occasion_not_administered(
    request: HttpRequest, registration_id: int, kind: str, instrument: str
) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    definition = _get_instrument(instrument)
    if request.POST.get("undo"):
        reason = None
    else:
        form = NotAdministeredForm(request.POST, prefix="na")
        reason = form.data.get("na-reason", "")
    try:
        actions.set_not_administered(
            user=request.user, occasion=occasion, instrument=definition.id, reason=reason
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(
            "registry:occasion_entry",
            registration_id=registration_id,
            kind=kind,
            instrument=definition.id,
        )
    messages.success(request, _("Saved."))
    return redirect("registry:occasion_detail", registration_id=registration_id, kind=kind)


@require_POST
@staff_required
def occasion_sign_off(request: HttpRequest, registration_id: int, kind: str) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _occasion_page(
            request, occasion, signoff_errors=[_("Tick the box to confirm the sign-off.")]
        )
    try:
        actions.sign_off_occasion(user=request.user, occasion=occasion)
    except ValidationError as exc:
        return _occasion_page(request, occasion, signoff_errors=[str(m) for m in exc.messages])
    messages.success(request, _("The occasion is signed off."))
    return redirect("registry:registration_detail", registration_id=registration_id)


@require_POST
@staff_required
def occasion_reopen(request: HttpRequest, registration_id: int, kind: str) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_occasion(
                user=request.user, occasion=occasion, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The sign-off was undone."))
            return redirect("registry:occasion_detail", registration_id=registration_id, kind=kind)
    return _occasion_page(request, occasion, reopen_form=form)
