"""One column of an interchange file checked cell by cell, vectorised.

:func:`check_column` gives every bad cell of a column as ``(row, reason)``
(``row`` counts data rows from 1; ``None`` when the whole column is of the
wrong type): required values, the type's text form (whole numbers, numbers
with a dot, ISO dates that exist), booleans, code lists and list elements,
the length the register stores, whole numbers the database can hold, NUL
characters, and ICD-10 codes. The checks run with pyarrow's compute kernels
over a batch of rows; :mod:`painreg.tidy.validation` reads the files, keeps
the problems and checks what spans rows and tables (keys, references, dates
against each other).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from painreg.tidy import rules, schema
from painreg.tidy.schema import LIST_SEPARATOR, Column

#: A bad cell: its row (None for the whole column) and why.
Finding = tuple[int | None, str]

INT = r"^-?[0-9]+$"
FLOAT = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: ICD-10 (and ICD-10-SE) code: letter, two digits, optional dot and up to 4 more.
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$"
ICD10 = re.compile(ICD10_PATTERN)

#: Native Parquet types read in the column's own type (``validation.NATIVE_COLUMNS``).
NATIVE_TYPES = {
    "float": lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    "int": pa.types.is_integer,
    "date": pa.types.is_date32,
}

#: The largest whole number a column of the register stores (a 32-bit integer
#: in every database; PostgreSQL refuses a larger one).
INT_MAX = 2**31 - 1

_EXPECTED = {
    "int": "a whole number",
    "float": "a number with a dot as decimal separator",
    "date": "an ISO date YYYY-MM-DD",
}


def bad_rows(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Positions where ``mask`` is true (nulls count as false)."""
    filled = pc.fill_null(mask, False)
    return np.flatnonzero(np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool))


def is_text(values: pa.ChunkedArray | pa.Array) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def _flagged(
    values: pa.ChunkedArray, start: int, mask: Any, reason: str | Callable[[Any], str]
) -> Iterator[Finding]:
    """A finding for each row where ``mask`` holds; ``reason`` may word the row's value."""
    for i in bad_rows(mask):
        yield start + int(i), reason(values[int(i)].as_py()) if callable(reason) else reason


def check_column(col: Column, values: pa.ChunkedArray, start: int) -> Iterator[Finding]:
    """Every bad cell of ``values`` (column ``col``, its first row numbered ``start``)."""
    present = pc.is_valid(values)
    if not col.nullable:
        yield from _flagged(values, start, pc.invert(present), "a value is required")
    kind = col.type
    pattern = {"int": INT, "float": FLOAT, "date": DATE}.get(kind)
    if pattern is not None and not is_text(values):
        # A native Parquet column (validation.NATIVE_COLUMNS) of the column's type.
        if not NATIVE_TYPES[kind](values.type):
            yield None, f"type {values.type} is not {kind}"
        elif kind == "date":
            yield from _impossible_dates(values, values, start)
        elif kind == "int":
            yield from _int_range(values, start)
        elif kind == "float":
            bad = pc.invert(pc.is_finite(values))
            yield from _flagged(values, start, bad, lambda v: f"{v!r} is not a number")
        return
    if pattern is not None:
        bad = pc.invert(pc.match_substring_regex(values, pattern))
        if kind == "date":
            parsed = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
            # strptime rolls 2021-02-30 over to March: format back and compare.
            same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), values)
            bad = pc.or_(bad, pc.invert(pc.fill_null(same, False)))
        yield from _flagged(values, start, bad, lambda v: f"{v!r} is not {_EXPECTED[kind]}")
        if kind == "date":
            well_formed = pc.if_else(bad, pa.scalar(None, parsed.type), parsed)
            yield from _impossible_dates(values, well_formed, start)
    elif kind == "bool":
        bad = pc.and_(present, pc.invert(pc.is_in(values, value_set=pa.array(["true", "false"]))))
        yield from _flagged(values, start, bad, lambda v: f"{v!r} is not true or false")
    elif kind == "enum" and col.choices:
        bad = pc.and_(present, pc.invert(pc.is_in(values, value_set=pa.array(list(col.choices)))))
        choices = ", ".join(col.choices)
        yield from _flagged(values, start, bad, lambda v: f"{v!r} is not one of {choices}")
    elif kind == "list":
        yield from _list_elements(col, values, start, present)
    if kind == "int":
        yield from _int_range(values, start)
    if is_text(values):
        nul = pc.match_substring(values, "\x00")
        yield from _flagged(values, start, nul, "contains a NUL character (\\x00)")
    if col.max_length is not None:
        too_long = pc.greater(pc.utf8_length(values), col.max_length)
        yield from _flagged(values, start, too_long, f"longer than {col.max_length} characters")
    if col.name == "main_diagnosis":
        bad = pc.and_(present, pc.invert(pc.match_substring_regex(values, ICD10_PATTERN)))
        yield from _flagged(
            values, start, bad, lambda v: f"{v!r} is not an ICD-10 code (e.g. M79.7)"
        )


def _impossible_dates(values: pa.ChunkedArray, dates: Any, start: int) -> Iterator[Finding]:
    """Well-formed dates the register cannot hold (:func:`painreg.tidy.rules.possible_date`)."""
    low = pa.scalar(rules.EARLIEST_DATE).cast(pa.date32())
    high = pa.scalar(rules.LATEST_DATE).cast(pa.date32())
    days = pc.cast(dates, pa.date32())
    outside = pc.or_(pc.less(days, low), pc.greater(days, high))
    # The message shows the value as text: a date32 past year 9999 has no Python date.
    text = values if is_text(values) else pc.cast(days, pa.string())
    yield from _flagged(
        text, start, outside,
        lambda v: f"{v} is not a possible date (the register holds "
        f"{rules.EARLIEST_DATE.year}–{rules.LATEST_DATE.year})",
    )  # fmt: skip


def _list_elements(
    col: Column, values: pa.ChunkedArray, start: int, present: Any
) -> Iterator[Finding]:
    allowed = f"one of {', '.join(col.choices)}" if col.choices else "an ICD-10 code"
    for i in bad_rows(present):
        bad_elements = [
            e for e in schema.split_list(values[int(i)].as_py()) if not _list_element_ok(col, e)
        ]
        if bad_elements:
            yield (
                start + int(i),
                f"{LIST_SEPARATOR.join(bad_elements)!r}: each element must be {allowed} "
                f"(elements separated by '{LIST_SEPARATOR}')",
            )


def _int_range(values: pa.ChunkedArray, start: int) -> Iterator[Finding]:
    """Whole numbers beyond what the database stores (text or native Parquet)."""
    if is_text(values):
        ok = pc.match_substring_regex(values, INT)
        numbers = pc.if_else(ok, values, pa.scalar(None, pa.string()))
        magnitude = pc.abs(pc.cast(numbers, pa.float64()))
    elif pa.types.is_integer(values.type):
        magnitude = pc.abs(pc.cast(values, pa.float64()))
    else:
        return
    yield from _flagged(
        values, start, pc.greater(magnitude, INT_MAX),
        lambda v: f"{v} is larger than the register stores (at most {INT_MAX})",
    )  # fmt: skip


def _list_element_ok(col: Column, element: str) -> bool:
    if col.choices:
        return element in col.choices
    if col.name == "secondary_diagnoses":
        return ICD10.match(element) is not None
    return True
