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
