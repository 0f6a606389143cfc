"""Occasions: status, items not administered, sign-off and reopening."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from painreg.registry import validation
from painreg.registry.actions._common import (
    _field_error,
    _need_reason,
    _refuse,
    _registration_event,
    _require,
    _stamp,
    action,
)
from painreg.registry.models import (
    ENTRY_ROLES,
    Occasion,
    OccasionKind,
    OccasionStatus,
)


def _occasion_status(occasion: Occasion, items: set[str] | None = None) -> str:
    """``items``: the occasion's answered items when the caller has them (read otherwise)."""
    if items is None:
        items = set(occasion.answers.values_list("item", flat=True))
    return validation.status_from_items(
        items,
        not_administered=occasion.not_administered or {},
        signed_off=occasion.signed_off_at is not None,
    )


def _set_status(
    occasion: Occasion, user: Any, reason: str = "", items: set[str] | None = None
) -> None:
    status = _occasion_status(occasion, items)
    if status != occasion.status:
        occasion.status = status
        _stamp(occasion, user, reason)
        occasion.save(update_fields=["status"])


@action
def set_not_administered(
    *, user: Any, occasion: Occasion, instrument: str, reason: str | None
) -> Occasion:
    """Mark an instrument as not administered at the occasion (``reason=None`` unmarks)."""
    from painreg import instruments

    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    try:
        instruments.get_instrument(instrument)
    except instruments.InstrumentError as exc:
        raise _field_error("instrument", str(exc), "instrument") from None
    marks = dict(occasion.not_administered or {})
    if reason is None:
        marks.pop(instrument, None)
    else:
        if not reason.strip():
            raise _field_error(
                "reason",
                validation.Issue(
                    "reason",
                    "not_administered_reason",
                    "Ange varför instrumentet inte administrerades.",
                    "Give the reason the instrument was not administered.",
                ).message,
                "not_administered_reason",
            )
        marks[instrument] = reason.strip()
    if marks == (occasion.not_administered or {}):
        return occasion
    if occasion.signed_off:
        raise _field_error(
            "instrument",
            validation.Issue(
                "instrument",
                "signed_off",
                "Tillfället är klarmarkerat; öppna det först.",
                "The occasion is signed off; reopen it first.",
            ).message,
            "signed_off",
        )
    occasion.not_administered = marks
    _stamp(occasion, user)
    occasion.save(update_fields=["not_administered"])
    _set_status(occasion, user)
    _registration_event(
        user=user,
        name="occasion.not_administered",
        registration=occasion.registration,
        obj=occasion,
        detail={"instrument": instrument, "reason": reason},
    )
    return occasion


@action
def sign_off_occasion(*, user: Any, occasion: Occasion) -> Occasion:
    """Klarmarkering of an occasion; refused (ValidationError) with every reason."""
    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    if occasion.signed_off:
        return occasion
    _refuse(validation.occasion_signoff_problems(occasion))
    occasion.signed_off_at = timezone.now()
    occasion.signed_off_by = user if getattr(user, "pk", None) else None
    occasion.status = OccasionStatus.SIGNED_OFF
    _stamp(occasion, user)
    occasion.save()
    _registration_event(
        user=user,
        name="occasion.sign_off",
        registration=occasion.registration,
        obj=occasion,
        detail={"occasion": occasion.kind},
    )
    return occasion


@action
def reopen_occasion(*, user: Any, occasion: Occasion, reason: str) -> Occasion:
    """Undo an occasion's sign-off (with a reason)."""
    occasion = (
        Occasion.objects.select_for_update().select_related("registration").get(pk=occasion.pk)
    )
    _require(user, occasion.registration.unit, *ENTRY_ROLES)
    _need_reason(True, reason)
    if not occasion.signed_off:
        return occasion
    if occasion.kind == OccasionKind.INITIAL and occasion.registration.signed_off:
        # A signed-off registration needs its initial occasion signed off.
        raise _field_error(
            validation.NON_FIELD,
            validation.Issue(
                validation.NON_FIELD,
                "registration_signed_off",
                "Registreringen är klarmarkerad; öppna den först.",
                "The registration is signed off; reopen it first.",
            ).message,
            "registration_signed_off",
        )
    occasion.signed_off_at = None
    occasion.signed_off_by = None
    occasion.status = OccasionStatus.NOT_STARTED
    _stamp(occasion, user, reason)
    occasion.save()
    _set_status(occasion, user, reason)
    _registration_event(
        user=user,
        name="occasion.reopen",
        registration=occasion.registration,
        obj=occasion,
        reason=reason,
        detail={"occasion": occasion.kind},
    )
    return occasion
