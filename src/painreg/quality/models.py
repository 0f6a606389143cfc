"""Findings of the data-quality rules and the queries raised on them.

Decision (docs/registry.md, "Data-quality rules, findings and queries"): a
run of the rules (:mod:`painreg.analytics.quality`) updates the findings in
place. A finding is identified by its rule, unit, registration, occasion and
field; found again it stays the same row (``last_found_at``), no longer found
it is marked resolved (``resolved_at``), found again after that it is open
again. A query (a question on a field) is raised on a finding or on a
registration; the unit's staff answer it or correct the data (through the
registry's actions), and whoever raised it on the register's side closes it
with a reason. Every write goes through :mod:`painreg.quality.actions`, which
records the audit event; the rows name no person but by registration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from painreg.registry.models import Registration, Unit


class Severity(models.TextChoices):
    ERROR = "error", _("fel")
    WARNING = "warning", _("varning")
    NOTICE = "notice", _("upplysning")


class QualityRun(models.Model):
    """One run of the rules over the register (on demand or nightly)."""

    started_at = models.DateTimeField(_("startad"), default=timezone.now)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    username = models.CharField(_("körd av"), max_length=150, blank=True)
    today = models.DateField(_("per dag"))
    rules = models.JSONField(_("regler"), default=dict)  # rule id -> findings
    not_run = models.JSONField(_("ej körda regler"), default=dict)  # rule id -> why
    found = models.PositiveIntegerField(_("fynd"), default=0)
    opened = models.PositiveIntegerField(_("nya fynd"), default=0)
    resolved = models.PositiveIntegerField(_("åtgärdade fynd"), default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("kvalitetskörning")
        verbose_name_plural = _("kvalitetskörningar")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.found})"


class Finding(models.Model):
    """What one rule found on one registration (occasion, field) or unit."""

    rule = models.CharField(_("regel"), max_length=64)
    severity = models.CharField(_("allvarlighetsgrad"), max_length=8, choices=Severity.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="quality_findings")
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quality_findings",
    )
    occasion = models.CharField(_("tillfälle"), max_length=12, blank=True)
    field = models.CharField(_("fält"), max_length=64, blank=True)
    detail = models.CharField(_("detalj"), max_length=200, blank=True)
    first_found_at = models.DateTimeField(_("först funnen"), default=timezone.now)
    last_found_at = models.DateTimeField(_("senast funnen"), default=timezone.now)
    resolved_at = models.DateTimeField(_("åtgärdad"), null=True, blank=True)

    class Meta:
        ordering = ["resolved_at", "severity", "rule", "registration_id", "pk"]
        verbose_name = _("fynd")
        verbose_name_plural = _("fynd")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "unit", "registration", "occasion", "field"],
                name="quality_finding_unique",
            ),
        ]
        indexes = [models.Index(fields=["unit", "resolved_at"], name="quality_finding_unit_open")]

    def __str__(self) -> str:
        return f"{self.rule} {self.unit_id}/{self.registration_id or '-'}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class QueryStatus(models.TextChoices):
    OPEN = "open", _("öppen")
    ANSWERED = "answered", _("besvarad")
    CLOSED = "closed", _("stängd")


class CloseReason(models.TextChoices):
    CORRECTED = "corrected", _("uppgiften är rättad")
    CONFIRMED = "confirmed", _("uppgiften stämmer (bekräftad mot journalen)")
    NOT_APPLICABLE = "not_applicable", _("frågan gäller inte")
    OTHER = "other", _("annat")


class Query(models.Model):
    """A question on a field of a registration (or on the unit), and its answer."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="quality_queries")
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quality_queries",
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="queries"
    )
    field = models.CharField(_("fält"), max_length=64, blank=True)
    question = models.TextField(_("fråga"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_as_coordinator = models.BooleanField(_("ställd av koordinator"), default=False)
    raised_at = models.DateTimeField(_("ställd"), default=timezone.now)
    answer = models.TextField(_("svar"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("besvarad"), null=True, blank=True)
    close_reason = models.CharField(
        _("orsak till stängning"), max_length=16, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(_("kommentar"), max_length=2000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("stängd"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("fråga")
        verbose_name_plural = _("frågor")
        indexes = [models.Index(fields=["unit", "status"], name="quality_query_unit_status")]

    def __str__(self) -> str:
        return f"{_('Fråga')} {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == QueryStatus.CLOSED
