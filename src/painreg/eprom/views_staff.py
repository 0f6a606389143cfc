"""Staff pages of the ePROM app: invite, see and reopen links, the unit's overview.

Every object is fetched through a ``_get_x_for_user`` helper built on
``registry.access`` (another unit's registration or invitation is 404); the
actions check the role again (403 for a member without an entry role).
Every page that shows a patient's personnummer logs the view with that
patient (``_log``), error pages included, so the patient's access extract
lists it.
"""

from __future__ import annotations

import os

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from painreg import audit
from painreg.audit.models import AccessAction
from painreg.eprom import actions, status
from painreg.eprom.models import Invitation, InvitationStatus
from painreg.registry import access
from painreg.registry.decorators import staff_required
from painreg.registry.forms import WholeNumberField
from painreg.registry.models import ENTRY_ROLES, Occasion
from painreg.reports.publishing import MIN_PUBLISHED, format_percent


def _get_occasion_for_user(request: HttpRequest, registration_id: int, kind: str) -> Occasion:
    return access.get_occasion_for_user(request.user, request.unit, registration_id, kind)


def _log(request: HttpRequest, occasion: Occasion, detail: str) -> None:
    audit.log_access(
        user=request.user,
        action=AccessAction.VIEW_REGISTRATION,
        patient=occasion.registration.patient,
        unit=request.unit,
        detail=detail,
    )


def _get_invitation_for_user(request: HttpRequest, invitation_id: int) -> Invitation:
    registrations = access.registrations_for(request.user, request.unit)
    invitation = (
        Invitation.objects.select_related("occasion__registration__patient")
        .filter(pk=invitation_id, occasion__registration__in=registrations)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


class InviteForm(forms.Form):
    valid_days = WholeNumberField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=120, initial=30
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the messages"),
        choices=[("sv", "Svenska"), ("en", "English")],
    )
    email = forms.EmailField(label=gettext_lazy("E-mail (optional)"), required=False)
    phone = forms.RegexField(
        label=gettext_lazy("Mobile number (optional)"),
        regex=r"^\+?[0-9 -]{7,20}$",
        required=False,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def public_link(request: HttpRequest, token: str) -> str:
    """The absolute link for the patient (PAINREG_PUBLIC_URL when set, else this host)."""
    path = reverse("eprom:start", args=[token])
    base = os.environ.get("PAINREG_PUBLIC_URL", "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@staff_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, registration_id: int, kind: str) -> HttpResponse:
    occasion = _get_occasion_for_user(request, registration_id, kind)
    access.require_role(request.user, request.unit, *ENTRY_ROLES)
    form = InviteForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = actions.create_invitation(
                user=request.user, occasion=occasion, **form.cleaned_data
            )
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, _("The invitation is created."))
            return redirect("eprom:invitation_detail", invitation_id=invitation.pk)
    _log(request, occasion, f"eprom invite {occasion.registration_id} {occasion.kind}")
    return render(
        request,
        "eprom/staff_invite.html",
        {"occasion": occasion, "form": form, "errors": errors, "nav": "eprom"},
        status=400 if errors or form.errors else 200,
    )


@staff_required
@require_http_methods(["GET"])
def invitation_detail(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _get_invitation_for_user(request, invitation_id)
    return _detail_page(request, invitation, ReopenForm())


def _detail_page(
    request: HttpRequest, invitation: Invitation, form: ReopenForm, status_code: int = 200
) -> HttpResponse:
    _log(request, invitation.occasion, f"eprom invitation {invitation.pk}")
    link = qr = ""
    if invitation.answerable:
        link = public_link(request, actions.token_of(invitation))
        qr = segno.make(link, error="m").svg_inline(scale=4, title=_("QR code of the link"))
    state = status.state_of(invitation.occasion, invitation)
    return render(
        request,
        "eprom/staff_invitation.html",
        {
            "invitation": invitation,
            "registration": invitation.occasion.registration,
            "state": state,
            "state_label": status.STATE_LABELS[state],
            "link": link,
            "qr": qr,
            "form": form,
            "scheduled": invitation.messages.all(),
            "can_reopen": invitation.status != InvitationStatus.REVOKED
            and not invitation.answerable,
            "nav": "eprom",
        },
        status=status_code,
    )


@staff_required
@require_POST
def invitation_reopen(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _get_invitation_for_user(request, invitation_id)
    access.require_role(request.user, request.unit, *ENTRY_ROLES)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_invitation(
                user=request.user, invitation=invitation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The link is open again."))
            return redirect("eprom:invitation_detail", invitation_id=invitation.pk)
    invitation.refresh_from_db()
    return _detail_page(request, invitation, form, status_code=400)


@staff_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    """Per occasion: invited, opened, partial, answered, overdue; non-responders to call."""
    registrations = access.registrations_for(request.user, request.unit).in_register()
    rows = status.rows_for(registrations, timezone.localdate())
    to_call = [r for r in rows if r.to_call]
    audit.log_access_many(
        user=request.user,
        action=AccessAction.VIEW_REGISTRATION,
        patient_ids=[row.registration.patient_id for row in to_call],
        unit=request.unit,
        detail=f"eprom non-responders ({len(to_call)})",
    )
    summary = status.summary(rows)
    for line in summary:
        line["rate_text"] = (
            format_percent(line["response_rate"], lang=(request.LANGUAGE_CODE or "sv")[:2])
            if line["response_rate"] is not None and line["invited"] >= MIN_PUBLISHED
            else ""
        )
    return render(
        request,
        "eprom/staff_overview.html",
        {"summary": summary, "to_call": to_call, "nav": "eprom"},
    )
