"""Source-data validation (källdatavalidering): the sample, the variables, agreement
and error types. Pure: no Django; the verification app feeds it plain values.

Definitions (DOMAIN.md, "Source-data validation"):

* The sample: per unit, ``random.Random(seed).sample`` over the unit's
  eligible registration ids sorted as text (the interchange's
  ``registration_id``), a fresh generator per unit; a unit with fewer
  eligible registrations than the sample size gives all of them, in sorted
  order. Same seed and same eligible ids give the same sample on every
  machine and Python version (``random.Random.sample`` over a list is
  stable across Python 3 releases for an integer or text seed).
* The variables: registration variables for every sampled registration;
  questionnaire items only for occasions whose answers were entered by staff.
  ``work_measures`` is one yes/no variable per measure.
* Checked = a variable with a recorded value or "not found". Agreement = equal
  values, or missing in both, over checked (95 % Wilson interval). Errors:
  *missing in record* ("not found" but registered), *missing in register*
  (recorded but not registered), *neighbouring option* (an item with an
  ordered list of values, one step apart), *other*.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from painreg.analytics.stats import wilson_interval
from painreg.tidy import vocabulary

# --- the variables -------------------------------------------------------------

#: Groups a coordinator chooses from, each with its registration variables.
DATE_VARIABLES = ("referral_date", "first_visit_date", "rehab_start_date", "rehab_end_date")
WORK_MEASURE_VARIABLES = tuple(f"work_measures.{c.value}" for c in vocabulary.WORK_MEASURES)
GROUPS: dict[str, tuple[str, ...]] = {
    "dates": DATE_VARIABLES,
    "category": ("category",),
    "main_diagnosis": ("main_diagnosis",),
    "discontinuation": ("discontinued", "discontinuation_reason"),
    "work_measures": WORK_MEASURE_VARIABLES,
}
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "dates": ("registreringsdatum", "registration dates"),
    "category": ("patientkategori", "category"),
    "main_diagnosis": ("huvuddiagnos", "main diagnosis"),
    "discontinuation": ("avbrott och orsak", "discontinuation and reason"),
    "work_measures": ("arbetslivsinriktade åtgärder", "work measures"),
}
_LABELS: dict[str, tuple[str, str]] = {
    "referral_date": ("remissdatum", "referral date"),
    "first_visit_date": ("första besök", "first visit"),
    "rehab_start_date": ("start av rehabilitering", "rehabilitation start"),
    "rehab_end_date": ("avslut av rehabilitering", "rehabilitation end"),
    "category": ("patientkategori", "category"),
    "main_diagnosis": ("huvuddiagnos", "main diagnosis"),
    "discontinued": ("avbrott", "discontinued"),
    "discontinuation_reason": ("orsak till avbrott", "reason for discontinuation"),
}
#: Kinds of value, which decide the input and the normalisation.
DATE, CHOICE, YES_NO, TEXT, ITEM = "date", "choice", "yes_no", "text", "item"
YES, NO = "yes", "no"

#: Outcomes of one checked variable.
AGREE = "agree"
MISSING_IN_RECORD = "missing_in_record"
MISSING_IN_REGISTER = "missing_in_register"
NEIGHBOURING = "neighbouring"
OTHER = "other"
ERROR_TYPES = (NEIGHBOURING, OTHER, MISSING_IN_RECORD, MISSING_IN_REGISTER)
ERROR_LABELS: dict[str, tuple[str, str]] = {
    NEIGHBOURING: ("intilliggande alternativ", "neighbouring option"),
    OTHER: ("annat fel", "other error"),
    MISSING_IN_RECORD: ("saknas i journalen", "missing in record"),
    MISSING_IN_REGISTER: ("saknas i registret", "missing in register"),
}


def item_variable(kind: str, item_id: str) -> str:
    """The variable name of a questionnaire item at an occasion: ``item.initial.hads_1``."""
    return f"item.{kind}.{item_id}"


def parse_item_variable(variable: str) -> tuple[str, str] | None:
    """``(occasion kind, item id)`` of an item variable, else ``None``."""
    parts = variable.split(".", 2)
    if len(parts) == 3 and parts[0] == "item":
        return parts[1], parts[2]
    return None


def variable_kind(variable: str) -> str:
    if variable in DATE_VARIABLES:
        return DATE
    if variable in ("category", "discontinuation_reason"):
        return CHOICE
    if variable == "discontinued" or variable in WORK_MEASURE_VARIABLES:
        return YES_NO
    if parse_item_variable(variable):
        return ITEM
    if variable == "main_diagnosis":
        return TEXT
    raise ValueError(f"unknown validation variable {variable!r}")


def variable_label(variable: str, lang: str = "sv") -> str:
    i = 0 if lang == "sv" else 1
    if variable in _LABELS:
        return _LABELS[variable][i]
    if variable in WORK_MEASURE_VARIABLES:
        code = vocabulary.WORK_MEASURES[variable.split(".", 1)[1]]
        return f"{GROUP_LABELS['work_measures'][i]}: {code.label(lang)}"
    item = parse_item_variable(variable)
    if item:
        kind, item_id = item
        return f"{item_id} ({vocabulary.OCCASIONS[kind].label(lang)})"
    raise ValueError(f"unknown validation variable {variable!r}")


def choices(variable: str) -> tuple[str, ...]:
    """The allowed values of a choice or yes/no variable (the register's codes)."""
    if variable == "category":
        return tuple(c.value for c in vocabulary.REGISTRATION_CATEGORIES)
    if variable == "discontinuation_reason":
        return tuple(c.value for c in vocabulary.DISCONTINUATION_REASONS)
    if variable_kind(variable) == YES_NO:
        return (YES, NO)
    return ()


def display_value(variable: str, value: str | None, lang: str = "sv") -> str:
    """A normalised value as people read it: a code's label, yes/no in the language."""
    if not value:
        return ""
    kind = variable_kind(variable)
    if kind == YES_NO:
        return {"sv": {YES: "ja", NO: "nej"}, "en": {YES: "yes", NO: "no"}}[
            "en" if lang == "en" else "sv"
        ][value]
    if variable == "category":
        return vocabulary.REGISTRATION_CATEGORIES[value].label(lang)
    if variable == "discontinuation_reason":
        return vocabulary.DISCONTINUATION_REASONS[value].label(lang)
    return value


def registration_variables(groups: Iterable[str]) -> tuple[str, ...]:
    """The registration variables of the chosen groups, in the groups' order."""
    chosen = set(groups)
    unknown = chosen - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown variable groups {sorted(unknown)}; one of {list(GROUPS)}")
    return tuple(v for g, variables in GROUPS.items() if g in chosen for v in variables)


# --- the sample ----------------------------------------------------------------


def draw_sample(
    eligible: Mapping[str, Iterable[str]], size: int, seed: int
) -> dict[str, list[str]]:
    """Per unit, the sampled registration ids (see the module's docstring)."""
    if size < 1:
        raise ValueError(f"the sample size per unit must be at least 1, got {size}")
    out: dict[str, list[str]] = {}
    for unit in sorted(eligible):
        ids = sorted(set(eligible[unit]))
        if len(ids) <= size:
            out[unit] = ids
        else:
            out[unit] = random.Random(seed).sample(ids, size)
    return out


# --- normalisation and comparison ------------------------------------------------


def normalise(variable: str, value: object) -> str | None:
    """The comparable text of a value (registered or recorded); ``None`` when missing.

    Dates ISO; yes/no ``yes``/``no``; a diagnosis upper-cased without dot or
    spaces; an item's number without a trailing ``.0``; a choice its code.
    Raises ``ValueError`` for a value the variable cannot hold.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = variable_kind(variable)
    if kind == DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    if kind == YES_NO:
        if isinstance(value, bool):
            return YES if value else NO
        text = str(value).strip().lower()
        if text not in (YES, NO):
            raise ValueError(f"{variable}: {value!r} is not yes or no")
        return text
    if kind == CHOICE:
        text = str(value).strip()
        if text not in choices(variable):
            raise ValueError(f"{variable}: {value!r} is not one of {list(choices(variable))}")
        return text
    if kind == TEXT:
        return "".join(str(value).split()).replace(".", "").upper()
    number = float(str(value).strip().replace(",", "."))
    return str(int(number)) if number.is_integer() else repr(number)


def classify(
    registered: str | None,
    recorded: str | None,
    *,
    not_found: bool,
    ordered_values: Sequence[float] | None = None,
) -> str:
    """The outcome of one checked variable (normalised values; ``recorded`` is ``None``
    when the record said "not found")."""
    if not_found or recorded is None:
        return AGREE if registered is None else MISSING_IN_RECORD
    if registered is None:
        return MISSING_IN_REGISTER
    if registered == recorded:
        return AGREE
    if ordered_values:
        order = [float(v) for v in ordered_values]
        try:
            a, b = order.index(float(registered)), order.index(float(recorded))
        except ValueError:
            return OTHER
        if abs(a - b) == 1:
            return NEIGHBOURING
    return OTHER


# --- agreement ---------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One checked variable of one sampled registration."""

    unit: str
    sample: str
    variable: str
    outcome: str


@dataclass(frozen=True)
class Agreement:
    """Agreement over ``checked`` variables, with its 95 % Wilson interval and errors."""

    checked: int
    agreed: int
    low: float
    high: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        return self.agreed / self.checked if self.checked else None


def agreement(outcomes: Iterable[str]) -> Agreement:
    counts = Counter(outcomes)
    checked = sum(counts.values())
    agreed = counts.get(AGREE, 0)
    low, high = wilson_interval(agreed, checked)
    return Agreement(checked, agreed, low, high, {e: counts.get(e, 0) for e in ERROR_TYPES})


@dataclass(frozen=True)
class RoundResults:
    overall: Agreement
    by_variable: dict[str, Agreement]
    by_unit: dict[str, Agreement]
    registrations: int
    units: int


def summarise(checks: Sequence[Check], variables: Sequence[str] = ()) -> RoundResults:
    """Agreement overall, per variable (in ``variables``' order, then any other) and per
    unit (sorted)."""
    by_variable: dict[str, list[str]] = {v: [] for v in variables}
    by_unit: dict[str, list[str]] = {}
    for c in checks:
        by_variable.setdefault(c.variable, []).append(c.outcome)
        by_unit.setdefault(c.unit, []).append(c.outcome)
    return RoundResults(
        overall=agreement(c.outcome for c in checks),
        by_variable={v: agreement(o) for v, o in by_variable.items()},
        by_unit={u: agreement(by_unit[u]) for u in sorted(by_unit)},
        registrations=len({(c.unit, c.sample) for c in checks}),
        units=len(by_unit),
    )
