"""The token page (API-nycklar): a person's own tokens, created and revoked here.

Behind the staff login with its second step (``verified_required``: a national
coordinator, who has no unit, makes the export's token here too). The new
token is shown once, on the page that answers the form, and never again. A
unit manager also sees the tokens of others that reach the unit (their last
use included) and may revoke them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from painreg.api import tokens
from painreg.api.models import ApiToken, Scope
from painreg.registry import access
from painreg.registry.decorators import verified_required
from painreg.registry.forms import WholeNumberField, attach_errors


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name (what the token is for)"), max_length=100, required=False
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Permission"), choices=Scope.choices, widget=forms.RadioSelect
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    days = WholeNumberField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=tokens.MAX_DAYS, initial=90
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in access.units_for(user).order_by("name")}
        self.fields["unit"].choices = [("", _("All my units"))] + [
            (pk, u.name) for pk, u in self.units.items()
        ]


@verified_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    new_token = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _row, new_token = tokens.create_token(
                    user=request.user,
                    owner=request.user,
                    scope=form.cleaned_data["scope"],
                    days=form.cleaned_data["days"],
                    unit=form.units.get(form.cleaned_data["unit"] or ""),
                    name=form.cleaned_data["name"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                form = TokenForm(user=request.user)
        if not new_token:
            status = 400
    context = {
        "form": form,
        "new_token": new_token,
        "rows": ApiToken.objects.filter(user=request.user).select_related("unit"),
        # A unit manager sees (and may revoke) the tokens that reach the unit.
        "managed": tokens.managed_tokens(request.user).order_by("user__username", "-created_at"),
        "nav": "api_tokens",
    }
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a new token
    return response


@verified_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    own = ApiToken.objects.filter(pk=token_id, user=request.user)
    row = own.first() or tokens.managed_tokens(request.user).filter(pk=token_id).first()
    if row is None:
        raise Http404
    tokens.revoke_token(user=request.user, token=row)
    return redirect("api_tokens")
