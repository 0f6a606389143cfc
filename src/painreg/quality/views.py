"""Pages of data quality: findings per unit, queries, and a run on demand.

Who sees what (docs/registry.md): the national coordinator sees every unit's
findings and queries, registrations by their id only (no identities, no
links to the patient); a unit's manager sees the unit's findings and raises
and closes queries; the unit's staff see the unit's queries and answer them,
correcting the data on the registration's own pages (the registry's actions).
The pages show no personnummer, so they log no access; opening the
registration from a query does, as always.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from painreg.analytics import quality as rules_core
from painreg.errors import UserError
from painreg.quality import actions, data
from painreg.quality.models import CloseReason, Finding, QualityRun, Query
from painreg.registry import access
from painreg.registry.decorators import verified_required
from painreg.registry.models import Registration, Unit

#: Findings listed on a unit's page at most (choose a rule to see the others).
MAX_LISTED = 500


def _rules() -> dict[str, rules_core.Rule]:
    return {r.id: r for r in rules_core.load_rules()}


def _get_unit_for_user(user: object, unit_id: int) -> Unit:
    """Any unit for the coordinator; the user's own units for staff (404 otherwise)."""
    if access.is_national_coordinator(user):
        try:
            return Unit.objects.get(pk=unit_id)
        except Unit.DoesNotExist:
            raise Http404 from None
    return access.get_unit_for_user(user, unit_id)


def _get_finding_for_user(user: object, finding_id: int) -> Finding:
    try:
        finding = Finding.objects.select_related("unit", "registration").get(pk=finding_id)
    except Finding.DoesNotExist:
        raise Http404 from None
    _get_unit_for_user(user, finding.unit_id)
    if not actions.may_raise(user, finding.unit):
        raise PermissionDenied
    return finding


def _get_query_for_user(user: object, query_id: int) -> Query:
    try:
        query = Query.objects.select_related("unit", "registration", "finding").get(pk=query_id)
    except Query.DoesNotExist:
        raise Http404 from None
    _get_unit_for_user(user, query.unit_id)
    return query


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "sv") or "sv"


@require_GET
@verified_required
def home(request: HttpRequest) -> HttpResponse:
    """The coordinator's overview per unit; staff go to their unit's page."""
    user = request.user
    if not access.is_national_coordinator(user):
        unit = access.current_unit(request)
        if unit is None:
            raise Http404
        return _unit_page(request, unit)
    units = list(Unit.objects.order_by("name"))
    findings = data.finding_counts(units)
    queries = data.query_counts(units)
    rows = [
        {
            "unit": u,
            "errors": findings.get(u.pk, {}).get("error", 0),
            "warnings": findings.get(u.pk, {}).get("warning", 0),
            "notices": findings.get(u.pk, {}).get("notice", 0),
            "open": queries.get(u.pk, {}).get("open", 0),
            "closed": queries.get(u.pk, {}).get("closed", 0),
        }
        for u in units
    ]
    context = {
        "rows": rows,
        "last_run": QualityRun.objects.first(),
        "rules": [
            (
                r.name(_language(request)),
                r.severity_label(_language(request)),
                r.explanation(_language(request)),
            )
            for r in rules_core.load_rules()
        ],
        "nav": "quality",
    }
    return render(request, "quality/overview.html", context)


@require_GET
@verified_required
def unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _unit_page(request, _get_unit_for_user(request.user, unit_id))


def _unit_page(request: HttpRequest, unit: Unit) -> HttpResponse:
    user = request.user
    coordinator = access.is_national_coordinator(user)
    may_raise = actions.may_raise(user, unit)
    rules = _rules()
    findings = []
    total, chosen = 0, ""
    labels = dict(_field_choices())
    if may_raise:
        show = request.GET.get("visa") == "alla"
        qs = Finding.objects.filter(unit=unit).select_related("registration")
        if not show:
            qs = qs.filter(resolved_at__isnull=True)
        chosen = request.GET.get("regel", "")
        if chosen in rules:
            qs = qs.filter(rule=chosen)
        total = qs.count()
        for f in qs[:MAX_LISTED]:
            rule = rules.get(f.rule)
            findings.append(
                {
                    "finding": f,
                    "field": labels.get(f.field, f.field),
                    "occasion": labels.get(f.occasion, f.occasion),
                    "name": rule.name(_language(request)) if rule else f.rule,
                    "explanation": rule.explanation(_language(request)) if rule else "",
                }
            )
    queries = Query.objects.filter(unit=unit).select_related("registration")
    context = {
        "unit": unit,
        "findings": findings,
        "total": total,
        "listed_max": MAX_LISTED,
        "rule_choices": [(r.id, r.name(_language(request))) for r in rules.values()],
        "chosen_rule": chosen,
        "show_all": request.GET.get("visa") == "alla",
        "may_raise": may_raise,
        "may_answer": actions.may_answer(user, unit),
        "coordinator": coordinator,
        "open_queries": [(q, labels.get(q.field, q.field)) for q in queries if not q.is_closed],
        "closed_queries": [q for q in queries if q.is_closed][:100],
        "last_run": QualityRun.objects.first(),
        "nav": "quality",
    }
    return render(request, "quality/unit.html", context)


#: The fields a query may be about: the registration's, and each occasion's answers.
QUERY_FIELDS: tuple[str, ...] = (
    "category", "referral_date", "first_visit_date", "rehab_start_date", "rehab_end_date",
    "discontinued", "discontinuation_reason", "main_diagnosis", "secondary_diagnoses",
    "education", "work_measures", "programme", "initial", "end", "followup_1y",
)  # fmt: skip


def _field_choices() -> list[tuple[str, str]]:
    from painreg.registry.models import OccasionKind, Registration

    out = []
    for name in QUERY_FIELDS:
        if name in OccasionKind.values:
            label = OccasionKind(name).label
        else:
            label = Registration._meta.get_field(name).verbose_name
        out.append((name, str(label)))
    return out


def _find_registration(unit: Unit, text: str) -> Registration | None:
    """The unit's registration by its registration id (an imported id, or the database id)."""
    from django.db.models import Q

    text = text.strip()
    if not text or "\x00" in text:
        return None
    match = Q(ref=text)
    if text.isdigit():
        match |= Q(pk=int(text), ref__isnull=True) | Q(pk=int(text), ref="")
    return Registration.objects.filter(unit=unit).filter(match).first()


@require_http_methods(["GET", "POST"])
@verified_required
def raise_registration_query(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A query on a field of one of the unit's registrations, without a finding."""
    unit = _get_unit_for_user(request.user, unit_id)
    if not actions.may_raise(request.user, unit):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    values = {"registration": "", "field": "", "question": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        registration = _find_registration(unit, values["registration"])
        if registration is None:
            errors["registration"] = [_("The unit has no registration with this id.")]
        if values["field"] not in QUERY_FIELDS:
            errors["field"] = [_("Choose the field the question is about.")]
        if not errors:
            try:
                query = actions.raise_query(
                    user=request.user,
                    unit=unit,
                    registration=registration,
                    field=values["field"],
                    question=values["question"],
                )
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(request, _("The query was sent to the unit."))
                return redirect("quality:query", query_id=query.pk)
    context = {
        "unit": unit,
        "values": values,
        "fields": _field_choices(),
        "errors": errors,
        "nav": "quality",
    }
    return render(
        request, "quality/raise_registration.html", context, status=400 if errors else 200
    )


@require_http_methods(["GET", "POST"])
@verified_required
def raise_query(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = _get_finding_for_user(request.user, finding_id)
    rule = _rules().get(finding.rule)
    errors: dict[str, list[str]] = {}
    question = ""
    if request.method == "POST":
        question = request.POST.get("question", "")
        try:
            query = actions.raise_query(
                user=request.user, unit=finding.unit, finding=finding, question=question
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("The query was sent to the unit."))
            return redirect("quality:query", query_id=query.pk)
    context = {
        "finding": finding,
        "field": dict(_field_choices()).get(finding.field, finding.field),
        "rule": rule,
        "language": _language(request),
        "coordinator": access.is_national_coordinator(request.user),
        "question": question,
        "errors": errors,
        "nav": "quality",
    }
    return render(request, "quality/raise.html", context, status=400 if errors else 200)


def _query_page(request: HttpRequest, query: Query, errors: dict | None = None) -> HttpResponse:
    user = request.user
    context = {
        "query": query,
        "field": dict(_field_choices()).get(query.field, query.field),
        "rule": _rules().get(query.finding.rule) if query.finding else None,
        "language": _language(request),
        "coordinator": access.is_national_coordinator(user),
        "may_answer": actions.may_answer(user, query.unit) and not query.is_closed,
        "may_close": actions.may_raise(user, query.unit) and not query.is_closed,
        "reasons": CloseReason.choices,
        "errors": errors or {},
        "nav": "quality",
    }
    return render(request, "quality/query.html", context, status=400 if errors else 200)


@require_GET
@verified_required
def query_detail(request: HttpRequest, query_id: int) -> HttpResponse:
    return _query_page(request, _get_query_for_user(request.user, query_id))


@require_POST
@verified_required
def query_answer(request: HttpRequest, query_id: int) -> HttpResponse:
    query = _get_query_for_user(request.user, query_id)
    try:
        actions.answer_query(user=request.user, query=query, answer=request.POST.get("answer", ""))
    except ValidationError as exc:
        return _query_page(request, query, exc.message_dict)
    messages.success(request, _("The answer was saved."))
    return redirect("quality:query", query_id=query.pk)


@require_POST
@verified_required
def query_close(request: HttpRequest, query_id: int) -> HttpResponse:
    query = _get_query_for_user(request.user, query_id)
    try:
        actions.close_query(
            user=request.user,
            query=query,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        return _query_page(request, query, exc.message_dict)
    messages.success(request, _("The query was closed."))
    return redirect("quality:query", query_id=query.pk)


@require_POST
@verified_required
def run_now(request: HttpRequest) -> HttpResponse:
    """The coordinator runs the rules on demand (the nightly run is the command)."""
    if not access.is_national_coordinator(request.user):
        raise PermissionDenied
    try:
        run = actions.run_quality_check(user=request.user)
    except UserError:
        messages.error(request, _("Another quality check ran at the same time; run it again."))
        return redirect("quality:home")
    messages.success(
        request,
        _("Quality check done: %(found)s findings, %(opened)s new, %(resolved)s resolved.")
        % {"found": run.found, "opened": run.opened, "resolved": run.resolved},
    )
    return redirect("quality:home")


app_name = "quality"
urlpatterns = [
    path("", home, name="home"),
    path("kor/", run_now, name="run"),
    path("enhet/<int:unit_id>/", unit_page, name="unit"),
    path("enhet/<int:unit_id>/fraga/", raise_registration_query, name="raise_registration"),
    path("fynd/<int:finding_id>/fraga/", raise_query, name="raise"),
    path("fragor/<int:query_id>/", query_detail, name="query"),
    path("fragor/<int:query_id>/svara/", query_answer, name="answer"),
    path("fragor/<int:query_id>/stang/", query_close, name="close"),
]
