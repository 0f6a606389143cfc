"""Password rule beyond Django's validators: no repetition.

Django's validators (settings.AUTH_PASSWORD_VALIDATORS) refuse short
passwords, passwords like the user name, purely numeric ones, and the 20,000
most common passwords of the list Django ships (CommonPasswordValidator,
from breached-password data). Twelve times "a" passes all of them; NIST SP
800-63B (5.1.1.2) asks verifiers to refuse "repetitive or sequential
characters". This validator refuses a password that is one shorter piece
repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``, ``ab12ab12ab12``) or that has
fewer than :data:`MIN_DISTINCT` different characters.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_DISTINCT = 5

_REPEATED = re.compile(r"^(.+?)\1+$", re.DOTALL)


class RepetitionValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if _REPEATED.match(password):
            raise ValidationError(
                _("The password repeats a short part (like aaaa or abcabc)."),
                code="password_repetitive",
            )
        if len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                _("The password must contain at least %(min)d different characters.")
                % {"min": MIN_DISTINCT},
                code="password_too_few_characters",
            )

    def get_help_text(self) -> str:
        return _("Your password must not repeat a short part, like aaaa or abcabc.")
