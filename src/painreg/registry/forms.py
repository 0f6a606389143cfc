"""Forms of the staff interface: they parse and show input, they never write.

Design: plain ``Form`` classes (not ``ModelForm``) because every write goes
through ``registry.actions``, which validates again and writes the audit
event in one transaction. A form checks what it can check alone (the
personnummer, date formats, ICD-10 format via ``registry.validation``) so
the person gets every message at once; the action's ``ValidationError``
(keyed by field) is then attached to the same form with
:func:`attach_errors`, so each message appears next to its field and in the
error summary, and nothing is saved.

Labels are gettext strings; the messages of the domain rules come from
``registry.validation`` and ``registry.personnummer``, which carry their own
Swedish and English texts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from painreg.instruments.texts import PLACEHOLDER_MARK
from painreg.registry import validation
from painreg.registry.models import (
    UNIT_ROLES,
    Category,
    DiscontinuationReason,
    Education,
    ProgrammeFeature,
    WorkMeasure,
)
from painreg.tidy import personnummer as pnr


def _language() -> str:
    return (get_language() or "sv")[:2]


class DateInput(forms.DateInput):
    """An HTML date field (the browser's date picker; ISO value)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text=help_text,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2024-03-15.")},
    )


class _TypedNumber:
    """A number as people type it, with a decimal comma (Swedish: 2,5) or a point.

    Rendered as a text field with ``inputmode`` (the phone shows its number
    keys), never ``type=number``: a browser's number field reads the keys by
    its own locale rules, and some drop a comma, so "2,5" arrived as 25. As a
    text field the server gets exactly what was typed and reads both
    separators. Every staff field people type a number into is one of the two
    classes below.
    """

    widget = forms.TextInput
    inputmode = "decimal"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)  # type: ignore[misc]
        return {**attrs, "inputmode": self.inputmode, "autocomplete": "off"}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)  # type: ignore[misc]


class DecimalNumberField(_TypedNumber, forms.DecimalField):
    """A decimal number, typed with a comma or a point."""


class WholeNumberField(_TypedNumber, forms.IntegerField):
    """A whole number ("2,0" and "2.0" are 2; "2,5" is refused, never 25)."""

    inputmode = "numeric"


def parse_personnummer(text: str) -> pnr.Personnummer:
    """Parse a personnummer or raise ``ValidationError`` with the number's own message."""
    try:
        return pnr.parse(text)
    except pnr.PersonnummerError as exc:
        raise ValidationError(exc.message(_language()), code=exc.code) from None


class PersonnummerField(forms.CharField):
    """A personnummer or samordningsnummer; cleans to the 12-digit form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Personal identity number"))
        kwargs.setdefault(
            "help_text",
            _("Personnummer or coordination number: YYYYMMDD-NNNN or YYMMDD-NNNN."),
        )
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text and not self.required:
            return ""
        return parse_personnummer(text).digits

    def validate(self, value: Any) -> None:
        # Emptiness is reported by the personnummer parser's own message.
        pass


class PatientSearchForm(forms.Form):
    personnummer = PersonnummerField()


def _blank_choice(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class RegistrationForm(forms.Form):
    """All fields of a registration. With ``with_personnummer`` (a new
    registration) it also asks for the patient's number; with
    ``needs_reason`` (the registration is signed off) a change reason."""

    personnummer = PersonnummerField()
    category = forms.ChoiceField(
        label=_("Patient category"), choices=Category.choices, widget=forms.RadioSelect
    )
    referral_date = _date_field(_("Referral date"))
    first_visit_date = _date_field(_("First visit"), required=True)
    rehab_start_date = _date_field(_("Rehab start"), help_text=_("Only for rehab."))
    rehab_end_date = _date_field(
        _("Rehab end"), help_text=_("If discontinued: the date of discontinuation.")
    )
    discontinued = forms.BooleanField(label=_("Rehab was discontinued"), required=False)
    discontinuation_reason = forms.ChoiceField(
        label=_("Reason for discontinuation"),
        choices=_blank_choice(DiscontinuationReason.choices, _("Not discontinued")),
        required=False,
        widget=forms.RadioSelect,
    )
    main_diagnosis = forms.CharField(
        label=_("Main diagnosis (ICD-10)"),
        max_length=8,
        required=False,
        help_text=_("Type a code or a word to search the list, e.g. M79.7 or 'fibro'."),
        widget=forms.TextInput(attrs={"list": "pain-diagnoses", "autocomplete": "off"}),
    )
    secondary_diagnoses = forms.CharField(
        label=_("Secondary diagnoses (ICD-10)"),
        max_length=200,
        required=False,
        help_text=_("Separate several codes with a semicolon, e.g. M54.5; F43.2."),
    )
    education = forms.ChoiceField(
        label=_("Education"),
        choices=_blank_choice(Education.choices, _("Not known")),
        required=False,
        widget=forms.RadioSelect,
    )
    work_measures = forms.MultipleChoiceField(
        label=_("Work-related measures"),
        choices=WorkMeasure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    programme = forms.MultipleChoiceField(
        label=_("Programme"),
        choices=ProgrammeFeature.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=True,
        max_length=500,
        help_text=_("The registration is signed off; say why it is changed."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, with_personnummer: bool = False, needs_reason: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not with_personnummer:
            del self.fields["personnummer"]
        if not needs_reason:
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = self.registration_values()
        if values is not None:
            # Domain rules (date order, ICD-10 format, category): reported
            # next to their fields; warnings are shown after saving.
            report = validation.check_registration(
                validation.normalize_registration(values), today=dt.date.today()
            )
            for issue in report.errors:
                target = issue.field if issue.field in self.fields else None
                if target is None or target not in self.errors:
                    self.add_error(target, ValidationError(issue.message, code=issue.code))
        return data

    def registration_values(self) -> dict[str, Any] | None:
        """The registration fields as ``registry.actions`` takes them (after clean)."""
        data = getattr(self, "cleaned_data", None)
        if data is None:
            return None
        values = {name: data.get(name) for name in validation.REGISTRATION_FIELDS}
        values["secondary_diagnoses"] = [
            code.strip()
            for code in (data.get("secondary_diagnoses") or "").replace(",", ";").split(";")
            if code.strip()
        ]
        return validation.normalize_registration(values)

    @classmethod
    def initial_from(cls, registration: Any) -> dict[str, Any]:
        values = validation.registration_values(registration)
        values["secondary_diagnoses"] = "; ".join(registration.secondary_diagnoses or [])
        return values


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Show an action's ``ValidationError`` on ``form`` (field errors next to fields)."""
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            target = field_name if field_name in form.fields else None
            for err in errors:
                form.add_error(target, err)
    else:
        form.add_error(None, error)


class SignOffForm(forms.Form):
    """Sign-off (klarmarkering) of an occasion or registration."""

    confirm = forms.BooleanField(label=_("I have checked the data and sign it off"), required=True)


class UnitYearTotalForm(forms.Form):
    year = WholeNumberField(label=_("Year"), min_value=2000, max_value=2100)
    rehab_patients_total = WholeNumberField(
        label=_("Patients who finished or discontinued MMR"),
        min_value=0,
        help_text=_("All MMR patients of the year at the unit, registered or not."),
    )


class UnitSwitchForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)


def _code(value: float) -> str:
    """A coded value as the form posts it ("3", "2.5")."""
    return str(int(value)) if float(value).is_integer() else str(value)


class InstrumentAnswersForm(forms.Form):
    """The items of one instrument as on the paper questionnaire.

    Coded items are radio buttons labelled from the instrument's text pack
    (``instruments.option_labels``), with "not answered" first so a blank on
    paper stays blank; numeric items (VAS 0-100 and the like) are number
    fields with the catalogue's range that take a decimal comma or point.
    Field names are the item ids, so an action's errors keyed by item land
    next to their question.
    """

    answered_on = _date_field(_("Date answered"), required=True)

    def __init__(
        self,
        *args: Any,
        instrument: Any,
        needs_reason: bool = False,
        **kwargs: Any,
    ) -> None:
        from painreg import instruments

        super().__init__(*args, **kwargs)
        self.instrument = instrument
        #: True when the licensed texts are not loaded: items are then shown by
        #: number and coded value, as printed on the paper form.
        self.texts_missing = False
        language = _language()
        for number, item in enumerate(instrument.items, start=1):
            label = instruments.item_text(item.id, language)
            labels = instruments.option_labels(item.id, language)
            if label.startswith(PLACEHOLDER_MARK):
                self.texts_missing = True
                label = _("Item %(number)s (%(item)s)") % {"number": number, "item": item.id}
                labels = {}
            if item.values is not None:
                choices = [("", _("Not answered"))] + [
                    (_code(v), labels.get(v, _code(v))) for v in item.values
                ]
                field: forms.Field = forms.ChoiceField(
                    label=label, choices=choices, required=False, widget=forms.RadioSelect
                )
            else:
                field = (WholeNumberField if item.integer else DecimalNumberField)(
                    label=label,
                    required=False,
                    min_value=item.min,
                    max_value=item.max,
                    help_text=_("%(min)s to %(max)s; leave empty if not answered.")
                    % {"min": _code(item.min), "max": _code(item.max)},
                )
            field.item_id = item.id  # type: ignore[attr-defined]
            self.fields[item.id] = field
        if needs_reason:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the change"),
                max_length=500,
                help_text=_("The occasion is signed off; say why the answers are changed."),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def item_fields(self) -> list[forms.BoundField]:
        return [self[item.id] for item in self.instrument.items]

    def answers(self) -> dict[str, float | None]:
        """Item id -> value (``None`` for not answered, which removes an old answer)."""
        out: dict[str, float | None] = {}
        for item in self.instrument.items:
            raw = self.cleaned_data.get(item.id)
            out[item.id] = None if raw in (None, "") else float(raw)
        return out

    @staticmethod
    def initial_from(occasion: Any, instrument: Any) -> dict[str, Any]:
        ids = set(instrument.item_ids)
        initial: dict[str, Any] = {}
        for answer in occasion.answers.filter(item__in=ids):
            initial[answer.item] = _code(answer.value)
            initial.setdefault("answered_on", answer.answered_on)
        return initial


class NotAdministeredForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the instrument was not administered"),
        max_length=300,
        help_text=_("For example: the patient declined, language, time."),
    )


class PatientDecisionForm(forms.Form):
    """A patient's decision about the register (opt-out, its withdrawal, deletion)."""

    reason = forms.CharField(
        label=_("Note"),
        max_length=500,
        help_text=_("For example: 'declined at the first visit', with the date it was said."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(label=_("The patient has asked for this"), required=True)


class MembershipForm(forms.Form):
    """The unit manager gives an existing account a role in the unit.

    The account is named by its user name *and* its e-mail address, and any
    mismatch gets the same message, so the form cannot be used to find out
    which user names exist.
    """

    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address of the account"),
        help_text=_("The person's account must exist; the national coordinator creates accounts."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in UNIT_ROLES],
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import get_user_model

        data = super().clean() or {}
        if "username" in data and "email" in data:
            member = (
                get_user_model()
                .objects.filter(
                    username=data["username"].strip(),
                    email__iexact=data["email"].strip(),
                    is_active=True,
                )
                .first()
            )
            if member is None:
                self.add_error(
                    "username",
                    _("No active account has this user name and e-mail address."),
                )
            data["member"] = member
        return data


class ReopenForm(forms.Form):
    """Undo a sign-off: always with the reason (kept in the audit trail)."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
