"""What the dashboard shows: a period of whole years and a patient group.

Also the *shape* of a selection (which filters are set) and its parameters:
the SQL of two selections of the same shape differs only in the year and the
filter values, so the dashboard compiles it once per shape with those values
as query parameters (:mod:`painreg.dashboard.adapter`) and binds them per
request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis.expr.operations as ops

from painreg.analytics.context import AGE_GROUPS, Filters, age_bounds
from painreg.dashboard.adapter import BoundParameter, parameter
from painreg.tidy import vocabulary

FILTER_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sex": tuple(vocabulary.SEXES.headings().items()),
    "age_group": tuple((g, f"{g} år") for g in AGE_GROUPS),
    "education": tuple(vocabulary.EDUCATION.headings().items()),
    "programme": tuple(vocabulary.PROGRAMMES.headings().items()),
}

#: The year of a selection, as a query parameter (the register's year columns are int16).
YEAR = parameter("year", "int16")


@dataclass(frozen=True)
class Selection:
    """What the dashboard shows: a period of whole years and a patient group."""

    year_from: int
    year_to: int
    filters: Filters = field(default_factory=Filters)

    @property
    def years(self) -> range:
        return range(self.year_from, self.year_to + 1)

    def describe(self) -> str:
        period = (
            str(self.year_from)
            if self.year_from == self.year_to
            else f"{self.year_from}–{self.year_to}"
        )
        return f"{period}; {describe_filters(self.filters)}"


def describe_filters(filters: Filters) -> str:
    parts = []
    for name, value in filters.__dict__.items():
        if not value:
            continue
        labels = dict(FILTER_CHOICES.get(name, ()))
        label = labels.get(value, value)
        parts.append(f"diagnos {label}" if name == "diagnosis" else label)
    return ", ".join(parts) or "alla patienter"


_OPEN_AGE = "age_group_open"
#: Integer stand-ins of the age bounds: int8 literals as any real bound, found nowhere else.
_AGE_STAND_INS = {113: "age_low", 119: "age_high"}


@dataclass(frozen=True)
class Shape:
    """Which filters of a selection are set: the SQL is the same for all their values.

    :attr:`filters` holds a stand-in for each value set (``painregstandinsex``
    and so on; ages 113 and 119), so that
    :func:`painreg.analytics.indicators.base_registrations` builds the shape's
    expression as it builds any other; :meth:`parameterise` then turns each
    stand-in literal of the expression into a :class:`BoundParameter`, and
    :meth:`Parameterised.values` gives each parameter's value for a
    selection's filters.
    The stand-ins are an implementation detail of building the expression:
    the SQL holds placeholders, and the values go to the driver.
    """

    names: frozenset[str]

    @classmethod
    def of(cls, filters: Filters) -> Shape:
        names = {n for n, v in filters.__dict__.items() if v}
        if "age_group" in names and age_bounds(filters.age_group or "")[1] is None:
            names.add(_OPEN_AGE)  # an open age band ("70+") has no upper bound to compare
        return cls(frozenset(names))

    @property
    def filters(self) -> Filters:
        chosen = {name: _token(name) for name in self.names if name != _OPEN_AGE}
        if "age_group" in self.names:
            chosen["age_group"] = "113+" if _OPEN_AGE in self.names else "113-119"
        return Filters(**chosen)

    def parameterise(self, expr: Any) -> Parameterised:
        """``expr`` with each stand-in literal replaced by a :class:`BoundParameter`."""
        replacements: dict[ops.Literal, BoundParameter] = {}
        templates: dict[str, tuple[str, Any]] = {}
        for literal in expr.op().find(ops.Literal):
            found = _stand_in(literal)
            if found is None:
                continue
            name = found if found not in templates else f"{found}_{len(templates)}"
            templates[name] = (found, literal.value)
            replacements[literal] = BoundParameter(name=name, dtype=literal.dtype)
        if {source for source, _ in templates.values()} != self._sources():
            # A filter whose value the expression uses otherwise than as a literal
            # would keep its stand-in and select nobody: refuse instead.
            raise ValueError(f"not every filter of {sorted(self.names)} became a parameter")
        expr = expr.op().replace(replacements).to_expr() if replacements else expr
        return Parameterised(expr, templates)

    def _sources(self) -> set[str]:
        """What the parameters come from: the filters set, an age band's bounds."""
        sources = set(self.names - {"age_group", _OPEN_AGE})
        if "age_group" in self.names:
            sources |= {"age_low"} if _OPEN_AGE in self.names else {"age_low", "age_high"}
        return sources


@dataclass(frozen=True)
class Parameterised:
    """An expression of a :class:`Shape` with parameters, and how to give them values.

    ``templates``: per parameter, the filter it comes from and the stand-in
    literal it replaced. A filter's literal may hold its stand-in within other
    text (a programme is matched as ``;cbt;``): the value is that literal
    with the stand-in replaced by the filter's value.
    """

    expr: Any
    templates: dict[str, tuple[str, Any]]

    def values(self, filters: Filters) -> dict[str, Any]:
        """Each parameter's value for ``filters`` (of the shape's filters)."""
        values: dict[str, Any] = {}
        for name, (source, template) in self.templates.items():
            if source in ("age_low", "age_high"):
                low, high = age_bounds(filters.age_group or "")
                values[name] = low if source == "age_low" else high
                continue
            value = getattr(filters, source)
            if source == "diagnosis":  # compared upper-case without dots
                value = value.upper().replace(".", "")
            values[name] = template.replace(_token(source), value)
        return values


def _token(name: str) -> str:
    token = f"painregstandin{name.replace('_', '')}"
    return token.upper() if name == "diagnosis" else token


def _stand_in(literal: ops.Literal) -> str | None:
    """What a stand-in literal stands for (a filter or an age bound); None for any other."""
    if literal.dtype.is_int8():
        return _AGE_STAND_INS.get(literal.value)
    if not isinstance(literal.value, str) or "painregstandin" not in literal.value.lower():
        return None
    return next((n for n in Filters.__dataclass_fields__ if _token(n) in literal.value), None)
