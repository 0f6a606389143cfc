"""Who sees which validation round and which sampled registration.

* The national coordinator sees every round and its results, never an
  identity: samples are shown by the round's running number and unit.
* A validator (``Role.VALIDATOR`` at a unit, and named a validator of the
  round) sees the round's sampled registrations at their units, with the
  patient's identity (they must find the medical record), and nothing
  else: no unit page, no other registration. The registrations come through
  :func:`painreg.registry.access.registrations_for_validator`; the views log
  each read with ``audit.log_access(patient=...)``.
* Anything else is "not found" (404), which does not reveal that it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from painreg.registry import access
from painreg.verification.models import SampledRegistration, ValidationRound


def rounds_for_coordinator(user: Any) -> QuerySet[ValidationRound]:
    if not access.is_national_coordinator(user):
        return ValidationRound.objects.none()
    return ValidationRound.objects.all()


def get_round_for_coordinator(user: Any, round_id: int | str) -> ValidationRound:
    try:
        return rounds_for_coordinator(user).get(pk=int(round_id))
    except (ValidationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def rounds_for_validator(user: Any) -> QuerySet[ValidationRound]:
    """Drawn rounds the user validates at one of their validator units at least."""
    units = access.validator_units(user)
    return (
        ValidationRound.objects.filter(
            validators=user, drawn_at__isnull=False, units__in=units
        ).distinct()
        if units.exists()
        else ValidationRound.objects.none()
    )


def get_round_for_validator(user: Any, round_id: int | str) -> ValidationRound:
    try:
        return rounds_for_validator(user).get(pk=int(round_id))
    except (ValidationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def samples_for_validator(user: Any, round_: ValidationRound) -> QuerySet[SampledRegistration]:
    """The round's sampled registrations the validator may open (identified)."""
    if not round_.validators.filter(pk=getattr(user, "pk", None)).exists():
        return SampledRegistration.objects.none()
    sampled = SampledRegistration.objects.filter(round=round_).values("registration_id")
    visible = access.registrations_for_validator(user, sampled)
    return (
        SampledRegistration.objects.filter(round=round_, registration__in=visible)
        .select_related("registration", "registration__patient", "unit")
        .order_by("number")
    )


def get_sample_for_validator(
    user: Any, round_id: int | str, sample_id: int | str
) -> SampledRegistration:
    round_ = get_round_for_validator(user, round_id)
    try:
        return samples_for_validator(user, round_).get(pk=int(sample_id))
    except (SampledRegistration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
