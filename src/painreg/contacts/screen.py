"""Screening a contact extract: which rows may fail a check, read without a scan per value.

A national extract has a hundred million rows and few distinct values in most
columns. :func:`screen` looks up each column's distinct raw values once
(:func:`distinct_values` reads a sample and then only the rows holding a value
the sample did not have), normalises and checks those values, and then checks
in full only the rows that hold a failing value; :class:`Screened` joins the
normalised values back onto the rows the measures read. The checks and the
normalisation themselves are in :mod:`painreg.contacts.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painreg.contacts.engine import records
from painreg.contacts.validate import (
    LIST_LIMIT,
    Prepared,
    ValidationReport,
    _count,
    normalise_direct,
    rejection_report,
)

#: Identifier columns: very many distinct values, normalised by stripping white
#: space only, and checked only for being missing (empty after normalisation). A
#: value changes under normalisation only when it is empty or has white space at
#: either end (:func:`unnormalised`), so :func:`screen` looks up those values
#: only; every other value is its own normalised value, and the column is kept
#: as text (no code).
IDENTIFIERS = ("patient_id",)

#: :func:`distinct_values`: rows read for a column's first values, and the most
#: values for which the rest of the column is read by exception.
SAMPLE_ROWS = 100_000
FEW_VALUES = 64


def unnormalised(col, nulls: bool = True):
    """True where a raw value is empty or may be changed by stripping white space (or is null).

    A cheap superset test for a scan of every row: empty, or the first or the
    last character is at most a space, as every character stripping removes
    is (``< "!"``: a plain comparison the engine applies in the scan; the
    last character by comparing the reversed text, as a test by position
    counts characters and costs more). The exact normalisation runs on the
    few values it finds. ``nulls``: null values too (when being missing is a
    rejection; a test the engine answers from the file's statistics).
    """
    text = col.cast("string")
    found = (text < "!") | (text.reverse() < "!")
    return text.isnull() | found if nulls else found


def distinct_values(values):
    """The distinct values of a one-column table, exactly (an expression; the sample is read now).

    A plain ``DISTINCT`` hashes every row of the extract. A column of few
    values (sex, profession, contact type, time, diagnosis lists) is read
    instead as the distinct values of its first :data:`SAMPLE_ROWS` rows,
    then, of the whole column, only the rows holding a value not among them
    (or null): a conjunction of ``!=`` comparisons that DuckDB tests against
    each Parquet row group's dictionary, skipping every row group whose
    values are all known, at a tenth of the cost. Any other engine or file
    gives the same values at the cost of a filtered scan.
    """
    import ibis

    column = values.columns[0]
    col = values[column]
    if not col.type().is_string():
        return values.distinct()
    first = values.limit(SAMPLE_ROWS).distinct()
    known = [r[column] for r in records(first) if isinstance(r[column], str)]
    if len(known) > FEW_VALUES:
        return values.distinct()
    others = values.filter(col.isnull() | ibis.and_(*[col != v for v in known]))
    return ibis.union(first, others.distinct(), distinct=True)


@dataclass
class Screened:
    """What :func:`screen` found: the rows that may fail a check, checked."""

    checked: Prepared  # the suspect rows, normalised and checked in full
    rejected: Any  # table of (_fileno, _row) of the rejected rows, or None when there are none
    rows: int  # rows of the whole table
    #: Per canonical column, the staged table of its distinct raw values ``_k``
    #: with their normalised value ``_n`` and its code ``_i`` (for :data:`IDENTIFIERS`
    #: only the values :func:`unnormalised` finds, the others normalise to
    #: themselves, and no code: they are kept as text; columns normalised
    #: directly, ``Prepared.direct``, have none).
    normal: dict[str, Any] = field(default_factory=dict)
    direct: tuple[str, ...] = ()

    def normalise(self, rows, columns: tuple[str, ...] | None = None):
        """``rows`` of the raw table plus ``n_<column>``, ``i_<column>`` and ``_accepted``.

        ``columns``: the columns to normalise (default all).

        The normalised values are those :func:`prepare_contacts` computes
        (on the distinct values), joined by raw value; an identifier value
        not among the looked-up ones is normalised already; a typed column
        (``Prepared.direct``) is normalised per row. ``i_<column>``: the code of
        the normalised value (:func:`screen`); the value itself where it is not
        text or is an identifier. ``_accepted``: the row is not among the
        rejected ones.
        """
        import ibis

        t = rows
        looked_up = [c for c in self.normal if columns is None or c in columns]
        for c in looked_up:
            lookup = self.normal[c].select(**{f"_k_{c}": "_k", f"_n_{c}": "_n", f"_i_{c}": "_i"})
            t = t.left_join(lookup, t[c].identical_to(lookup[f"_k_{c}"]))
        n = {}
        for c in looked_up:
            if c in IDENTIFIERS:
                found = t[f"_k_{c}"].notnull() | t[c].isnull()
                n[f"n_{c}"] = n[f"i_{c}"] = ibis.ifelse(found, t[f"_n_{c}"], t[c].cast("string"))
            else:
                n[f"n_{c}"] = t[f"_n_{c}"]
                n[f"i_{c}"] = t[f"_i_{c}"]
        for c in [c for c in self.direct if columns is None or c in columns]:
            n[f"n_{c}"] = n[f"i_{c}"] = normalise_direct(t[c])
        t = t.mutate(**n)
        if self.rejected is None:
            return t.mutate(_accepted=ibis.literal(True))
        bad = self.rejected.mutate(_rejected=ibis.literal(True))
        t = t.left_join(bad, [t._fileno == bad._fileno, t._row == bad._row])
        return t.mutate(_accepted=t._rejected.isnull())

    def report(self, kind: str, limit: int = LIST_LIMIT) -> ValidationReport:
        """:func:`rejection_report` of the whole table."""
        report = rejection_report(self.checked, kind, limit)
        report.rows = self.rows
        return report


def screen(prepared: Prepared, stage=lambda t: t) -> Screened:
    """The rows that may fail a check, checked: every rejected row of the table is among them.

    A check of one column (``Check.inputs``) is decided by that column's value
    alone, so it runs over the column's distinct values (a handful per column
    of an extract: sexes, professions, contact types, units, dates, code
    lists; for :data:`IDENTIFIERS` only the values normalisation may change),
    and the rows holding a failing value are taken with one narrow scan per
    such column. A check of several columns runs row by row (on a typed
    Parquet file a comparison of integers, evaluated in the scan). Only the
    taken rows are then normalised and checked in full, so counts and
    listing are exactly those of checking every row, without normalising
    every row of a large extract. The distinct values of every canonical
    column are kept with their normalised values (``Screened.normal``): a
    row's normalised values are then a lookup, not a computation per row.
    Each normalised text value gets a code, its rank among the column's
    normalised values (from 1; null stays null): the measures group and
    order by these integers, in the order of the text. A typed column
    (``Prepared.direct``: a Parquet date or year) needs no lookup: its checks
    (is it missing) run row by row, which the engine answers from the file's
    statistics. ``stage`` must materialise (it keeps an optimiser from
    running the checks on every row below a ``DISTINCT``).
    """
    import ibis

    raw = prepared.raw
    single: dict[str, list[int]] = {c: [] for c in prepared.columns if c not in prepared.direct}
    per_row: list[int] = []
    for i, check in enumerate(prepared.checks):
        if len(check.inputs) == 1 and check.inputs[0] not in prepared.direct:
            single.setdefault(check.inputs[0], []).append(i)
        else:
            per_row.append(i)
    parts = []
    normal: dict[str, Any] = {}
    failing = []  # per checked column, its failing values: how many, how many null
    bad_values: dict[str, Any] = {}  # per checked column, its failing distinct values
    for column, indices in single.items():
        values = raw.select(column)
        if column in IDENTIFIERS:
            found = unnormalised(values[column], nulls=bool(indices))
            values = values.filter(found).distinct()
        else:
            values = distinct_values(values)
        others = {c: ibis.null(raw[c].type()) for c in raw.columns if c != column}
        t = prepared.subset(values.mutate(**others).select(*raw.columns), (column,)).table
        flags = [t[f"_bad{i}"] for i in indices]
        value = t[f"n_{column}"] if column in prepared.columns else ibis.null("string")
        code = value
        if column in IDENTIFIERS:
            code = ibis.null("int64")
        elif value.type().is_string():
            rank = ibis.dense_rank().over(ibis.window(order_by=value)) + 1
            code = ibis.ifelse(value.isnull(), ibis.null("int64"), rank)
        normal[column] = stage(
            t.select(
                _k=t[column],
                _n=value,
                _i=code,
                _bad=ibis.or_(*flags) if flags else ibis.literal(False),
            )
        )
        if indices:
            bad = bad_values[column] = normal[column].filter(normal[column]._bad)
            failing.append(
                bad.aggregate(
                    _column=ibis.literal(column),
                    n=bad.count(),
                    nulls=bad._k.isnull().cast("int64").sum(),
                )
            )
    # The rows holding a failing value, read only for columns that have one.
    for row in records(ibis.union(*failing)) if failing else ():
        column, n, nulls = row["_column"], _count(row["n"]), _count(row["nulls"])
        if n > nulls:
            parts.append(raw.filter(raw[column].isin(bad_values[column]._k)))
        if nulls:
            parts.append(raw.filter(raw[column].isnull()))
    if per_row:
        inputs = tuple({c for i in per_row for c in prepared.checks[i].inputs})
        t = prepared.subset(raw, inputs).table
        parts.append(t.filter(ibis.or_(*[t[f"_bad{i}"] for i in per_row])).select(*raw.columns))
    if not parts:
        suspects = raw.filter(ibis.literal(False))
    elif len(parts) == 1:
        suspects = parts[0]
    else:
        suspects = ibis.union(*parts, distinct=True)
    checked = prepared.subset(stage(suspects))
    counted = records(checked.table.aggregate(n=checked.any_bad().cast("int64").sum()))[0]
    rejected = None
    if _count(counted["n"]):
        rejected = stage(checked.table.filter(checked.any_bad()).select("_fileno", "_row"))
    rows = int(raw.count().to_pyarrow().as_py())
    return Screened(checked, rejected, rows, normal, prepared.direct)
