"""Every write of source-data validation: atomic, checked, audited.

The habit of :mod:`painreg.registry.actions`: keyword-only arguments, the
user's right checked first (``user=None`` is the system: a command run by an
operator), bad input refused with ``ValidationError`` keyed by field (nothing
written), one audit event per write in the same transaction. Sampled
registrations and recorded values are patient data: written inside
``writes_allowed``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from painreg import audit
from painreg.analytics import validation as v
from painreg.registry import access
from painreg.registry import actions as registry_actions
from painreg.registry.guard import writes_allowed
from painreg.registry.models import Membership, Role, Unit
from painreg.registry.validation import Findings, raise_errors
from painreg.verification import results
from painreg.verification.access import samples_for_validator
from painreg.verification.models import RecordedValue, SampledRegistration, ValidationRound

P = ParamSpec("P")
R = TypeVar("R")

SYSTEM = "system"
#: Bounds the database columns hold on every engine (the form offers the same).
MAX_SAMPLE = 1000
MAX_SEED = 2**31 - 1


def _action(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), writes_allowed():
            return func(*args, **kwargs)

    return wrapper


def _require_coordinator(user: Any) -> None:
    if user is not None and not access.is_national_coordinator(user):
        raise PermissionDenied


def _event(
    user: Any,
    name: str,
    obj: Any,
    *,
    unit: Unit | None = None,
    patient: Any = None,
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> None:
    audit.record_event(
        user=user,
        username=username if username is not None else (None if user else SYSTEM),
        action=name,
        unit=unit,
        patient=patient,
        obj=obj,
        detail=detail,
    )


@_action
def create_round(
    *,
    user: Any,
    name: str,
    year_from: int,
    year_to: int,
    units: Sequence[Unit],
    sample_size: int,
    groups: Sequence[str],
    items: Sequence[str] = (),
    seed: int,
    username: str | None = None,
) -> ValidationRound:
    """A new validation round (the coordinator's)."""
    _require_coordinator(user)
    found = Findings()
    if not (name or "").strip():
        found.error("name", "required", "Ange ett namn.", "Give a name.")
    if year_to < year_from:
        found.error(
            "year_to",
            "years_order",
            "Slutåret är före startåret.",
            "The last year is before the first.",
        )
    if not units:
        found.error("units", "required", "Välj minst en enhet.", "Choose at least one unit.")
    if not 1 <= sample_size <= MAX_SAMPLE:
        found.error(
            "sample_size",
            "sample_size",
            f"Stickprovet per enhet måste vara 1-{MAX_SAMPLE}.",
            f"The sample per unit must be 1-{MAX_SAMPLE}.",
        )
    if len(name or "") > 200:
        found.error(
            "name",
            "too_long",
            "Namnet är för långt (högst 200 tecken).",
            "The name is too long (at most 200 characters).",
        )
    for field_name, year in (("year_from", year_from), ("year_to", year_to)):
        if not 2000 <= year <= 2100:
            found.error(
                field_name, "year", "Året måste vara 2000-2100.", "The year must be 2000-2100."
            )
    unknown_groups = sorted(set(groups) - set(v.GROUPS))
    if not groups and not items:
        found.error(
            "groups",
            "required",
            "Välj minst en variabel eller enkätfråga.",
            "Choose at least one variable or questionnaire item.",
        )
    if unknown_groups:
        found.error(
            "groups",
            "unknown",
            f"Okända variabler: {', '.join(unknown_groups)}.",
            f"Unknown variables: {', '.join(unknown_groups)}.",
        )
    unknown = results.unknown_items(items)
    if unknown:
        found.error(
            "items",
            "unknown_item",
            f"Okända enkätfrågor: {', '.join(unknown)}.",
            f"Unknown questionnaire items: {', '.join(unknown)}.",
        )
    if not 0 <= seed <= MAX_SEED:
        found.error(
            "seed",
            "seed",
            f"Slumpfröet måste vara ett heltal 0-{MAX_SEED}.",
            f"The seed must be a whole number 0-{MAX_SEED}.",
        )
    raise_errors(found)
    round_ = ValidationRound.objects.create(
        name=name.strip(),
        year_from=year_from,
        year_to=year_to,
        sample_size=sample_size,
        groups=[g for g in v.GROUPS if g in set(groups)],
        items=list(dict.fromkeys(items)),
        seed=seed,
        created_by=user if getattr(user, "pk", None) else None,
    )
    round_.units.set(units)
    _event(
        user,
        "validation.round_create",
        round_,
        detail={
            "name": round_.name,
            "years": [year_from, year_to],
            "units": sorted(u.code for u in units),
            "sample_size": sample_size,
            "groups": round_.groups,
            "items": round_.items,
            "seed": seed,
        },
        username=username,
    )
    return round_


@_action
def assign_validator(
    *, user: Any, round_: ValidationRound, member: Any, username: str | None = None
) -> None:
    """Make ``member`` a validator of the round: the validator role at each of its units."""
    _require_coordinator(user)
    if access.is_national_coordinator(member):
        raise ValidationError(
            {
                "username": [
                    ValidationError(
                        _text(
                            "Koordinatorn ser resultat, inte identiteter: välj någon annan.",
                            "The coordinator sees results, not identities: choose someone else.",
                        ),
                        code="coordinator",
                    )
                ]
            }
        )
    for unit in round_.units.all():
        registry_actions.add_membership(user=user, member=member, role=Role.VALIDATOR, unit=unit)
    round_.validators.add(member)
    _event(
        user,
        "validation.validator_add",
        round_,
        detail={"member": member.get_username()},
        username=username,
    )


@_action
def remove_validator(*, user: Any, round_: ValidationRound, member: Any) -> None:
    """Take ``member`` off the round; their validator role stays at units where another
    of their rounds needs it."""
    _require_coordinator(user)
    round_.validators.remove(member)
    needed = set(ValidationRound.objects.filter(validators=member).values_list("units", flat=True))
    for membership in Membership.objects.filter(user=member, role=Role.VALIDATOR):
        if membership.unit_id not in needed:
            registry_actions.remove_membership(user=user, membership=membership)
    _event(user, "validation.validator_remove", round_, detail={"member": member.get_username()})


@_action
def draw_sample(
    *, user: Any, round_: ValidationRound, username: str | None = None
) -> list[SampledRegistration]:
    """Draw and store the round's sample (once; the same seed and data give the same)."""
    _require_coordinator(user)
    round_ = ValidationRound.objects.select_for_update().get(pk=round_.pk)
    if round_.drawn:
        raise ValidationError(
            {
                "round": [
                    ValidationError(
                        _text("Stickprovet är redan draget.", "The sample is already drawn."),
                        code="drawn",
                    )
                ]
            }
        )
    eligible = results.eligible_registrations(round_)
    drawn = v.draw_sample(
        {u: list(regs) for u, regs in eligible.items()}, round_.sample_size, round_.seed
    )
    samples = []
    number = 0
    for unit_code, ids in drawn.items():
        for registration_id in ids:
            number += 1
            registration = eligible[unit_code][registration_id]
            samples.append(
                SampledRegistration.objects.create(
                    round=round_,
                    registration=registration,
                    unit=registration.unit,
                    number=number,
                    variables=results.sample_variables(round_, registration),
                )
            )
    round_.drawn_at = timezone.now()
    round_.save(update_fields=["drawn_at"])
    _event(
        user,
        "validation.draw",
        round_,
        detail={
            "seed": round_.seed,
            "sampled": {u: len(ids) for u, ids in drawn.items()},
            "eligible": {u: len(regs) for u, regs in eligible.items()},
        },
        username=username,
    )
    return samples


#: One variable's entry: (the value found in the record, "not found").
Entry = tuple[str | None, bool]


@_action
def record_values(
    *, user: Any, sample: SampledRegistration, entries: Mapping[str, Entry]
) -> list[RecordedValue]:
    """The validator's blind entry for one sampled registration, saved once.

    ``entries`` maps a variable of the sample to (value, not found); a
    variable left out, or with neither, was not checked. The register's
    value is stored beside each entry as it is now.
    """
    if (
        user is not None
        and not samples_for_validator(user, sample.round).filter(pk=sample.pk).exists()
    ):
        raise PermissionDenied
    sample = SampledRegistration.objects.select_for_update().get(pk=sample.pk)
    if sample.completed:
        raise ValidationError(
            {
                "__all__": [
                    ValidationError(
                        _text(
                            "Registreringen är redan validerad.",
                            "This registration is already validated.",
                        ),
                        code="completed",
                    )
                ]
            }
        )
    found = Findings()
    rows = []
    for variable, (value, not_found) in entries.items():
        if variable not in sample.variables:
            found.error(
                variable,
                "unknown",
                "Variabeln ingår inte i stickprovet.",
                "The variable is not part of the sample.",
            )
            continue
        text = (value or "").strip()
        if text and not_found:
            found.error(
                variable,
                "both",
                "Ange ett värde eller 'hittades inte', inte båda.",
                "Give a value or 'not found', not both.",
            )
            continue
        if not text and not not_found:
            continue
        try:
            normalised = v.normalise(variable, text) if text else None
        except ValueError:
            found.error(
                variable,
                "invalid",
                "Värdet går inte att tolka för variabeln.",
                "The value does not fit the variable.",
            )
            continue
        registered = results.registered_value(sample.registration, variable)
        rows.append(
            RecordedValue(
                sample=sample,
                variable=variable,
                value=normalised or "",
                not_found=not_found,
                registered=registered or "",
                entered_by=user if getattr(user, "pk", None) else None,
            )
        )
    if not rows and not found.errors:
        found.error(
            "__all__",
            "nothing_checked",
            "Inget är ifyllt: ange minst ett värde eller 'hittades inte'.",
            "Nothing is entered: give at least one value or 'not found'.",
        )
    raise_errors(found)
    for row in rows:
        row.save()
    sample.completed_at = timezone.now()
    sample.completed_by = user if getattr(user, "pk", None) else None
    sample.save(update_fields=["completed_at", "completed_by"])
    outcomes = [results.outcome(r) for r in rows]
    _event(
        user,
        "validation.record",
        sample,
        unit=sample.unit,
        patient=sample.registration.patient,
        detail={
            "round": sample.round_id,
            "checked": len(rows),
            "agreed": outcomes.count(v.AGREE),
            "variables": len(sample.variables),
        },
    )
    return rows


def _text(sv: str, en: str) -> str:
    from django.utils.translation import get_language

    return en if (get_language() or "sv").startswith("en") else sv
