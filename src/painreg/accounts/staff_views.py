"""Unlocking a colleague's login, resetting a lost authenticator and setting the HSA-id
of single sign-on, without a shell.

A unit manager does it for the staff of the current unit, the national
coordinator for everyone (``registry.access.staff_accounts_for``); each
change goes through ``accounts.actions`` with a reason and is audited. An
account outside the person's reach is a 404, as everywhere on staff pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from painreg.accounts import actions, lockout, otp
from painreg.accounts.forms import AccountActionForm
from painreg.accounts.models import ProviderIdentity
from painreg.registry import access
from painreg.registry.decorators import verified_required


def _get_account_for_user(request: HttpRequest, user_id: int) -> Any:
    """An account the requester may unlock and reset (404 for any other)."""
    accounts = access.staff_accounts_for(request.user, access.current_unit(request))
    try:
        return accounts.get(pk=user_id)
    except accounts.model.DoesNotExist:
        raise Http404 from None


def _status(account: Any) -> dict[str, Any]:
    return {
        "account": account,
        "locked": lockout.locked_addresses(account.get_username()) > 0,
        "enrolled": otp.confirmed_device(account) is not None,
        "hsa_id": ProviderIdentity.objects.filter(user=account)
        .values_list("hsa_id", flat=True)
        .first(),
    }


@verified_required
def staff_accounts(request: HttpRequest) -> HttpResponse:
    """The accounts the person may unlock and reset, with their login state."""
    unit = access.current_unit(request)
    if not access.may_reset_accounts(request.user, unit):
        raise PermissionDenied
    accounts = access.staff_accounts_for(request.user, unit).order_by("username")
    context = {
        "nav": "accounts",
        "unit": None if access.is_national_coordinator(request.user) else unit,
        "rows": [_status(account) for account in accounts.filter(is_active=True)],
    }
    return render(request, "accounts/staff_accounts.html", context)


@verified_required
@require_http_methods(["GET", "POST"])
def staff_account(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: unlock it or reset its two-factor login, with a reason."""
    account = _get_account_for_user(request, user_id)
    form = AccountActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["action"]
        action = {
            AccountActionForm.UNLOCK: actions.unlock_account,
            AccountActionForm.RESET_TWO_FACTOR: actions.reset_two_factor,
            AccountActionForm.SET_HSA_ID: actions.set_hsa_id,
        }[chosen]
        extra = {"hsa_id": form.cleaned_data["hsa_id"]} if chosen == form.SET_HSA_ID else {}
        try:
            action(
                user=request.user,
                member=account,
                unit=access.current_unit(request),
                reason=form.cleaned_data["reason"],
                **extra,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = {
                AccountActionForm.UNLOCK: _("The login of %(user)s is unlocked."),
                AccountActionForm.RESET_TWO_FACTOR: _(
                    "Two-factor login of %(user)s is reset: they set up a new app at their "
                    "next login."
                ),
                AccountActionForm.SET_HSA_ID: _("The HSA-id of %(user)s is saved."),
            }[chosen]
            messages.success(request, done % {"user": account.get_username()})
            return redirect("accounts:staff_account", user_id=account.pk)
    context = {"nav": "accounts", **_status(account), "form": form}
    status = 400 if form.errors else 200
    return render(request, "accounts/staff_account.html", context, status=status)
