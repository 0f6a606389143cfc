"""Pages of source-data validation: the coordinator's rounds and results, the validator's
blind entry and comparison.

Neither the coordinator nor a validator is a member of a unit, so the pages
sit behind ``verified_required`` (logged in, past the TOTP step) and fetch
everything through :mod:`painreg.verification.access`: anything outside the
person's scope is 404. The coordinator's pages show samples by the round's
running number, never an identity; the validator's pages show the patient
(they must find the record) and log each view with
``audit.log_access(patient=...)``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from painreg import audit
from painreg.analytics import validation as v
from painreg.audit.models import AccessAction
from painreg.registry import access as registry_access
from painreg.registry.decorators import verified_required
from painreg.reports import validation_report
from painreg.verification import access, actions, results
from painreg.verification.forms import EntryForm, RoundForm, ValidatorForm
from painreg.verification.models import SampledRegistration, ValidationRound


def _lang() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A page of this app, its menu item marked current."""
    return render(request, template, {"nav": "validation", **context}, status=status)


def _errors_to_form(form: Any, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- both ----------------------------------------------------------------------


@require_GET
@verified_required
def home(request: HttpRequest) -> HttpResponse:
    coordinator = registry_access.is_national_coordinator(request.user)
    validating = list(access.rounds_for_validator(request.user))
    if not coordinator and not validating:
        raise Http404
    rounds = list(access.rounds_for_coordinator(request.user).prefetch_related("units"))
    return _render(
        request,
        "verification/home.html",
        {"coordinator": coordinator, "rounds": rounds, "validating": validating},
    )


# --- the coordinator -------------------------------------------------------------


@verified_required
def round_create(request: HttpRequest) -> HttpResponse:
    if not registry_access.is_national_coordinator(request.user):
        raise Http404
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = actions.create_round(
                user=request.user,
                name=data["name"],
                year_from=data["year_from"],
                year_to=data["year_to"],
                units=list(data["units"]),
                sample_size=data["sample_size"],
                groups=data["groups"],
                items=data["items"],
                seed=data["seed"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The validation round is created."))
            return redirect("verification:round", round_.pk)
    return _render(request, "verification/round_form.html", {"form": form})


@require_GET
@verified_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access.get_round_for_coordinator(request.user, round_id)
    return _render(request, "verification/round.html", _round_context(round_))


def _round_context(round_: ValidationRound, **extra: Any) -> dict[str, Any]:
    lang = _lang()
    return {
        "round": round_,
        "groups": [v.GROUP_LABELS[g][0 if lang == "sv" else 1] for g in round_.groups],
        "progress": results.progress(round_),
        "eligible": (
            None
            if round_.drawn
            else sorted(
                (code, len(regs)) for code, regs in results.eligible_registrations(round_).items()
            )
        ),
        "validators": round_.validators.order_by("username"),
        "validator_form": extra.pop("validator_form", None) or ValidatorForm(),
        **extra,
    }


@require_POST
@verified_required
def round_draw(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access.get_round_for_coordinator(request.user, round_id)
    try:
        samples = actions.draw_sample(user=request.user, round_=round_)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The sample is drawn: %(n)d registrations.") % {"n": len(samples)}
        )
    return redirect("verification:round", round_.pk)


@require_POST
@verified_required
def validator_add(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access.get_round_for_coordinator(request.user, round_id)
    form = ValidatorForm(request.POST)
    if form.is_valid():
        try:
            actions.assign_validator(
                user=request.user, round_=round_, member=form.cleaned_data["username"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The validator is added."))
            return redirect("verification:round", round_.pk)
    context = _round_context(round_, validator_form=form)
    return _render(request, "verification/round.html", context, status=400)


@require_POST
@verified_required
def validator_remove(request: HttpRequest, round_id: int, user_id: int) -> HttpResponse:
    round_ = access.get_round_for_coordinator(request.user, round_id)
    member = get_object_or_404(round_.validators, pk=user_id)
    actions.remove_validator(user=request.user, round_=round_, member=member)
    messages.success(request, _("The validator is removed from the round."))
    return redirect("verification:round", round_.pk)


@require_GET
@verified_required
def round_results(request: HttpRequest, round_id: int) -> HttpResponse:
    from django.utils.safestring import mark_safe

    round_ = access.get_round_for_coordinator(request.user, round_id)
    report = results.report(round_)
    # The report's own HTML (autoescaped by the reports' Jinja environment).
    body = mark_safe(validation_report.render_html(report, standalone=False))
    return _render(request, "verification/results.html", {"round": round_, "report": body})


def _download(request: HttpRequest, round_id: int, kind: str) -> HttpResponse:
    round_ = access.get_round_for_coordinator(request.user, round_id)
    report = results.report(round_)
    stem = f"kalldatavalidering-{round_.pk}"
    if kind == "xlsx":
        content = validation_report.render_excel(report)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif kind == "pdf":
        content, mime = validation_report.render_pdf(report), "application/pdf"
    else:
        content, mime = validation_report.render_html(report).encode(), "text/html; charset=utf-8"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


@require_GET
@verified_required
def report_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    return _download(request, round_id, "xlsx")


@require_GET
@verified_required
def report_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    return _download(request, round_id, "pdf")


@require_GET
@verified_required
def report_html(request: HttpRequest, round_id: int) -> HttpResponse:
    return _download(request, round_id, "html")


# --- the validator ---------------------------------------------------------------


@require_GET
@verified_required
def validator_round(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = access.get_round_for_validator(request.user, round_id)
    samples = list(access.samples_for_validator(request.user, round_))
    audit.log_access_many(
        user=request.user,
        action=AccessAction.VIEW_REGISTRATION,
        patient_ids=[s.registration.patient_id for s in samples],
        detail=f"källdatavalidering {round_.pk}: stickprovslista",
    )
    return _render(request, "verification/samples.html", {"round": round_, "samples": samples})


def _log_sample(request: HttpRequest, sample: SampledRegistration, what: str) -> None:
    audit.log_access(
        user=request.user,
        action=AccessAction.VIEW_REGISTRATION,
        patient=sample.registration.patient,
        unit=sample.unit,
        detail=(
            f"källdatavalidering {sample.round_id}: {what} "
            f"registrering {sample.registration.public_id}"
        ),
    )


@verified_required
def sample_entry(request: HttpRequest, round_id: int, sample_id: int) -> HttpResponse:
    sample = access.get_sample_for_validator(request.user, round_id, sample_id)
    if sample.completed:
        return redirect("verification:comparison", sample.round_id, sample.pk)
    form = EntryForm(request.POST or None, variables=list(sample.variables))
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_values(user=request.user, sample=sample, entries=form.entries())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("verification:comparison", sample.round_id, sample.pk)
    _log_sample(request, sample, "journalgranskning")
    return _render(
        request,
        "verification/entry.html",
        {"round": sample.round, "sample": sample, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_GET
@verified_required
def sample_comparison(request: HttpRequest, round_id: int, sample_id: int) -> HttpResponse:
    sample = access.get_sample_for_validator(request.user, round_id, sample_id)
    if not sample.completed:
        return redirect("verification:entry", sample.round_id, sample.pk)
    _log_sample(request, sample, "jämförelse")
    lang = _lang()
    rows = results.comparisons(sample, lang)
    labels = {k: val[0 if lang == "sv" else 1] for k, val in v.ERROR_LABELS.items()}
    return _render(
        request,
        "verification/comparison.html",
        {
            "round": sample.round,
            "sample": sample,
            "rows": rows,
            "error_labels": labels,
            "agreed": sum(r.outcome == v.AGREE for r in rows),
        },
    )
