"""Every write of a staff account's login state: enrolment, unlocking, resetting two-factor,
the HSA-id of single sign-on, and the single sign-on logins themselves (audited).

The habit of ``registry.actions``: keyword-only arguments, one transaction,
the right checked inside the action (``registry.access.staff_accounts_for``:
the unit manager for the unit's staff, the coordinator for everyone), an
audit event with the reason. A reset removes every TOTP device of the
person, so the next login after the password leads to enrolment; a session
the person still has loses its second factor with the device.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from painreg import audit
from painreg.accounts import otp
from painreg.accounts.models import ProviderIdentity
from painreg.registry import access
from painreg.registry.models import Unit


def _require_account(user: Any, member: Any, unit: Unit | None, reason: str) -> None:
    if not access.staff_accounts_for(user, unit).filter(pk=member.pk).exists():
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason (it is kept in the audit trail).")})


def _event(user: Any, name: str, member: Any, unit: Unit | None, **kwargs: Any) -> None:
    audit.record_event(
        user=user,
        action=name,
        unit=unit,
        obj=member,
        detail={"member": member.get_username()},
        **kwargs,
    )


@transaction.atomic
def unlock_account(*, user: Any, member: Any, unit: Unit | None, reason: str) -> int:
    """Clear the person's failed logins (every address); the number of records cleared."""
    _require_account(user, member, unit, reason)
    cleared = axes_reset(username=member.get_username())
    _event(user, "account.unlock", member, unit, reason=reason.strip())
    return cleared


@transaction.atomic
def reset_two_factor(*, user: Any, member: Any, unit: Unit | None, reason: str) -> None:
    """Remove the person's authenticator: they enrol a new one at their next login."""
    _require_account(user, member, unit, reason)
    TOTPDevice.objects.filter(user=member).delete()
    _event(user, "account.reset_two_factor", member, unit, reason=reason.strip())


def enrolment_device(member: Any) -> TOTPDevice:
    """The person's one unconfirmed device during enrolment, whichever session asks.

    Reused across sessions and reloads, so logging in with the password again
    does not add another device (the QR code stays the same until confirmed).
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=member, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=member, name=otp.DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, member: Any, device: TOTPDevice) -> None:
    """The right code was entered: the device counts from now on (audited)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=member, confirmed=False).delete()
    _event(member, "account.enrol", member, None)


@transaction.atomic
def set_hsa_id(*, user: Any, member: Any, unit: Unit | None, hsa_id: str, reason: str) -> None:
    """Set (or, empty, remove) the HSA-id the person signs in with through the region's IdP.

    An HSA-id belongs to one person: one held by another account is refused.
    """
    _require_account(user, member, unit, reason)
    hsa_id = hsa_id.strip().upper()
    old = ProviderIdentity.objects.filter(user=member).first()
    if not hsa_id:
        ProviderIdentity.objects.filter(user=member).delete()
    else:
        if ProviderIdentity.objects.filter(hsa_id=hsa_id).exclude(user=member).exists():
            raise ValidationError({"hsa_id": _("This HSA-id belongs to another account.")})
        identity = old or ProviderIdentity(user=member, name="HSA-id", confirmed=True)
        identity.hsa_id = hsa_id
        identity.full_clean(exclude=["user"])
        identity.save()
    audit.record_event(
        user=user,
        action="account.set_hsa_id",
        unit=unit,
        obj=member,
        reason=reason.strip(),
        detail={"member": member.get_username(), "old": old.hsa_id if old else "", "new": hsa_id},
    )


@transaction.atomic
def record_single_sign_on(*, identity: ProviderIdentity | None, outcome: str, detail: str) -> None:
    """A login through an OpenID provider, accepted or refused (``outcome``), in the audit trail."""
    audit.record_event(
        user=identity.user if identity is not None else None,
        username=identity.user.get_username() if identity is not None else "",
        action=f"login.oidc.{outcome}",
        detail={"detail": detail[:300]},
    )
