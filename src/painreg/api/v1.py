"""API v1: units, registrations, occasions with answers and scores, invitations,
indicators and the coordinator's pseudonymised export.

The same rules as the web pages, through the same code:

* Reads go through ``registry.access`` within the token's units; another
  unit's object is 404. Every read of identifiable data (a registration, an
  occasion's answers, an invitation, a search) writes the access-log entry
  the web page writes, naming the token's owner (and the token in ``detail``).
  Lists carry no identity (as the start page) and are not logged.
* Writes parse the body with the web form (``registry.forms``,
  ``eprom.views_staff.InviteForm``) and go through ``registry.actions`` /
  ``eprom.actions``, which check the role, validate, write and audit in one
  transaction; a refusal is 422 with the form's messages by field.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from painreg import audit, instruments
from painreg.api import core
from painreg.api import schemas as s
from painreg.audit.models import AccessAction
from painreg.dashboard.data import UnitInfo, cached_dashboard
from painreg.dashboard.selection import FILTER_CHOICES
from painreg.dashboard.views import FIRST_YEAR, MAX_YEARS, selection_from
from painreg.eprom import actions as eprom_actions
from painreg.eprom import status as eprom_status
from painreg.eprom.models import Invitation
from painreg.eprom.views_staff import InviteForm, public_link
from painreg.registry import access, actions, validation
from painreg.registry.forms import InstrumentAnswersForm, RegistrationForm
from painreg.registry.models import Occasion, OccasionKind, Registration, Unit
from painreg.tidy import personnummer as pnr

router = Router(auth=core.AUTH)
R = core.responses

# --- units ---------------------------------------------------------------------


def _unit_out(unit: Unit, user: Any) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "region": unit.region_id,
        "care_level": unit.care_level,
        "hsa_id": unit.hsa_id,
        "roles": sorted(access.roles_in(user, unit)),
    }


@router.get("/units", response=R(list[s.UnitOut]), tags=["units"], summary="The token's units")
def list_units(request: HttpRequest) -> list[dict[str, Any]]:
    return [_unit_out(u, request.user) for u in core.units(request)]


@router.get("/units/{unit_id}", response=R(s.UnitOut), tags=["units"], summary="One unit")
def get_unit(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    return _unit_out(core.unit(request, unit_id), request.user)


# --- registrations ---------------------------------------------------------------


def _occasion_summary(occasion: Occasion) -> dict[str, Any]:
    window = occasion.due
    return {
        "kind": occasion.kind,
        "status": occasion.status,
        "due_from": window[0] if window else None,
        "due_to": window[1] if window else None,
        "signed_off_at": occasion.signed_off_at,
        "not_administered": occasion.not_administered or {},
    }


def _issues(issues: list[validation.Issue]) -> list[dict[str, str]]:
    return [{"field": i.field, "code": i.code, "message": i.message} for i in issues]


def _summary(reg: Registration) -> dict[str, Any]:
    return {
        "id": reg.pk,
        "registration_id": reg.public_id,
        "unit_id": reg.unit_id,
        "unit_code": reg.unit.code,
        "category": reg.category,
        "referral_date": reg.referral_date,
        "first_visit_date": reg.first_visit_date,
        "rehab_start_date": reg.rehab_start_date,
        "rehab_end_date": reg.rehab_end_date,
        "discontinued": reg.discontinued,
        "signed_off_at": reg.signed_off_at,
        "updated_at": reg.updated_at,
    }


def _order() -> list[str]:
    return [k.value for k in OccasionKind]


def _registration_out(reg: Registration) -> dict[str, Any]:
    patient = reg.patient
    occasions = sorted(reg.occasions.all(), key=lambda o: _order().index(o.kind))
    return {
        **_summary(reg),
        "patient_id": patient.pk,
        "personnummer": patient.personnummer,
        "external_id": patient.external_id,
        "opted_out": patient.opted_out_at is not None,
        "discontinuation_reason": reg.discontinuation_reason,
        "main_diagnosis": reg.main_diagnosis,
        "secondary_diagnoses": list(reg.secondary_diagnoses or []),
        "education": reg.education,
        "work_measures": list(reg.work_measures or []),
        "programme": list(reg.programme or []),
        "occasions": [_occasion_summary(o) for o in occasions],
        "warnings": _issues(validation.registration_warnings(reg)),
    }


def _log(request: HttpRequest, action: str, patient: Any, unit: Unit, detail: str = "") -> None:
    audit.log_access(
        user=request.user,
        action=action,
        patient=patient,
        unit=unit,
        detail=core.log_detail(request, detail),
    )


def _read_registration(request: HttpRequest, reg: Registration) -> dict[str, Any]:
    _log(request, AccessAction.VIEW_REGISTRATION, reg.patient, reg.unit)
    return _registration_out(reg)


class RegistrationFilter(Schema):
    unit_id: int | None = None
    signed_off: bool | None = None
    updated_since: dt.datetime | None = None
    limit: int = 100
    offset: int = 0


@router.get(
    "/registrations",
    response=R(list[s.RegistrationSummary]),
    tags=["registrations"],
    summary="Registrations of the token's units (no identities; newest change first)",
)
def list_registrations(
    request: HttpRequest, filters: Query[RegistrationFilter]
) -> list[dict[str, Any]]:
    units = core.units(request)
    if filters.unit_id is not None:
        units = [core.unit(request, filters.unit_id)]
    if not 1 <= filters.limit <= 1000 or filters.offset < 0:
        raise ValidationError(
            {"limit": ["limit is 1 to 1000 and offset not negative"]}, code="range"
        )
    scope = Q(pk__in=[])
    for unit in units:
        scope |= Q(pk__in=access.registrations_for(request.user, unit).values("pk"))
    qs = Registration.objects.filter(scope).select_related("unit")
    if filters.signed_off is not None:
        qs = qs.filter(signed_off_at__isnull=not filters.signed_off)
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    qs = qs.order_by("-updated_at", "-pk")[filters.offset : filters.offset + filters.limit]
    return [_summary(r) for r in qs]


@router.post(
    "/registrations/search",
    response=R(list[s.RegistrationOut]),
    tags=["registrations"],
    summary="A patient's registrations at the token's units, by personnummer (in the body)",
)
def search_registrations(request: HttpRequest, payload: s.PatientSearch) -> list[dict[str, Any]]:
    try:
        pnr.parse(payload.personnummer)
    except pnr.PersonnummerError as exc:
        lang = (get_language() or "sv")[:2]
        raise ValidationError({"personnummer": [exc.message(lang)]}, code=exc.code) from None
    out = []
    for unit in core.units(request):
        patient = access.find_patient_in_unit(request.user, unit, payload.personnummer)
        if patient is None:
            continue
        _log(request, AccessAction.SEARCH, patient, unit)
        for reg in access.registrations_for(request.user, unit, patient):
            out.append(_read_registration(request, reg))
    return out


def _form_data(payload: s.RegistrationFields) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in payload.dict().items():
        if isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif name == "secondary_diagnoses":
            data[name] = "; ".join(value)
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    return data


@router.post(
    "/registrations",
    response=R(s.RegistrationOut, 201),
    tags=["registrations"],
    summary="Register a patient (the web form's validation)",
)
def create_registration(request: HttpRequest, payload: s.RegistrationCreate) -> Status:
    core.require_write(request)
    if payload.unit_id is not None:
        unit = core.unit(request, payload.unit_id)
    else:
        units = list(core.units(request)[:2])
        if len(units) != 1:
            raise ValidationError({"unit_id": ["give the unit (the token reaches several)"]})
        unit = units[0]
    form = RegistrationForm(_form_data(payload), with_personnummer=True)
    if not form.is_valid():
        raise core.FormInvalid(core.form_errors(form))
    try:
        registration = actions.create_registration(
            user=request.user,
            unit=unit,
            personnummer=form.cleaned_data["personnummer"],
            **form.registration_values(),
        )
    except ValidationError as exc:
        refused = getattr(exc, "patient", None)
        if refused is not None:
            # As the web form: the refused attempt is in the patient's own extract.
            audit.log_access(
                user=request.user, action=AccessAction.SEARCH, patient=refused, unit=None,
                detail=core.log_detail(request, f"registrering nekad ({unit.code})"),
            )  # fmt: skip
        raise
    registration = Registration.objects.select_related("patient", "unit").get(pk=registration.pk)
    return Status(201, _read_registration(request, registration))


@router.get(
    "/registrations/{registration_id}",
    response=R(s.RegistrationOut),
    tags=["registrations"],
    summary="One registration with the patient's identity (logged)",
)
def get_registration(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    return _read_registration(request, core.registration(request, registration_id))


@router.put(
    "/registrations/{registration_id}",
    response=R(s.RegistrationOut),
    tags=["registrations"],
    summary="Change a registration: every field, as the web form (a reason once signed off)",
)
def update_registration(
    request: HttpRequest, registration_id: int, payload: s.RegistrationUpdate
) -> dict[str, Any]:
    core.require_write(request)
    reg = core.registration(request, registration_id)
    form = RegistrationForm(_form_data(payload), needs_reason=reg.signed_off)
    if not form.is_valid():
        raise core.FormInvalid(core.form_errors(form))
    actions.update_registration(
        user=request.user,
        registration=reg,
        reason=form.cleaned_data.get("reason", ""),
        **form.registration_values(),
    )
    return _read_registration(request, core.registration(request, registration_id))


@router.post(
    "/registrations/{registration_id}/sign-off",
    response=R(s.RegistrationOut),
    tags=["registrations"],
    summary="Sign off (klarmarkera) a registration",
)
def sign_off_registration(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    core.require_write(request)
    reg = core.registration(request, registration_id)
    actions.sign_off_registration(user=request.user, registration=reg)
    return _read_registration(request, core.registration(request, registration_id))


# --- occasions, answers and scores ---------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in OccasionKind.values:
        raise HttpError(404, "Not found.")
    return kind


def _occasion_out(occasion: Occasion) -> dict[str, Any]:
    return {
        **_occasion_summary(occasion),
        "registration_id": occasion.registration_id,
        "answers": [
            {"item": a.item, "value": a.value, "answered_on": a.answered_on, "source": a.source}
            for a in occasion.answers.order_by("item")
        ],
        "scores": [
            {"instrument": sc.instrument, "score": sc.score, "value": sc.value}
            for sc in occasion.scores.order_by("instrument", "score")
        ],
        "signoff_problems": (
            [] if occasion.signed_off else _issues(validation.occasion_signoff_problems(occasion))
        ),
    }


def _read_occasion(request: HttpRequest, occasion: Occasion, detail: str = "") -> dict[str, Any]:
    reg = occasion.registration
    _log(request, AccessAction.VIEW_ANSWERS, reg.patient, reg.unit, detail or occasion.kind)
    return _occasion_out(occasion)


def _occasion(request: HttpRequest, registration_id: int, kind: str) -> Occasion:
    return core.occasion(request, registration_id, _kind(kind))


@router.get(
    "/registrations/{registration_id}/occasions",
    response=R(list[s.OccasionSummary]),
    tags=["occasions"],
    summary="The registration's occasions and their status",
)
def list_occasions(request: HttpRequest, registration_id: int) -> list[dict[str, Any]]:
    reg = core.registration(request, registration_id)
    _log(request, AccessAction.VIEW_REGISTRATION, reg.patient, reg.unit, "occasions")
    occasions = sorted(reg.occasions.all(), key=lambda o: _order().index(o.kind))
    return [_occasion_summary(o) for o in occasions]


@router.get(
    "/registrations/{registration_id}/occasions/{kind}",
    response=R(s.OccasionOut),
    tags=["occasions"],
    summary="One occasion with its answers and scores (logged)",
)
def get_occasion(request: HttpRequest, registration_id: int, kind: str) -> dict[str, Any]:
    return _read_occasion(request, _occasion(request, registration_id, kind))


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@router.put(
    "/registrations/{registration_id}/occasions/{kind}/answers/{instrument}",
    response=R(s.AnswersSaved),
    tags=["occasions"],
    summary="Save the answers to one instrument (all its items; the paper form's entry)",
)
def save_answers(
    request: HttpRequest, registration_id: int, kind: str, instrument: str, payload: s.AnswersIn
) -> dict[str, Any]:
    core.require_write(request)
    occasion = _occasion(request, registration_id, kind)
    try:
        definition = instruments.get_instrument(instrument)
    except instruments.InstrumentError:
        raise HttpError(404, "Not found.") from None
    unknown = sorted(set(payload.answers) - set(definition.item_ids))
    if unknown:
        raise core.FormInvalid(
            [
                {
                    "field": f"answers.{item}",
                    "code": "unknown_item",
                    "message": f"{item} is not an item of {definition.id}",
                }
                for item in unknown
            ]
        )
    data: dict[str, Any] = {
        "answered_on": payload.answered_on.isoformat(),
        "reason": payload.reason,
    }
    for item, value in payload.answers.items():
        data[item] = "" if value is None else _code(value)
    form = InstrumentAnswersForm(data, instrument=definition, needs_reason=occasion.signed_off)
    if not form.is_valid():
        errors = core.form_errors(form)
        for error in errors:
            if error["field"] in definition.item_ids:
                error["field"] = f"answers.{error['field']}"
        raise core.FormInvalid(errors)
    warnings = actions.save_answers(
        user=request.user,
        occasion=occasion,
        answers=form.answers(),
        answered_on=form.cleaned_data["answered_on"],
        reason=form.cleaned_data.get("reason", ""),
    )
    occasion = _occasion(request, registration_id, kind)
    return {
        "occasion": _read_occasion(request, occasion, f"{occasion.kind} {definition.id}"),
        "warnings": _issues(warnings),
    }


@router.put(
    "/registrations/{registration_id}/occasions/{kind}/not-administered/{instrument}",
    response=R(s.OccasionOut),
    tags=["occasions"],
    summary="Mark an instrument as not administered (reason null removes the mark)",
)
def set_not_administered(
    request: HttpRequest,
    registration_id: int,
    kind: str,
    instrument: str,
    payload: s.NotAdministeredIn,
) -> dict[str, Any]:
    core.require_write(request)
    occasion = _occasion(request, registration_id, kind)
    reason = (payload.reason or "").strip() or None
    actions.set_not_administered(
        user=request.user, occasion=occasion, instrument=instrument, reason=reason
    )
    return _read_occasion(request, _occasion(request, registration_id, kind))


@router.post(
    "/registrations/{registration_id}/occasions/{kind}/sign-off",
    response=R(s.OccasionOut),
    tags=["occasions"],
    summary="Sign off (klarmarkera) an occasion",
)
def sign_off_occasion(request: HttpRequest, registration_id: int, kind: str) -> dict[str, Any]:
    core.require_write(request)
    occasion = _occasion(request, registration_id, kind)
    actions.sign_off_occasion(user=request.user, occasion=occasion)
    return _read_occasion(request, _occasion(request, registration_id, kind))


# --- invitations ------------------------------------------------------------------


def _invitation_out(request: HttpRequest, invitation: Invitation) -> dict[str, Any]:
    occasion = invitation.occasion
    link = None
    if invitation.answerable:
        link = public_link(request, eprom_actions.token_of(invitation))
    return {
        "id": invitation.pk,
        "registration_id": occasion.registration_id,
        "occasion": occasion.kind,
        "status": invitation.status,
        "state": eprom_status.state_of(occasion, invitation),
        "instruments": list(invitation.instruments or []),
        "created_at": invitation.created_at,
        "valid_until": invitation.valid_until,
        "opened_at": invitation.opened_at,
        "submitted_at": invitation.submitted_at,
        "locked": invitation.locked,
        "link": link,
    }


@router.post(
    "/registrations/{registration_id}/occasions/{kind}/invitations",
    response=R(s.InvitationOut, 201),
    tags=["invitations"],
    summary="Invite the patient to answer the occasion (revokes an open invitation)",
)
def create_invitation(
    request: HttpRequest, registration_id: int, kind: str, payload: s.InvitationCreate
) -> Status:
    core.require_write(request)
    occasion = _occasion(request, registration_id, kind)
    form = InviteForm(payload.dict())
    if not form.is_valid():
        raise core.FormInvalid(core.form_errors(form))
    invitation, _token = eprom_actions.create_invitation(
        user=request.user, occasion=occasion, **form.cleaned_data
    )
    reg = occasion.registration
    _log(
        request,
        AccessAction.VIEW_REGISTRATION,
        reg.patient,
        reg.unit,
        f"eprom invitation {invitation.pk}",
    )
    return Status(201, _invitation_out(request, invitation))


@router.get(
    "/invitations/{invitation_id}",
    response=R(s.InvitationOut),
    tags=["invitations"],
    summary="An invitation's status",
)
def get_invitation(request: HttpRequest, invitation_id: int) -> dict[str, Any]:
    for unit in core.units(request):
        invitation = (
            Invitation.objects.select_related("occasion__registration__patient")
            .filter(
                pk=invitation_id,
                occasion__registration__in=access.registrations_for(request.user, unit),
            )
            .first()
        )
        if invitation is not None:
            reg = invitation.occasion.registration
            _log(
                request,
                AccessAction.VIEW_REGISTRATION,
                reg.patient,
                unit,
                f"eprom invitation {invitation.pk}",
            )
            return _invitation_out(request, invitation)
    raise HttpError(404, "Not found.")


# --- indicators -------------------------------------------------------------------


def _codes(name: str) -> Any:
    """The filter's codes as a ``Literal`` (an enum in the OpenAPI schema)."""
    return Literal[tuple(code for code, _label in FILTER_CHOICES[name])]  # type: ignore[misc]


class IndicatorQuery(Schema):
    year_from: int | None = Field(None, ge=FIRST_YEAR, description="default: year_to")
    year_to: int | None = Field(None, ge=FIRST_YEAR, description="default: last year")
    sex: _codes("sex") | None = None  # type: ignore[valid-type]
    age_group: _codes("age_group") | None = None  # type: ignore[valid-type]
    education: _codes("education") | None = None  # type: ignore[valid-type]
    programme: _codes("programme") | None = None  # type: ignore[valid-type]
    diagnosis: str | None = Field(
        None, pattern=r"^[A-Za-z][0-9A-Za-z.]{1,5}$", description="ICD-10 code or its start"
    )


def _share(row: Any) -> dict[str, Any]:
    share = row.share
    shown = row.shown
    return {
        "label": row.label,
        "numerator": share.numerator if (row.own or share.shown) else None,
        "denominator": share.denominator if (row.own or share.shown) else None,
        "share": (share.numerator / share.denominator)
        if (row.own and share.denominator)
        else (share.share if shown else None),
        "low": share.low if shown else None,
        "high": share.high if shown else None,
        "status": share.status,
        "own": row.own,
    }


@router.get(
    "/units/{unit_id}/indicators",
    response=R(s.IndicatorsOut),
    tags=["indicators"],
    summary="The unit's indicators for a period and patient group (the dashboard's numbers)",
)
def unit_indicators(
    request: HttpRequest, unit_id: int, query: Query[IndicatorQuery]
) -> dict[str, Any]:
    token = core.token_of(request)
    if token.unit_id is not None:
        unit = core.unit(request, unit_id)
    else:
        unit = access.dashboard_units_for(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise HttpError(404, "Not found.")
    last = dt.date.today().year
    year_to = query.year_to or last - 1
    year_from = query.year_from or year_to
    if year_to > last or year_from > year_to or year_to - year_from >= MAX_YEARS:
        raise ValidationError(
            {
                "year_from": [
                    f"a period of whole years, {FIRST_YEAR}-{last}, at most {MAX_YEARS} years, "
                    "year_from not after year_to"
                ]
            },
            code="period",
        )
    params = {"fran": year_from, "till": year_to}
    params.update({name: getattr(query, name) for name in [*FILTER_CHOICES, "diagnosis"]})
    selection = selection_from({k: v for k, v in params.items() if v is not None})
    own = access.units_for(request.user).filter(pk=unit.pk).exists()
    names = dict(Unit.objects.filter(care_level=unit.care_level).values_list("code", "name"))
    dashboard = cached_dashboard(
        UnitInfo(unit.code, unit.name, unit.care_level),
        selection,
        own=own,
        unit_names=names,
        charts=False,
    )
    return {
        "unit_id": unit.pk,
        "unit_code": unit.code,
        "year_from": selection.year_from,
        "year_to": selection.year_to,
        "selection": selection.describe(),
        "own": own,
        "measures": [
            {
                "key": m.key,
                "title": m.title,
                "what": m.what,
                "unit": _share(m.unit),
                "national": _share(m.national),
                "others": [_share(o) for o in m.others],
            }
            for m in dashboard.measures
        ],
    }


# --- the coordinator's export -------------------------------------------------------


class ExportQuery(Schema):
    format: str = "csv"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit: list[str] | None = None


_ZIP = {
    200: {
        "description": "The interchange tables (pseudonymised) in a ZIP file",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/export",
    response=core.ERRORS,
    tags=["export"],
    summary="The interchange export, pseudonymised (national coordinator)",
    openapi_extra={"responses": _ZIP},
)
def export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    from painreg.errors import UserError
    from painreg.interop.export import export_register

    token = core.token_of(request)
    if token.unit_id is not None or not access.is_national_coordinator(request.user):
        raise PermissionDenied("the export is for the national coordinator's token")
    if query.format not in ("csv", "parquet"):
        raise ValidationError({"format": ["csv or parquet"]}, code="format")
    with tempfile.TemporaryDirectory(prefix="painreg-api-export-") as tmp:
        try:
            result = export_register(
                Path(tmp) / "export",
                format=query.format,
                units=query.unit or None,
                date_from=query.date_from,
                date_to=query.date_to,
                pseudonymised=True,
                username=request.user.get_username(),
                user=request.user,
            )
        except UserError as exc:
            raise ValidationError({"__all__": [str(exc)]}, code="export") from None
        archive = Path(tmp) / "export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(Path(result.directory).iterdir()):
                zf.write(path, path.name)
        response = HttpResponse(archive.read_bytes(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="painreg-export.zip"'
    return response
