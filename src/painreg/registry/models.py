"""The register's data model: regions, units, memberships, patients, registrations,
occasions, answers and stored scores.

Design decisions (see ``docs/registry.md``):

* Regions are data (``painreg.tidy.vocabulary.REGIONS``, loaded by a
  migration): the 21 SCB county codes with their real gaps, grouped in the
  six healthcare regions. Every code list's values and labels come from
  ``painreg.tidy.vocabulary``.
* Roles are memberships: one row per (user, role, scope). Unit roles
  (registrar, clinician, unit manager) are scoped to a unit, the regional
  analyst to a region, the national coordinator to nothing. A validator
  (source-data validation) is scoped to a unit but is not one of its
  members: no unit page opens to them, only their rounds' sampled
  registrations (``painreg.verification``).
* Patient-data models (``GuardedModel``) refuse writes outside
  ``registry.actions``; every change is kept by django-simple-history (who,
  when, old and new value, reason).
* Invariants that must hold whatever code writes are database
  ``CheckConstraint``s; rules that give a person a message live in
  ``registry.validation``.
* Due dates of occasions are computed from the registration (DOMAIN.md,
  registration workflow), never stored, so they cannot go stale.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from painreg.registry.guard import GuardedModel, GuardedQuerySet
from painreg.tidy import rules, vocabulary


def _choices(name: str, codes: vocabulary.CodeList) -> type[models.TextChoices]:
    """Django choices of a code list: the vocabulary's values, and its label in the
    active language (the labels live in the vocabulary, not in the message catalogue).
    Member names are the values upper-cased (``Category.REHAB``)."""
    return models.TextChoices(
        name,
        [(c.value.upper(), (c.value, _active_label(c))) for c in codes],
        module=__name__,
    )


def _code_label(code: vocabulary.Code) -> str:
    return code.label(translation.get_language() or settings.LANGUAGE_CODE)


_active_label = lazy(_code_label, str)


def _history() -> HistoricalRecords:
    # Reasons (required for changes after sign-off) may be long.
    return HistoricalRecords(history_change_reason_field=models.TextField(null=True))


# --- Regions and units -------------------------------------------------------


#: Sjukvårdsregion: the six groups of regions (förordning 2023:1203).
HealthcareRegion = _choices("HealthcareRegion", vocabulary.HEALTHCARE_REGIONS)

#: SCB county codes (länskoder) of the 21 regions; 02, 11, 15 and 16 no longer exist.
REGION_CODES: tuple[str, ...] = vocabulary.REGION_CODES


class Region(models.Model):
    """One of the 21 regions, keyed by its SCB county code (``01``..``25``)."""

    code = models.CharField(_("länskod"), max_length=2, primary_key=True)
    name = models.CharField(_("namn"), max_length=100)
    healthcare_region = models.CharField(
        _("sjukvårdsregion"), max_length=20, choices=HealthcareRegion.choices
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regioner")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=REGION_CODES), name="region_code_is_scb_county_code"
            ),
            models.CheckConstraint(
                condition=Q(healthcare_region__in=HealthcareRegion.values),
                name="region_healthcare_region_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


CareLevel = _choices("CareLevel", vocabulary.CARE_LEVELS)


class PatientIdentification(models.TextChoices):
    """How a unit's patients show who they are before answering (``eprom``)."""

    BIRTH_DATE = "birth_date", _("födelsedatum")
    EID = "eid", _("e-legitimation")
    EITHER = "either", _("födelsedatum eller e-legitimation")


class Unit(models.Model):
    """A care unit (vårdenhet) reporting to the register.

    ``code`` is the stable ``unit_id`` of the interchange tables.
    """

    code = models.CharField(_("enhetskod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units")
    care_level = models.CharField(_("vårdnivå"), max_length=10, choices=CareLevel.choices)
    active_from = models.DateField(_("aktiv från"), null=True, blank=True)
    active_to = models.DateField(_("aktiv till"), null=True, blank=True)
    hsa_id = models.CharField(_("HSA-id"), max_length=64, null=True, blank=True, unique=True)
    #: Connected to the register (ansluten). A unit that provides MMR but is not
    #: connected is kept for the unit coverage only (DOMAIN.md, "Unit coverage").
    connected = models.BooleanField(_("ansluten"), default=True)
    #: Care level 1-4 of pain care (DOMAIN.md, "Care levels 1-4"); optional.
    pain_care_level = models.PositiveSmallIntegerField(
        _("nivå i smärtvården (1–4)"),
        null=True,
        blank=True,
        choices=[(int(c.value), c.label()) for c in vocabulary.PAIN_CARE_LEVELS],
    )
    #: The identity check of the unit's questionnaire links: the date of birth,
    #: e-identification through the region's e-ID broker (OpenID Connect), or either.
    patient_identification = models.CharField(
        _("patientens identifiering"),
        max_length=12,
        choices=PatientIdentification.choices,
        default=PatientIdentification.BIRTH_DATE,
        # Also the database's: bulk imports (interop.bulk) insert units in SQL.
        db_default=PatientIdentification.BIRTH_DATE,
    )

    history = _history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        constraints = [
            models.CheckConstraint(
                condition=Q(care_level__in=CareLevel.values), name="unit_care_level_known"
            ),
            models.CheckConstraint(
                condition=Q(patient_identification__in=PatientIdentification.values),
                name="unit_patient_identification_known",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_to__isnull=True)
                | Q(active_to__gte=F("active_from")),
                name="unit_active_to_not_before_active_from",
            ),
            models.CheckConstraint(
                condition=Q(pain_care_level__isnull=True)
                | Q(pain_care_level__in=(1, 2), care_level="primary")
                | Q(pain_care_level__in=(3, 4), care_level="specialist"),
                name="unit_pain_care_level_agrees_with_care_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        expected = vocabulary.CARE_LEVEL_OF_PAIN_CARE_LEVEL.get(self.pain_care_level or 0)
        if self.pain_care_level is not None and expected != self.care_level:
            raise ValidationError(
                {
                    "pain_care_level": _(
                        "Nivå %(level)s hör till %(expected)s, men enheten är %(care)s."
                    )
                    % {"level": self.pain_care_level, "expected": expected, "care": self.care_level}
                }
            )


class UnitYearTotal(models.Model):
    """The unit's reported number of patients who went through MMR in a year
    (registered or not): the coverage denominator (``unit_year_totals``)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="year_totals")
    year = models.PositiveSmallIntegerField(_("år"))
    rehab_patients_total = models.PositiveIntegerField(_("antal MMR-patienter"))

    history = _history()

    class Meta:
        ordering = ["unit", "year"]
        verbose_name = _("årstotal för enhet")
        verbose_name_plural = _("årstotaler för enheter")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="unit_year_total_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="unit_year_total_year_range"
            ),
            models.CheckConstraint(
                condition=Q(rehab_patients_total__gte=0), name="unit_year_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.rehab_patients_total}"


# --- Memberships -------------------------------------------------------------


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("registrerare")
    CLINICIAN = "clinician", _("behandlare")
    UNIT_MANAGER = "unit_manager", _("enhetsansvarig")
    REGIONAL_ANALYST = "regional_analyst", _("regional analytiker")
    NATIONAL_COORDINATOR = "national_coordinator", _("nationell koordinator")
    #: Source-data validation: scoped to a unit, but no unit member: sees the
    #: registrations sampled in the validation rounds they are assigned to, only.
    VALIDATOR = "validator", _("validerare")


UNIT_ROLES = (Role.REGISTRAR, Role.CLINICIAN, Role.UNIT_MANAGER)
#: Roles that may enter data for their unit.
ENTRY_ROLES = (Role.REGISTRAR, Role.CLINICIAN, Role.UNIT_MANAGER)


class Membership(models.Model):
    """A user's role: in a unit, in a region (analyst) or national (coordinator).

    A person may hold several memberships (several units, several roles).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("roll"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )

    history = _history()

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in UNIT_ROLES], unit__isnull=False, region=None)
                    | Q(role=Role.REGIONAL_ANALYST, unit=None, region__isnull=False)
                    | Q(role=Role.NATIONAL_COORDINATOR, unit=None, region=None)
                    | Q(role=Role.VALIDATOR, unit__isnull=False, region=None)
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="membership_unique_unit_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="membership_unique_region_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role="national_coordinator"),
                name="membership_unique_national_role",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.region or _("nationellt")
        return f"{self.user} – {self.get_role_display()} – {scope}"


# --- Patients ----------------------------------------------------------------


Sex = _choices("Sex", vocabulary.SEXES)


class PatientQuerySet(GuardedQuerySet):
    def in_register(self) -> PatientQuerySet:
        """Patients whose data may appear in outputs: not opted out, not deleted."""
        return self.filter(opted_out_at__isnull=True, deleted_at__isnull=True)


class Patient(GuardedModel):
    """A patient: identified by personnummer/samordningsnummer, or (imported only)
    by an external pseudonymous id. Such a patient cannot be invited to answer
    but counts in every report.

    Opt-out (``opted_out_at``) takes the patient out of every output; deletion
    on request (``deleted_at``) blanks the identifying fields and removes the
    patient's registrations, answers and their history (``actions.delete_patient``).
    """

    personnummer = models.CharField(
        _("personnummer"), max_length=12, unique=True, null=True, blank=True
    )
    external_id = models.CharField(
        _("externt id"), max_length=64, unique=True, null=True, blank=True
    )
    sex = models.CharField(_("kön"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("födelsedatum"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("födelseår"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("avböjt registrering"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("raderad på begäran"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(deleted_at=None, personnummer__isnull=False, external_id=None)
                    | Q(deleted_at=None, personnummer=None, external_id__isnull=False)
                    | Q(
                        deleted_at__isnull=False,
                        personnummer=None,
                        external_id=None,
                        birth_date=None,
                    )
                ),
                name="patient_identified_once_or_deleted",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=[*Sex.values, ""]), name="patient_sex_known"
            ),
        ]

    def __str__(self) -> str:
        if self.personnummer:
            return f"{self.personnummer[:8]}-{self.personnummer[8:]}"
        if self.external_id:
            return self.external_id
        return f"({_('raderad')} {self.pk})"

    @property
    def formatted_personnummer(self) -> str:
        return str(self) if self.personnummer else ""

    @property
    def is_coordination_number(self) -> bool:
        return bool(self.personnummer) and int(self.personnummer[6:8]) > 60

    @property
    def can_be_invited(self) -> bool:
        """Only identified patients can be invited (an external id reaches nobody)."""
        return bool(self.personnummer) and self.opted_out_at is None and self.deleted_at is None


# --- Registrations and occasions -------------------------------------------


Category = _choices("Category", vocabulary.REGISTRATION_CATEGORIES)
DiscontinuationReason = _choices("DiscontinuationReason", vocabulary.DISCONTINUATION_REASONS)
Education = _choices("Education", vocabulary.EDUCATION)
WorkMeasure = _choices("WorkMeasure", vocabulary.WORK_MEASURES)
ProgrammeFeature = _choices("ProgrammeFeature", vocabulary.PROGRAMMES)


class RegistrationQuerySet(GuardedQuerySet):
    def in_register(self) -> RegistrationQuerySet:
        """Registrations whose patient has neither opted out nor been deleted."""
        return self.filter(patient__opted_out_at__isnull=True, patient__deleted_at__isnull=True)

    def signed_off(self) -> RegistrationQuerySet:
        return self.filter(signed_off_at__isnull=False)


class Registration(GuardedModel):
    """One patient's course at one unit (assessment only, or rehab)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="registrations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="registrations")
    #: The ``registration_id`` it was imported with; empty for one entered here
    #: (its id in files is then the database id). See :attr:`public_id`.
    ref = models.CharField(_("registrerings-id"), max_length=64, unique=True, null=True, blank=True)
    category = models.CharField(_("patientkategori"), max_length=12, choices=Category.choices)
    referral_date = models.DateField(_("remissdatum"), null=True, blank=True)
    first_visit_date = models.DateField(_("första besök"), null=True, blank=True)
    rehab_start_date = models.DateField(_("start av rehabilitering"), null=True, blank=True)
    rehab_end_date = models.DateField(_("avslut av rehabilitering"), null=True, blank=True)
    discontinued = models.BooleanField(_("avbrott"), default=False)
    discontinuation_reason = models.CharField(
        _("orsak till avbrott"), max_length=16, choices=DiscontinuationReason.choices, blank=True
    )
    main_diagnosis = models.CharField(_("huvuddiagnos"), max_length=8, blank=True)
    secondary_diagnoses = models.JSONField(_("bidiagnoser"), default=list, blank=True)
    education = models.CharField(
        _("utbildning"), max_length=16, choices=Education.choices, blank=True
    )
    work_measures = models.JSONField(_("arbetslivsinriktade åtgärder"), default=list, blank=True)
    programme = models.JSONField(_("programmets inriktning"), default=list, blank=True)
    signed_off_at = models.DateTimeField(_("klarmarkerad"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()
    history = _history()

    class Meta:
        ordering = ["-first_visit_date", "-pk"]
        verbose_name = _("registrering")
        verbose_name_plural = _("registreringar")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="registration_category_known"
            ),
            models.CheckConstraint(
                condition=Q(rehab_start_date=None)
                | Q(rehab_end_date=None)
                | Q(rehab_end_date__gte=F("rehab_start_date")),
                name="registration_rehab_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(category="rehab")
                | Q(rehab_start_date=None, rehab_end_date=None, discontinued=False),
                name="registration_assessment_has_no_rehab",
            ),
            models.CheckConstraint(
                condition=Q(discontinued=True) | Q(discontinuation_reason=""),
                name="registration_reason_only_when_discontinued",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Registrering')} {self.pk} ({self.get_category_display()})"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def public_id(self) -> str:
        """The ``registration_id`` of the interchange tables: the imported id, or the
        database id. Stable across export, import into another database, export."""
        return self.ref or str(self.pk)

    @property
    def counting_year(self) -> int | None:
        """The year the registration counts in (:func:`painreg.tidy.rules.counting_year`)."""
        return rules.counting_year(
            self.category,
            first_visit_date=self.first_visit_date,
            rehab_end_date=self.rehab_end_date,
        )


OccasionKind = _choices("OccasionKind", vocabulary.OCCASIONS)
OccasionStatus = _choices("OccasionStatus", vocabulary.OCCASION_STATUSES)


# The occasion windows are a rule of the register, stated once in tidy.rules.
add_months = rules.add_months
due_window = rules.due_window


class Occasion(GuardedModel):
    """One of a registration's three measurement occasions (mättillfällen)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="occasions"
    )
    kind = models.CharField(_("tillfälle"), max_length=12, choices=OccasionKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OccasionStatus.choices,
        default=OccasionStatus.NOT_STARTED,
    )
    #: instrument id -> reason the instrument was not administered at this occasion
    not_administered = models.JSONField(_("ej administrerade instrument"), default=dict, blank=True)
    signed_off_at = models.DateTimeField(_("klarmarkerad"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = _history()

    class Meta:
        ordering = ["registration", "pk"]
        verbose_name = _("mättillfälle")
        verbose_name_plural = _("mättillfällen")
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="occasion_unique_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=OccasionKind.values), name="occasion_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OccasionStatus.values), name="occasion_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="signed_off", signed_off_at__isnull=False)
                | (~Q(status="signed_off") & Q(signed_off_at=None)),
                name="occasion_signed_off_status_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} – {self.get_kind_display()}"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def due(self) -> tuple[dt.date, dt.date] | None:
        reg = self.registration
        return due_window(
            self.kind, first_visit_date=reg.first_visit_date, rehab_end_date=reg.rehab_end_date
        )


AnswerSource = _choices("AnswerSource", vocabulary.ANSWER_SOURCES)


class Answer(GuardedModel):
    """One item's answer at one occasion, as the instrument catalogue codes it."""

    # No index of its own: the unique constraint's index starts with the
    # occasion and serves the same look-ups (one index less to build on import).
    occasion = models.ForeignKey(
        Occasion, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    item = models.CharField(_("fråga"), max_length=40)
    value = models.FloatField(_("värde"))
    answered_on = models.DateField(_("besvarad"))
    source = models.CharField(_("källa"), max_length=8, choices=AnswerSource.choices)

    history = _history()

    class Meta:
        ordering = ["occasion", "item"]
        verbose_name = _("svar")
        verbose_name_plural = _("svar")
        constraints = [
            models.UniqueConstraint(fields=["occasion", "item"], name="answer_unique_item"),
            models.CheckConstraint(
                condition=Q(source__in=AnswerSource.values), name="answer_source_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}={self.value:g}"


class Score(GuardedModel):
    """A score computed by ``painreg.instruments`` from an occasion's answers.

    Derived data: rewritten whenever the occasion's answers change, so it
    carries no history of its own (the answers' history is the record).
    """

    # No index of its own: the unique constraint's index starts with the
    # occasion and serves the same look-ups (one index less to build on import).
    occasion = models.ForeignKey(
        Occasion, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    instrument = models.CharField(_("instrument"), max_length=40)
    score = models.CharField(_("skala"), max_length=60)
    value = models.FloatField(_("värde"))

    class Meta:
        ordering = ["occasion", "instrument", "score"]
        verbose_name = _("poäng")
        verbose_name_plural = _("poäng")
        constraints = [
            models.UniqueConstraint(
                fields=["occasion", "instrument", "score"], name="score_unique_per_occasion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument}.{self.score}={self.value:g}"


SickLeaveBenefit = _choices("SickLeaveBenefit", vocabulary.SICK_LEAVE_BENEFITS)


class SickLeaveExtract(models.Model):
    """The sick-leave extract from Försäkringskassan the register holds (at most one).

    A new extract replaces the previous one; the replaced one's covered
    period, digest and counts stay in the audit event of the import
    (docs/decisions.md). ``digest``: SHA-256 of the extract's rows as
    imported (clipped, sorted), so importing the same extract twice changes
    nothing.
    """

    covers_from = models.DateField(_("täcker från"))
    covers_to = models.DateField(_("täcker till"))
    digest = models.CharField(_("kontrollsumma"), max_length=64)
    periods = models.PositiveIntegerField(_("perioder"))
    clipped = models.PositiveIntegerField(_("beskurna perioder"), default=0)
    skipped_unknown = models.PositiveIntegerField(_("perioder för okända patienter"), default=0)
    imported_at = models.DateTimeField(_("importerad"))
    imported_by = models.CharField(_("importerad av"), max_length=150)

    class Meta:
        verbose_name = _("sjukfrånvarouttag")
        verbose_name_plural = _("sjukfrånvarouttag")
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_to__gte=F("covers_from")), name="sick_leave_extract_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.covers_from}–{self.covers_to}"


class SickLeavePeriod(GuardedModel):
    """One benefit period of a patient (DOMAIN.md, "Sick leave from Försäkringskassan").

    Written only by the import (bulk, audited as one event), clipped to the
    extract's covered period; deleted with the patient's identity.
    """

    extract = models.ForeignKey(
        SickLeaveExtract, on_delete=models.CASCADE, related_name="period_rows", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sick_leave")
    benefit = models.CharField(_("förmån"), max_length=24, choices=SickLeaveBenefit.choices)
    start_date = models.DateField(_("från och med"))
    end_date = models.DateField(_("till och med"))
    extent = models.PositiveSmallIntegerField(_("omfattning (%)"))

    class Meta:
        verbose_name = _("sjukfrånvaroperiod")
        verbose_name_plural = _("sjukfrånvaroperioder")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="sick_leave_period_order"
            ),
            models.CheckConstraint(
                condition=Q(extent__in=(25, 50, 75, 100)), name="sick_leave_period_extent"
            ),
        ]
