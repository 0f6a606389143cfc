"""Every write of API tokens (create, revoke) and the look-up of a presented token.

The habit of ``registry.actions``: keyword-only, atomic, the right checked
inside, an audit event in the same transaction. The token is returned once,
by :func:`create_token`; only its SHA-256 is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from painreg import audit
from painreg.api.models import ApiToken, Scope
from painreg.registry import access
from painreg.registry.models import Unit

#: Secret scanners (GitHub's, gitleaks) find a token by this prefix.
PREFIX = "painreg_"
#: Characters of the token shown in lists and logged with each request.
SHOWN = len(PREFIX) + 6
MAX_DAYS = 366
#: ``last_used_at`` is written at most this often per token (one write, not one per request).
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=field)]})


@transaction.atomic
def create_token(
    *,
    user: Any,
    owner: Any,
    scope: str,
    days: int,
    unit: Unit | None = None,
    name: str = "",
    username: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``owner``; returns the row and the token (shown once, never stored).

    ``user`` is who creates it: the owner themself (the token page), or
    ``None`` for the operator's command (``username`` names the operator).
    The owner must belong to ``unit``; without a unit, have a role at all (a
    regional analyst's token reads indicators, a national coordinator's the export).
    """
    if user is not None and getattr(user, "pk", None) != getattr(owner, "pk", None):
        raise PermissionDenied
    if not owner.is_active:
        raise _error("user", f"the account {owner.get_username()!r} is not active")
    if scope not in Scope.values:
        raise _error("scope", f"scope must be one of {', '.join(Scope.values)}")
    if not 1 <= int(days) <= MAX_DAYS:
        raise _error("days", f"a token is valid for 1 to {MAX_DAYS} days")
    units = access.units_for(owner)
    if unit is not None and not units.filter(pk=unit.pk).exists():
        raise _error("unit", f"{owner.get_username()} does not belong to unit {unit.code}")
    if unit is None and not units.exists() and not access.regions_for(owner).exists():
        raise _error("unit", f"{owner.get_username()} has no role in the register")
    token = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    row = ApiToken.objects.create(
        user=owner,
        name=name.strip()[:100],
        prefix=token[:SHOWN],
        digest=digest(token),
        scope=scope,
        unit=unit,
        created_at=now,
        created_by=username if username is not None else owner.get_username(),
        expires_at=now + dt.timedelta(days=int(days)),
    )
    audit.record_event(
        user=user,
        username=username,
        action="api_token.create",
        unit=unit,
        obj=row,
        detail={
            "owner": owner.get_username(),
            "prefix": row.prefix,
            "scope": scope,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return row, token


def managed_tokens(user: Any) -> Any:
    """Other people's tokens that reach a unit ``user`` manages: a token of that unit,
    or an all-units token of one of its members (the unit manager may revoke them)."""
    from django.db.models import Q

    from painreg.registry.models import Membership, Role

    managed = Membership.objects.filter(user=user, role=Role.UNIT_MANAGER).values("unit")
    members = Membership.objects.filter(unit__in=managed).values("user")
    return (
        ApiToken.objects.filter(Q(unit__in=managed) | Q(unit=None, user__in=members))
        .exclude(user=user)
        .select_related("user", "unit")
    )


@transaction.atomic
def revoke_token(*, user: Any, token: ApiToken, username: str | None = None) -> ApiToken:
    """Revoke a token (its owner, a manager of a unit it reaches, or the operator with
    ``user=None``); idempotent."""
    if (
        user is not None
        and getattr(user, "pk", None) != token.user_id
        and not managed_tokens(user).filter(pk=token.pk).exists()
    ):
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record_event(
            user=user,
            username=username,
            action="api_token.revoke",
            unit=token.unit,
            obj=token,
            detail={"owner": token.user.get_username(), "prefix": token.prefix},
        )
    return token


def find_active(token: str) -> ApiToken | None:
    """The active token presented (not revoked, not expired, owner active), or None.

    Records the use (to the minute) so the owner sees when it was last used.
    """
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user", "unit")
        .filter(digest=digest(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def units_of(token: ApiToken) -> Any:
    """The units a request with ``token`` may reach now: its unit, or all of the
    owner's; a membership removed since the token was made takes effect at once."""
    units = access.units_for(token.user)
    if token.unit_id is not None:
        units = units.filter(pk=token.unit_id)
    return units.order_by("name", "pk")
