"""The coordinator's round form, the validator assignment and the validator's blind entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from painreg.analytics import validation as v
from painreg.instruments import find_item
from painreg.instruments.model import InstrumentError
from painreg.registry.models import Unit
from painreg.tidy import vocabulary
from painreg.verification.actions import MAX_SAMPLE, MAX_SEED


def _lang() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name of the round"), max_length=200)
    year_from = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    year_to = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    sample_size = forms.IntegerField(
        label=_("Registrations sampled per unit"), min_value=1, max_value=MAX_SAMPLE, initial=5
    )
    groups = forms.MultipleChoiceField(
        label=_("Variables to check"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.CharField(
        label=_("Questionnaire items to check"),
        required=False,
        help_text=_(
            "Item ids separated by commas, e.g. hads_1, eq5d_mobility. Checked at the "
            "occasions staff entered (a patient's own answers have no source document)."
        ),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=MAX_SEED,
        help_text=_("The same seed and the same data give the same sample."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = _lang()
        self.fields["groups"].choices = [
            (g, v.GROUP_LABELS[g][0 if lang == "sv" else 1]) for g in v.GROUPS
        ]
        if not self.is_bound:
            self.fields["year_from"].initial = self.fields["year_to"].initial = (
                dt.date.today().year - 1
            )

    def clean_items(self) -> list[str]:
        text = self.cleaned_data.get("items") or ""
        items = [i.strip() for i in text.replace(";", ",").split(",") if i.strip()]
        unknown = []
        for item in items:
            try:
                find_item(item)
            except InstrumentError:
                unknown.append(item)
        if unknown:
            raise forms.ValidationError(
                _("Unknown questionnaire items: %(items)s.") % {"items": ", ".join(unknown)}
            )
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("groups") and not data.get("items") and "items" not in self.errors:
            self.add_error("groups", _("Choose at least one variable or questionnaire item."))
        lo, hi = data.get("year_from"), data.get("year_to")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("year_to", _("The last year is before the first."))
        return data


class ValidatorForm(forms.Form):
    username = forms.CharField(label=_("User name of the validator"), max_length=150)

    def clean_username(self) -> Any:
        from django.contrib.auth import get_user_model

        member = (
            get_user_model()
            .objects.filter(username=self.cleaned_data["username"].strip(), is_active=True)
            .first()
        )
        if member is None:
            raise forms.ValidationError(_("No active account has this user name."))
        return member


NOT_FOUND_SUFFIX = "__not_found"


class EntryForm(forms.Form):
    """One value field and one "not found" box per variable of the sample. The register's
    values are not in the form: the entry is blind."""

    def __init__(self, *args: Any, variables: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variables = variables
        lang = _lang()
        self.legends = {}
        for variable in variables:
            self.legends[variable] = v.variable_label(variable, lang)
            self.fields[variable] = self._value_field(variable, _("Value in the record"), lang)
            self.fields[variable + NOT_FOUND_SUFFIX] = forms.BooleanField(
                label=_("Not found in the record"), required=False
            )

    @staticmethod
    def _value_field(variable: str, label: str, lang: str) -> forms.Field:
        kind = v.variable_kind(variable)
        if kind == v.DATE:
            return forms.CharField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        if kind in (v.CHOICE, v.YES_NO):
            labels = {v.YES: _("Yes"), v.NO: _("No")}
            codes = {
                "category": vocabulary.REGISTRATION_CATEGORIES,
                "discontinuation_reason": vocabulary.DISCONTINUATION_REASONS,
            }.get(variable)
            options = [
                (c, codes[c].label(lang) if codes is not None else labels[c])
                for c in v.choices(variable)
            ]
            return forms.ChoiceField(label=label, required=False, choices=[("", "–"), *options])
        if kind == v.ITEM:
            return _item_field(variable, label, lang)
        return forms.CharField(label=label, required=False, max_length=64)

    def entries(self) -> dict[str, tuple[str | None, bool]]:
        return {
            variable: (
                self.cleaned_data.get(variable) or None,
                bool(self.cleaned_data.get(variable + NOT_FOUND_SUFFIX)),
            )
            for variable in self.variables
        }

    def groups(self) -> list[tuple[str, Any, Any]]:
        """(the variable's label, value field, not-found box) per variable, for the
        template: one fieldset each, the label its legend."""
        return [
            (self.legends[var], self[var], self[var + NOT_FOUND_SUFFIX]) for var in self.variables
        ]


def _item_field(variable: str, label: str, lang: str) -> forms.Field:
    """An item's value: its coded options (with their labels where the licensed text is
    loaded), the question as the hint."""
    from painreg.instruments import texts

    item_id = v.parse_item_variable(variable)[1]  # type: ignore[index]
    try:
        item = find_item(item_id)
    except InstrumentError:
        return forms.CharField(label=label, required=False, max_length=64)
    question = texts.item_text(item_id, lang)
    hint = "" if question.startswith(texts.PLACEHOLDER_MARK) else question
    if not item.values:
        return forms.CharField(label=label, required=False, max_length=64, help_text=hint)
    labels = texts.option_labels(item_id, lang)
    options = []
    for value in item.values:
        code = v.normalise(variable, value)
        text = labels.get(value, "")
        if not text or text.startswith(texts.PLACEHOLDER_MARK):
            shown = code
        elif text.startswith(code):
            shown = text
        else:
            shown = f"{code} – {text}"
        options.append((code, shown))
    return forms.ChoiceField(
        label=label, required=False, choices=[("", "–"), *options], help_text=hint
    )
