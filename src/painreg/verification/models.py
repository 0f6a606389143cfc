"""A validation round, its sampled registrations and the values found in the records.

* :class:`ValidationRound`: the coordinator's choice (period as counting
  years, units, sample size per unit, variable groups, questionnaire items,
  seed), fixed when created, and its validators.
* :class:`SampledRegistration`: one drawn registration, with the variables
  to check fixed when drawn (items only for occasions entered by staff).
  ``number`` is the round's own running number: what the coordinator sees
  instead of an identity.
* :class:`RecordedValue`: per variable, the value the validator found in the
  medical record or "not found", and the register's value at that moment
  (the comparison stays what the validator saw, even if the unit corrects
  the registration afterwards).

Sampled registrations and recorded values are patient data: written only
through :mod:`painreg.verification.actions` (``GuardedModel``), removed with
the registration when a patient is deleted on request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from painreg.registry.guard import GuardedModel
from painreg.registry.models import Registration, Unit


class ValidationRound(models.Model):
    name = models.CharField(_("namn"), max_length=200)
    year_from = models.PositiveSmallIntegerField(_("från år"))
    year_to = models.PositiveSmallIntegerField(_("till år"))
    units = models.ManyToManyField(
        Unit, related_name="validation_rounds", verbose_name=_("enheter")
    )
    sample_size = models.PositiveSmallIntegerField(_("stickprov per enhet"))
    #: Variable groups (``painreg.analytics.validation.GROUPS``), in their order.
    groups = models.JSONField(_("variabler"), default=list)
    #: Questionnaire item ids, checked at every occasion entered by staff.
    items = models.JSONField(_("enkätfrågor"), default=list, blank=True)
    seed = models.PositiveIntegerField(_("slumpfrö"))
    validators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="validation_rounds", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    drawn_at = models.DateTimeField(_("stickprov draget"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("valideringsomgång")
        verbose_name_plural = _("valideringsomgångar")
        constraints = [
            models.CheckConstraint(
                condition=Q(year_to__gte=F("year_from")), name="round_years_in_order"
            ),
            models.CheckConstraint(condition=Q(sample_size__gte=1), name="round_sample_size_pos"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def drawn(self) -> bool:
        return self.drawn_at is not None


class SampledRegistration(GuardedModel):
    round = models.ForeignKey(ValidationRound, on_delete=models.CASCADE, related_name="samples")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="validation_samples"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("nummer"))
    variables = models.JSONField(_("variabler"), default=list)
    completed_at = models.DateTimeField(_("validerad"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "number"]
        verbose_name = _("stickprovsregistrering")
        verbose_name_plural = _("stickprovsregistreringar")
        constraints = [
            models.UniqueConstraint(fields=["round", "registration"], name="sample_unique_reg"),
            models.UniqueConstraint(fields=["round", "number"], name="sample_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.number}"

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


class RecordedValue(GuardedModel):
    sample = models.ForeignKey(
        SampledRegistration, on_delete=models.CASCADE, related_name="recorded"
    )
    variable = models.CharField(_("variabel"), max_length=80)
    #: The normalised value found in the record; empty when ``not_found``.
    value = models.CharField(_("värde i journalen"), max_length=64, blank=True)
    not_found = models.BooleanField(_("hittades inte"), default=False)
    #: The register's normalised value when the entry was saved; empty when missing.
    registered = models.CharField(_("värde i registret"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sample", "pk"]
        verbose_name = _("journalvärde")
        verbose_name_plural = _("journalvärden")
        constraints = [
            models.UniqueConstraint(fields=["sample", "variable"], name="recorded_unique_var"),
            models.CheckConstraint(
                condition=Q(not_found=False) | Q(value=""), name="recorded_not_found_is_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variable}={self.value or '-'}"
