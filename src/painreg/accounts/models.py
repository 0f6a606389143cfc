"""A staff member's identity at the region's identity provider.

One model: :class:`ProviderIdentity` holds the person's HSA-id (the claim
the IdP signs, ``employeeHsaId`` at Inera's) and is at the same time the
django-otp *device* of logins through the provider. The provider has already
done strong authentication (SITHS card, or a phone app at the assurance level
the operator requires), so a login through it marks the session verified
with this device (``django_otp.login``) and every ``is_verified()`` check of
the staff pages stays as it is. It never accepts a code typed into painreg.

Memberships (and so all access) are not here: the IdP proves who someone is,
painreg decides what they may see. The HSA-id is set by the person's unit
manager or the coordinator (``accounts.actions.set_hsa_id``, audited).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

#: An HSA-id: SE, the organisation number (10 digits), a hyphen, a local part.
HSA_ID_PATTERN = r"^SE[0-9]{10}-[A-Za-z0-9]{1,31}$"


class ProviderIdentity(Device):
    """The person's HSA-id; the django-otp device of their single sign-on logins."""

    hsa_id = models.CharField(
        _("HSA-id"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                HSA_ID_PATTERN,
                _(
                    "An HSA-id is SE, ten digits, a hyphen and a local part, "
                    "e.g. SE2321000016-1234."
                ),
            )
        ],
    )

    class Meta:
        verbose_name = _("HSA-id")
        verbose_name_plural = _("HSA-id")

    def verify_token(self, token: str) -> bool:
        # Proof comes only from the identity provider, never from a typed code.
        return False
