"""The one scoped entry point for reads of registry data.

Views, exports and commands fetch units, patients and registrations through
these functions only (the healthchecks ``_get_x_for_user`` habit, made one
module). Rules:

* A user sees a unit only through a unit membership (registrar, clinician,
  unit manager), and a patient only through a registration at such a unit:
  identifiable data is visible only to units that have a registration for
  the patient.
* Regional analysts and national coordinators never see a personnummer:
  they get :func:`pseudonymised_registrations`, which has no identifying
  column at all.
* Something outside the user's scope is "not found" (``Http404``), not
  "forbidden": the answer must not reveal that it exists.
* Deleted patients are invisible; opted-out patients remain visible to their
  units (staff must see the opt-out) but are excluded from every output
  (``in_register``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from painreg import audit
from painreg.audit.export import AuditExport, AuditFilter
from painreg.audit.export import collect as collect_audit
from painreg.audit.models import AccessAction, AccessLog, AuditEvent
from painreg.registry.models import (
    UNIT_ROLES,
    Membership,
    Occasion,
    Patient,
    Region,
    Registration,
    Role,
    Unit,
)
from painreg.tidy import personnummer as pnr

__all__ = [
    "AccessExtractRow",
    "access_extract",
    "access_log_for_unit",
    "analyst_regions",
    "audit_export_for",
    "current_unit",
    "dashboard_units_for",
    "find_patient_in_unit",
    "get_analyst_region_for_user",
    "get_occasion_for_user",
    "get_patient_for_user",
    "get_registration_for_user",
    "get_unit_for_user",
    "is_national_coordinator",
    "patients_for",
    "pseudonymised_registrations",
    "regions_for",
    "registrations_for",
    "registrations_for_validator",
    "require_role",
    "roles_in",
    "switch_unit",
    "units_for",
    "validator_units",
]


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def units_for(user: Any) -> QuerySet[Unit]:
    """Units the user belongs to through a unit role (the unit switcher's list)."""
    if not _authenticated(user):
        return Unit.objects.none()
    return Unit.objects.filter(
        memberships__user=user, memberships__role__in=[r.value for r in UNIT_ROLES]
    ).distinct()


def roles_in(user: Any, unit: Unit) -> set[str]:
    """The user's roles in ``unit`` (empty when not a member)."""
    if not _authenticated(user):
        return set()
    return set(Membership.objects.filter(user=user, unit=unit).values_list("role", flat=True))


def require_role(user: Any, unit: Unit, *roles: str) -> None:
    """PermissionDenied unless the user holds one of ``roles`` in ``unit``.

    Use after :func:`get_unit_for_user` (which already gives 404 to outsiders);
    this separates what members of a unit may do.
    """
    if not roles_in(user, unit) & {str(r) for r in roles}:
        raise PermissionDenied


def is_national_coordinator(user: Any) -> bool:
    return (
        _authenticated(user)
        and Membership.objects.filter(user=user, role=Role.NATIONAL_COORDINATOR).exists()
    )


def staff_accounts_for(user: Any, unit: Unit | None) -> QuerySet[Any]:
    """Accounts whose lockout and two-factor ``user`` may reset, never their own.

    The national coordinator: every account. A unit manager: the people with a
    unit role in ``unit`` (the current unit) where they manage it, except national
    coordinators, whom only a coordinator resets (and validators, who are no
    staff of the unit). Anyone else: none.
    """
    from django.contrib.auth import get_user_model

    accounts = get_user_model().objects.exclude(pk=getattr(user, "pk", None))
    if not _authenticated(user):
        return accounts.none()
    if is_national_coordinator(user):
        return accounts
    if not may_reset_accounts(user, unit):
        return accounts.none()
    return (
        # Staff of the unit; a validator there is the coordinator's, not the unit's.
        accounts.filter(memberships__unit=unit, memberships__role__in=[r.value for r in UNIT_ROLES])
        .exclude(memberships__role=Role.NATIONAL_COORDINATOR)
        .distinct()
    )


def may_reset_accounts(user: Any, unit: Unit | None) -> bool:
    """Whether the person has the account pages at all (coordinator, unit manager)."""
    return is_national_coordinator(user) or (
        unit is not None and Role.UNIT_MANAGER in roles_in(user, unit)
    )


def regions_for(user: Any) -> QuerySet[Region]:
    """Regions whose pseudonymised data the user may analyse (all for coordinators)."""
    if not _authenticated(user):
        return Region.objects.none()
    if is_national_coordinator(user):
        return Region.objects.all()
    return Region.objects.filter(
        memberships__user=user, memberships__role=Role.REGIONAL_ANALYST
    ).distinct()


def dashboard_units_for(user: Any) -> QuerySet[Unit]:
    """Units whose dashboard (counts, never patients) the user may open: their own
    units, and every unit of a region they analyse (all for coordinators)."""
    own = units_for(user).values_list("pk", flat=True)
    return Unit.objects.filter(Q(pk__in=list(own)) | Q(region__in=regions_for(user))).order_by(
        "name", "pk"
    )


def analyst_regions(user: Any) -> QuerySet[Region]:
    """The regions the user is a regional analyst of, by code (a coordinator's role aside)."""
    return (
        regions_for(user)
        .filter(memberships__user=user, memberships__role=Role.REGIONAL_ANALYST)
        .distinct()
        .order_by("code")
    )


def get_analyst_region_for_user(user: Any, code: str | None) -> Region:
    """A region the user is a regional analyst of (the first one when no code is given)."""
    regions = analyst_regions(user)
    region = regions.filter(code=code).first() if code else regions.first()
    if region is None:
        raise Http404
    return region


def get_unit_for_user(user: Any, unit_id: int | str) -> Unit:
    try:
        return units_for(user).get(pk=int(unit_id))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def validator_units(user: Any) -> QuerySet[Unit]:
    """Units where the user is a validator (source-data validation). Not membership of
    the unit: which registrations they may open is decided by their validation
    rounds' samples (``painreg.verification.access``), within these units only."""
    if not _authenticated(user):
        return Unit.objects.none()
    return Unit.objects.filter(memberships__user=user, memberships__role=Role.VALIDATOR).distinct()


def registrations_for_validator(user: Any, registration_ids: Any) -> QuerySet[Registration]:
    """Of ``registration_ids`` (the registrations sampled for the user's rounds), those at
    units where the user is a validator; patients who opted out after the draw, or were
    deleted, are left out (their data leaves every output, so there is nothing to check)."""
    return (
        Registration.objects.in_register()
        .filter(pk__in=registration_ids, unit__in=validator_units(user))
        .select_related("patient", "unit")
    )


def patients_for(user: Any, unit: Unit) -> QuerySet[Patient]:
    """Patients with a registration at ``unit``, if the user belongs to it."""
    if not units_for(user).filter(pk=unit.pk).exists():
        return Patient.objects.none()
    return Patient.objects.filter(registrations__unit=unit, deleted_at__isnull=True).distinct()


def get_patient_for_user(user: Any, unit: Unit, patient_id: int | str) -> Patient:
    try:
        return patients_for(user, unit).get(pk=int(patient_id))
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def find_patient_in_unit(user: Any, unit: Unit, text: str) -> Patient | None:
    """Search by personnummer within the unit. Raises ``PersonnummerError`` for an
    invalid number; ``None`` when the unit has no registration for the patient."""
    number = pnr.parse(text)
    return patients_for(user, unit).filter(personnummer=number.digits).first()


def registrations_for(
    user: Any, unit: Unit, patient: Patient | None = None
) -> QuerySet[Registration]:
    """The unit's registrations (optionally of one patient), if the user belongs to it."""
    if not units_for(user).filter(pk=unit.pk).exists():
        return Registration.objects.none()
    qs = Registration.objects.filter(unit=unit, patient__deleted_at__isnull=True)
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.select_related("patient", "unit")


def own_registrations(patient_id: int) -> QuerySet[Registration]:
    """A patient's own registrations at every unit, for the patient who proved with
    e-identification who they are (``eprom``'s own-answers page); the view logs the read."""
    return (
        Registration.objects.filter(patient_id=patient_id, patient__deleted_at__isnull=True)
        .select_related("patient", "unit")
        .prefetch_related("occasions__answers")
        .order_by("first_visit_date", "pk")
    )


def get_registration_for_user(user: Any, unit: Unit, registration_id: int | str) -> Registration:
    try:
        return registrations_for(user, unit).get(pk=int(registration_id))
    except (Registration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_occasion_for_user(user: Any, unit: Unit, registration_id: int | str, kind: str) -> Occasion:
    registration = get_registration_for_user(user, unit, registration_id)
    try:
        return registration.occasions.get(kind=kind)
    except Occasion.DoesNotExist:
        raise Http404 from None


#: The columns analysts get: no personnummer, no external id, no birth date.
PSEUDONYMISED_COLUMNS: tuple[str, ...] = (
    "id",
    "patient_id",
    "patient__sex",
    "patient__birth_year",
    "unit_id",
    "unit__code",
    "unit__region_id",
    "unit__care_level",
    "category",
    "first_visit_date",
    "rehab_start_date",
    "rehab_end_date",
    "discontinued",
    "discontinuation_reason",
    "main_diagnosis",
    "education",
    "signed_off_at",
)


def pseudonymised_registrations(user: Any) -> QuerySet:
    """Registrations of the user's regions (all for a national coordinator) as
    dictionaries without identifying columns; opted-out and deleted patients are
    excluded. ``patient_id`` is the database key, which means nothing outside."""
    regions = regions_for(user)
    return (
        Registration.objects.in_register()
        .filter(unit__region__in=regions)
        .values(*PSEUDONYMISED_COLUMNS)
    )


# The unit a person is working in right now (the unit switcher). A person may
# belong to several units and works in one at a time; its id is kept in the
# session and re-checked against the memberships on every request, so a
# membership removed by the unit manager takes effect at once.

SESSION_KEY = "painreg_unit_id"


def current_unit(request: HttpRequest) -> Unit | None:
    """The session's unit if the person still belongs to it, else their first unit."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_painreg_unit", False)
    if cached is not False:
        return cached
    units = units_for(request.user)
    unit = None
    unit_id = request.session.get(SESSION_KEY)
    if unit_id is not None:
        unit = units.filter(pk=unit_id).first()
    if unit is None:
        unit = units.order_by("name", "pk").first()
        if unit is not None:
            request.session[SESSION_KEY] = unit.pk
    request._painreg_unit = unit  # type: ignore[attr-defined]
    return unit


def switch_unit(request: HttpRequest, unit: Unit) -> None:
    """Make ``unit`` (already checked to be one of the person's) the current one."""
    request.session[SESSION_KEY] = unit.pk
    request._painreg_unit = unit  # type: ignore[attr-defined]


# The access log read back: the unit manager's browse and the patient's
# access extract (loggutdrag). Each read is itself logged.


def access_log_for_unit(*, user: Any, unit: Unit) -> QuerySet[AccessLog]:
    """The unit's access log, for its unit manager only (PermissionDenied otherwise).

    Browsing the log is itself logged.
    """

    require_role(user, unit, Role.UNIT_MANAGER)
    audit.log_access(user=user, action=AccessAction.BROWSE_ACCESS_LOG, unit=unit)
    return AccessLog.objects.filter(unit=unit).select_related("patient", "unit")


def audit_export_for(
    *, user: Any, selection: AuditFilter, username: str | None = None
) -> AuditExport:
    """The audit export (:mod:`painreg.audit.export`): for the national coordinator
    (anyone else: 404), or the operator's command (``user=None``, ``username`` set).

    The rows name patients by their internal id: the export is logged once, and
    once for each patient it names, so each patient's access extract lists it.
    """
    if user is not None and not is_national_coordinator(user):
        raise Http404
    export = collect_audit(selection)
    detail = f"audit export ({selection.describe()}): {len(export.rows)} rows"
    audit.log_access(user=user, username=username, action=AccessAction.EXPORT, detail=detail)
    audit.log_access_many(
        user=user,
        username=username,
        action=AccessAction.EXPORT,
        patient_ids=export.patient_ids,
        detail=detail,
    )
    return export


@dataclass(frozen=True)
class AccessExtractRow:
    at: dt.datetime
    username: str
    unit: str
    kind: str  # "access" | "change"
    action: str
    detail: str


def access_extract(
    personnummer: str, *, requested_by: str, user: Any = None, unit: Unit | None = None
) -> list[AccessExtractRow]:
    """The loggutdrag for one personnummer: every logged view and every change.

    ``unit`` limits it to one unit: a unit manager's extract (``user`` must be
    the unit's manager). Without it the extract covers the whole register: the
    operator's command only (``user=None``; a signed-in user gets
    PermissionDenied). Raises ``PersonnummerError`` for an invalid number and
    ``LookupError`` when the register holds no such patient. The extract
    itself is logged.
    """

    if user is not None:
        if unit is None:
            raise PermissionDenied
        require_role(user, unit, Role.UNIT_MANAGER)

    number = pnr.parse(personnummer)
    patients = Patient.objects.filter(personnummer=number.digits)
    if unit is not None:
        # A unit learns nothing about patients it has never registered.
        patients = patients.filter(registrations__unit=unit)
    patient = patients.first()
    if patient is None:
        raise LookupError(f"no patient with personnummer {number.formatted} in the register")
    views = AccessLog.objects.filter(patient=patient).select_related("unit")
    changes = AuditEvent.objects.filter(patient=patient).select_related("unit")
    if unit is not None:
        views, changes = views.filter(unit=unit), changes.filter(unit=unit)
    rows = [
        AccessExtractRow(
            at=v.at,
            username=v.username,
            unit=v.unit.name if v.unit_id and v.unit else "",
            kind="access",
            action=str(v.get_action_display()),
            detail=v.detail,
        )
        for v in views
    ] + [
        AccessExtractRow(
            at=c.at,
            username=c.username,
            unit=c.unit.name if c.unit_id and c.unit else "",
            kind="change",
            action=c.action,
            detail=c.reason,
        )
        for c in changes
    ]
    rows.sort(key=lambda r: (r.at, r.kind, r.action))
    audit.log_access(
        user=user,
        username=requested_by,
        action=AccessAction.ACCESS_EXTRACT,
        patient=patient,
        unit=unit,
        detail=f"{len(rows)} rader",
    )
    return rows
