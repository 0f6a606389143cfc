"""Forms of the login steps: password (Django's own form) and the TOTP code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    """The six-digit code of the authenticator app."""

    token = forms.RegexField(
        label=_("Code from the authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits the app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        help_text=_("Six digits; a new code appears every 30 seconds."),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class AccountActionForm(forms.Form):
    """What a unit manager or the coordinator does to a colleague's login, and why."""

    UNLOCK = "unlock"
    RESET_TWO_FACTOR = "reset_two_factor"
    SET_HSA_ID = "set_hsa_id"

    action = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (UNLOCK, _("Unlock the login (clears the failed attempts)")),
            (RESET_TWO_FACTOR, _("Reset two-factor login (the person sets up a new app)")),
            (SET_HSA_ID, _("Set the HSA-id of login through the region's login service")),
        ],
        widget=forms.RadioSelect,
    )
    hsa_id = forms.CharField(
        label=_("HSA-id"),
        required=False,
        max_length=64,
        help_text=_(
            "Only when setting the HSA-id, e.g. SE2321000016-1234; empty removes it "
            "(the person then cannot log in through the login service)."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail, for example how you checked who asked."),
    )
