"""Lockout of staff logins: per user name *and* address, plus a wider limit per address.

django-axes counts failures per ``AXES_LOCKOUT_PARAMETERS`` and compares the
largest count with one limit. Counting per user name alone let anyone lock
any account from anywhere with five wrong passwords; per user name and
address (the first parameter set) a wrong password locks that name only at
the address it came from. The second set, the address alone, stops password
spraying (a few guesses at each of many names) once the address reaches
``PAINREG_LOGIN_ADDRESS_FAILURE_LIMIT``, a wider limit than the per-account
one because a clinic's staff may share an address. The address is the
client's as :mod:`painreg.accounts.addresses` gives it.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Locked when the (user name, address) pair or the address reaches its own limit."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.PAINREG_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair


def locked_addresses(username: str) -> int:
    """At how many addresses the user name is locked now (the account pages show it)."""
    return AccessAttempt.objects.filter(
        username=username,
        attempt_time__gte=timezone.now() - get_cool_off(),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
    ).count()
