"""Template helpers of the staff interface: the error summary of one or more forms.

Pattern from the GOV.UK Design System's error summary: one box at the top,
announced (``role="alert"``), each message a link to its field, and the same
message again next to the field.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


def _form_errors(form: BaseForm) -> list[dict[str, str]]:
    visible = [field for field in form if not field.is_hidden]
    first_anchor = visible[0].auto_id if visible else ""
    items = [{"anchor": first_anchor, "text": str(e)} for e in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            items.append({"anchor": field.auto_id, "text": f"{field.label}: {error}"})
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """Render one error summary for the given forms and formsets (``None`` skipped)."""
    items: list[dict[str, str]] = []
    for form in forms:
        if form is None:
            continue
        if isinstance(form, BaseFormSet):
            items.extend({"anchor": "", "text": str(e)} for e in form.non_form_errors())
            for sub in form.forms:
                items.extend(_form_errors(sub))
        else:
            items.extend(_form_errors(form))
    return {"error_items": items}
