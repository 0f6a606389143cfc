"""Login in two steps (password, then TOTP code), TOTP enrolment, logout.

Design (OWASP ASVS V2/V3 practice): step one is Django's own
``AuthenticationForm`` (hashers, inactive users refused), wrapped by
django-axes, which counts failures per user name and client address and
locks out after ``AXES_FAILURE_LIMIT`` (``accounts.lockout``). Step two
checks a TOTP code with django-otp (replay protection, throttling); a wrong
code is reported to axes as a failed login too, so guessing codes locks the
account exactly like guessing passwords. After each step the session key is
rotated (session fixation). A person who has no device yet is sent to
enrolment with a QR code; the device and its confirmation are written by
``accounts.actions``.

Single sign-on through the region's identity provider is in ``accounts.sso``;
the login page offers it when configured, and ``PAINREG_LOCAL_LOGIN=0``
leaves it the only way in (the password form is then neither shown nor
accepted). Logout also ends the provider's session when the person came
through it (RP-initiated logout).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from painreg.accounts import actions, oidc, otp
from painreg.accounts.forms import TokenForm


def safe_next_url(request: HttpRequest) -> str:
    """The page to go to after login, only if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _with_next(url_name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _after_password(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    """Where a person goes once the password is right: code, or enrolment."""
    if otp.confirmed_device(request.user) is None:
        return redirect(_with_next("accounts:enrol", next_url))
    return redirect(_with_next("accounts:verify", next_url))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    after = safe_next_url(request)
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(after)
        if settings.PAINREG_LOCAL_LOGIN:
            return _after_password(request, after)
        auth_logout(request)
    local = settings.PAINREG_LOCAL_LOGIN
    if request.method == "POST" and not local:
        return HttpResponse(status=403)
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Django's login() rotates the session key.
        auth_login(request, form.get_user())
        return _after_password(request, after)
    context = {
        "form": form if local else None,
        "next": after,
        "single_sign_on": oidc.configured(oidc.STAFF),
        # The page to return to, for the provider's round trip (a path, not the default's name).
        "sso_next": after if after.startswith("/") else "",
    }
    return render(request, "accounts/login.html", context)


def _fail_second_step(request: HttpRequest) -> HttpResponse | None:
    """Report a wrong code to axes; on lockout end the half-open session."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": request.user.get_username()},
        request=request,
    )
    if getattr(request, "axes_locked_out", False):
        auth_logout(request)
        return render(request, "accounts/locked_out.html", status=429)
    return None


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request)
    if not settings.PAINREG_LOCAL_LOGIN or not request.user.is_authenticated:
        return redirect(_with_next("accounts:login", next_url))
    if request.user.is_verified():
        return redirect(next_url)
    device = otp.confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("accounts:enrol", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(next_url)
        locked = _fail_second_step(request)
        if locked is not None:
            return locked
        form.add_error("token", _("The code is wrong or too old. Try the next code."))
    context = {
        "form": form,
        "next": next_url,
        "demo_token": otp.current_token(device) if otp.is_demo_device(device) else None,
    }
    return render(request, "accounts/verify.html", context)


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request)
    if not settings.PAINREG_LOCAL_LOGIN or not request.user.is_authenticated:
        return redirect(_with_next("accounts:login", next_url))
    if otp.confirmed_device(request.user) is not None:
        # Replacing a device is done by an administrator, never by someone
        # who has only shown the password.
        return redirect(_with_next("accounts:verify", next_url))
    device = actions.enrolment_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            actions.confirm_enrolment(member=request.user, device=device)
            request.session.cycle_key()
            otp_login(request, device)
            messages.success(request, _("Two-factor login is now set up."))
            return redirect(next_url)
        locked = _fail_second_step(request)
        if locked is not None:
            return locked
        form.add_error("token", _("The code is wrong or too old. Try the next code."))
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": otp.qr_svg(device),
        "secret": otp.base32_secret(device),
    }
    return render(request, "accounts/enrol.html", context)


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    id_token = request.session.get(oidc.SESSION_ID_TOKEN, "")
    auth_logout(request)
    # Came through the identity provider: end that session too, then back to the login page.
    at_provider = oidc.logout_redirect(request, oidc.STAFF, id_token, reverse("accounts:login"))
    return at_provider or redirect("accounts:login")


def locked_out(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    """Lockout page for django-axes (``AXES_LOCKOUT_CALLABLE``)."""
    return render(request, "accounts/locked_out.html", status=429)
