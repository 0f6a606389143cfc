"""Staff single sign-on through the region's OpenID provider (``accounts.oidc``).

The provider proves who signed in, with the HSA-id claim (``employeeHsaId``
at Inera's IdP) at an accepted assurance level (``acr``); painreg looks the
HSA-id up among the accounts (``accounts.models.ProviderIdentity``) and
logs that account in, verified (the provider did the two factors), so every
staff page's checks and the memberships stay as they are. An HSA-id no
account has gets a page saying so and whom to ask, never a new account.
Every login through the provider, accepted or refused, is in the audit
trail (``accounts.actions.record_single_sign_on``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from painreg.accounts import actions, oidc
from painreg.accounts.models import ProviderIdentity
from painreg.accounts.views import safe_next_url

#: Where to go after the provider's sign-in (kept in the session across the redirect).
SESSION_NEXT = "sso_next"

_BACKEND = "painreg.accounts.backends.StaffBackend"


def refused(request: HttpRequest, reason: str, identifier: str = "") -> HttpResponse:
    """The page of a refused single sign-on, in the interface's language."""
    status = 403 if reason in ("unknown", "wrong_acr", "inactive") else 400
    if reason == "provider_unreachable":
        status = 503
    context = {
        "reason": reason,
        "identifier": identifier,
        "local_login": settings.PAINREG_LOCAL_LOGIN,
    }
    response = render(request, "accounts/sso_refused.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """To the provider's sign-in page."""
    if not oidc.configured(oidc.STAFF):
        raise Http404
    request.session[SESSION_NEXT] = safe_next_url(request)
    try:
        return oidc.redirect_to_provider(request, oidc.STAFF, reverse("accounts:sso_callback"))
    except oidc.LoginRefused as exc:
        actions.record_single_sign_on(identity=None, outcome=exc.reason, detail=exc.detail)
        return refused(request, exc.reason)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: the HSA-id, checked, logged in or refused."""
    if not oidc.configured(oidc.STAFF):
        raise Http404
    try:
        identity = oidc.identity_from_callback(request, oidc.STAFF)
    except oidc.LoginRefused as exc:
        actions.record_single_sign_on(identity=None, outcome=exc.reason, detail=exc.detail)
        return refused(request, exc.reason)
    known = (
        ProviderIdentity.objects.select_related("user")
        .filter(hsa_id=identity.identifier.upper(), confirmed=True)
        .first()
    )
    if known is None or not known.user.is_active:
        reason = "unknown" if known is None else "inactive"
        actions.record_single_sign_on(
            identity=known, outcome=reason, detail=f"HSA-id {identity.identifier}"
        )
        return refused(request, reason, identity.identifier)
    after = request.session.pop(SESSION_NEXT, None) or settings.LOGIN_REDIRECT_URL
    # login() rotates the session key (and clears another person's session).
    auth_login(request, known.user, backend=_BACKEND)
    otp_login(request, known)
    request.session[oidc.SESSION_ID_TOKEN] = identity.id_token
    actions.record_single_sign_on(
        identity=known, outcome="ok", detail=f"HSA-id {known.hsa_id}, acr {identity.acr}"
    )
    return redirect(after)
