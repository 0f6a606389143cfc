"""A sick-leave extract from Försäkringskassan in its own shape -> the interchange tables.

Real extracts name their columns and code their values in Försäkringskassan's
words (``Förmån: SJP``, ``FOM``/``TOM``, ``Omfattning: 1/2``, dates as
``20210315``). A mapping file (YAML, as for contact extracts) lists per
canonical column the local names and per coded column the local values; the
package ships one (``data/sick_leave_mapping_sv.yaml``) and a user's file is
laid over it (the user's entries win). Matching is exact after trimming
spaces and folding case; a value the mapping does not know is reported with
its row and column, never guessed (a guessed extent would change every
figure).

:func:`convert_extract` writes ``sick_leave`` and ``sick_leave_coverage``
(the covered period is stated by whoever ordered the extract: it is not in
the rows) into a directory, for ``painreg import`` or ``--data``. Pure
Python; no Django.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from painreg.errors import UserError, read_yaml
from painreg.tidy import schema

COLUMNS: tuple[str, ...] = schema.get_table("sick_leave").column_names
#: The canonical codes of each mapped column (always accepted as themselves).
CANONICAL_VALUES: dict[str, tuple[str, ...]] = {
    "benefit": schema.SICK_LEAVE_BENEFITS,
    "extent": tuple(str(e) for e in schema.SICK_LEAVE_EXTENTS),
}
#: Problems listed in the error before "... and N more".
SHOWN_PROBLEMS = 20


def fold(text: object) -> str:
    """The form in which headers and values are compared."""
    return str(text).strip().casefold()


@dataclass(frozen=True)
class Mapping:
    """Folded local header -> canonical column; per column, folded value -> canonical."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def value_map(self, column: str) -> dict[str, str]:
        result = {fold(v): v for v in CANONICAL_VALUES.get(column, ())}
        result.update(self.values.get(column, {}))
        return result


def _parse(data: object, source: str) -> Mapping:
    if data is None:
        return Mapping()
    if not isinstance(data, dict) or not set(data) <= {"columns", "values"}:
        raise UserError(f"{source}: a mapping file has the keys 'columns' and 'values' only")
    columns: dict[str, str] = {}
    for local, canonical in (data.get("columns") or {}).items():
        if canonical not in COLUMNS:
            raise UserError(f"{source}: columns: {local!r} maps to unknown column {canonical!r}")
        columns[fold(local)] = canonical
    values: dict[str, dict[str, str]] = {}
    for column, table in (data.get("values") or {}).items():
        allowed = CANONICAL_VALUES.get(column)
        if allowed is None:
            raise UserError(
                f"{source}: values: column {column!r} has no value mapping "
                f"(mapped columns: {', '.join(CANONICAL_VALUES)})"
            )
        for local, canonical in (table or {}).items():
            if str(canonical) not in allowed:
                raise UserError(
                    f"{source}: values: {column}: {local!r} maps to {canonical!r}, "
                    f"which is not one of {', '.join(allowed)}"
                )
            values.setdefault(column, {})[fold(local)] = str(canonical)
    return Mapping(columns, values)


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The shipped mapping, with the user's file (if any) laid over it."""
    text = resources.files("painreg.tidy").joinpath("data/sick_leave_mapping_sv.yaml")
    base = _parse(yaml.safe_load(text.read_text("utf-8")), "sick_leave_mapping_sv.yaml")
    if path is None:
        return base
    user = _parse(read_yaml(path, "the mapping file"), str(path))
    values = {k: dict(v) for k, v in base.values.items()}
    for column, table in user.values.items():
        values.setdefault(column, {}).update(table)
    return Mapping({**base.columns, **user.columns}, values)


_DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{8}"), "%Y%m%d"),
)


def parse_date(text: str) -> dt.date | None:
    """``2021-03-15`` or ``20210315`` (Försäkringskassan's), else None."""
    text = text.strip()
    for pattern, fmt in _DATE_FORMATS:
        if pattern.fullmatch(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                return None
    return None


@dataclass
class Converted:
    """What :func:`convert_extract` wrote."""

    rows: int
    files: list[Path]


def _read_rows(source: Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = source.read_text(encoding="cp1252")  # Excel's "CSV" in Swedish Windows
    except OSError as exc:
        raise UserError(f"{source}: cannot read the extract ({exc.strerror or exc})") from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows:
        raise UserError(f"{source}: the extract is empty")
    return [h.strip() for h in rows[0]], [r for r in rows[1:] if any(c.strip() for c in r)]


def convert_extract(
    source: Path | str,
    output: Path | str,
    *,
    covers_from: dt.date,
    covers_to: dt.date,
    mapping_path: str | Path | None = None,
    format: str = "csv",
) -> Converted:
    """Write ``sick_leave`` and ``sick_leave_coverage`` from a Försäkringskassan extract.

    Raises :class:`UserError` naming file, row and column of every problem (the
    first :data:`SHOWN_PROBLEMS`, then how many more); nothing is written then.
    Row numbers count data rows from 1.
    """
    source = Path(source)
    if covers_to < covers_from:
        raise UserError("the covered period ends before it starts")
    mapping = load_mapping(mapping_path)
    headers, rows = _read_rows(source)
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = fold(header)
        canonical = key if key in COLUMNS else mapping.columns.get(key)
        if canonical is None:
            continue
        if canonical in found:
            raise UserError(
                f"{source.name}: columns {headers[found[canonical]]!r} and {header!r} both "
                f"mean {canonical!r}; remove one or fix the mapping file"
            )
        found[canonical] = index
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        raise UserError(
            f"{source.name}: missing column(s) {', '.join(missing)}; the file has "
            f"{', '.join(headers)}. Rename them or add them to a --mapping file"
        )
    maps = {c: mapping.value_map(c) for c in CANONICAL_VALUES}
    problems: list[str] = []
    out: list[dict[str, object]] = []
    for number, row in enumerate(rows, start=1):
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in found.items()}
        record: dict[str, object] = {}
        for column, value in cells.items():
            header = headers[found[column]]
            where = f"{source.name}, row {number}, column {header}"
            if not value:
                problems.append(f"{where}: empty")
            elif column in maps:
                code = maps[column].get(fold(value))
                if code is None:
                    problems.append(f"{where}: {value!r} is not a known code (add it to --mapping)")
                record[column] = int(code) if column == "extent" and code else code
            elif column in ("start_date", "end_date"):
                date = parse_date(value)
                if date is None:
                    problems.append(f"{where}: {value!r} is not a date (YYYY-MM-DD or YYYYMMDD)")
                record[column] = date
            else:
                record[column] = value
        out.append(record)
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        more = len(problems) - len(shown)
        raise UserError(
            "the extract cannot be converted; nothing written:\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more:,} more" if more else "")
        )
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    schema.write_table(
        output,
        "sick_leave_coverage",
        [{"covers_from": covers_from, "covers_to": covers_to}],
        format,
        private=True,
    )
    schema.write_table(output, "sick_leave", [out] if out else [], format, private=True)
    return Converted(
        rows=len(out),
        files=[schema.table_path(output, n) for n in schema.SICK_LEAVE_TABLES],  # type: ignore[misc]
    )
