"""API tokens: who a token acts as, what it may do, until when; stored hashed.

A token is ``painreg_`` followed by 43 random URL-safe characters (256 bits).
Only its SHA-256 is stored (``digest``) with its first characters
(``prefix``), which people recognise in lists and in the access log; the
token itself is shown once, when it is created. A plain hash suffices for
a random 256-bit secret (nothing to guess), and unlike a keyed hash it
survives a rotation of the secret key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("läsa")
    WRITE = "write", _("läsa och skriva")


class ApiToken(models.Model):
    """One token of one user: scoped to read or write, to one unit or all the user's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("namn"), max_length=100, blank=True)
    prefix = models.CharField(_("början av nyckeln"), max_length=20, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("behörighet"), max_length=5, choices=Scope.choices)
    #: One unit; empty: every unit the user belongs to when the request is made.
    unit = models.ForeignKey(
        "registry.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enhet"),
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    created_by = models.CharField(_("skapad av"), max_length=150, blank=True)
    expires_at = models.DateTimeField(_("giltig till"))
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write"]), name="api_token_scope_known"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and timezone.now() < self.expires_at

    @property
    def may_write(self) -> bool:
        return self.scope == Scope.WRITE
