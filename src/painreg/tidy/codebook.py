"""The codebook of the interchange format, generated from its one declaration.

Three forms of one content, all rendered from :data:`painreg.tidy.schema.TABLES`
and the code lists of :mod:`painreg.tidy.vocabulary`, so none can drift from
what the readers, writers and the validator do:

* :func:`datapackage`: a Frictionless Data Package descriptor
  (``datapackage.json``, Data Package v2) that ``painreg export`` writes beside
  the tables. Every table is a resource with its Table Schema: the types, the
  required cells, the allowed codes (``constraints.enum``), the key
  (``primaryKey``) and the references (``foreignKeys``). Each coded column
  lists its codes with their labels (``categories``: ``label`` is the Swedish
  form label, ``labels`` holds the Swedish and English ones). A list column
  (codes joined by ``;``) is a ``string`` whose ``pattern`` admits only
  allowed codes, so a generic validator (``frictionless validate``) checks
  the files as ``painreg import`` does for codes and types.
* :func:`rows`: the same content as rows (one per column, then one per code),
  which :mod:`painreg.reports.codebook` writes as an Excel sheet and
  :mod:`painreg.tidy.reference` as tables of ``docs/interchange.md``.

The descriptor carries no date or version, so the same register and options
give the same bytes (the export's golden files).

Pure Python: no Django, no Frictionless (a test validates the descriptor with
the ``frictionless`` library).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from painreg.tidy import vocabulary
from painreg.tidy.schema import LIST_SEPARATOR, TABLES, Column, InterchangeTable

#: File names of the codebook beside the tables of an export.
DESCRIPTOR_NAME = "datapackage.json"
WORKBOOK_NAME = "codebook.xlsx"
CODEBOOK_FILES: frozenset[str] = frozenset({DESCRIPTOR_NAME, WORKBOOK_NAME})

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"

#: Interchange type -> Table Schema type.
FIELD_TYPES: dict[str, str] = {
    "string": "string",
    "enum": "string",
    "list": "string",
    "int": "integer",
    "float": "number",
    "date": "date",
    "bool": "boolean",
}

MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def code_list(column: Column) -> vocabulary.CodeList | None:
    """The code list whose codes ``column`` allows (None for an uncoded column).

    Found by its codes, so a column cannot name one list and allow another's.
    """
    if column.choices is None:
        return None
    for codes in vocabulary.CODE_LISTS.values():
        if codes.values == tuple(column.choices):
            return codes
    raise LookupError(f"column {column.name}: its codes are no code list of tidy.vocabulary")


def _list_pattern(codes: tuple[str, ...]) -> str:
    one = "(?:" + "|".join(re.escape(c) for c in codes) + ")"
    return f"{one}(?:{re.escape(LIST_SEPARATOR)}{one})*"


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": column.name,
        "type": FIELD_TYPES[column.type],
        "description": _description(column),
    }
    constraints: dict[str, Any] = {}
    if not column.nullable:
        constraints["required"] = True
    if column.max_length:
        constraints["maxLength"] = column.max_length
    if column.type == "enum" and column.choices:
        constraints["enum"] = list(column.choices)
    if column.type == "list" and column.choices:
        constraints["pattern"] = _list_pattern(tuple(column.choices))
    if constraints:
        field["constraints"] = constraints
    if column.type == "bool":
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    codes = code_list(column)
    if codes is not None:
        field["categories"] = [
            {"value": c.value, "label": c.sv, "labels": {"sv": c.sv, "en": c.en}} for c in codes
        ]
    return field


def _description(column: Column) -> str:
    notes = [column.description]
    if column.type == "list":
        notes.append(f"Elements joined by '{LIST_SEPARATOR}', sorted, without duplicates.")
    if column.default is not None:
        notes.append(f"Empty means {str(column.default).lower()}.")
    if column.optional:
        notes.append("Optional column: an import accepts a file without it.")
    return " ".join(notes)


def _resource(table: InterchangeTable, format: str) -> dict[str, Any]:
    foreign_keys = []
    for column in table.columns:
        if column.references:
            other, other_column = column.references.split(".")
            foreign_keys.append(
                {
                    "fields": [column.name],
                    "reference": {"resource": other, "fields": [other_column]},
                }
            )
    schema: dict[str, Any] = {
        "fields": [_field(c) for c in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.key),
    }
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    resource: dict[str, Any] = {
        "name": table.name,
        "type": "table",
        "path": f"{table.name}.{format}",
        "format": format,
        "mediatype": MEDIA_TYPES[format],
    }
    if format == "csv":
        resource["encoding"] = "utf-8"
    resource["description"] = table.description + (
        "" if table.imported else " Derived: painreg import does not read it."
    )
    resource["schema"] = schema
    return resource


def datapackage(
    format: str = "csv", *, pseudonymised: bool = False, without: Collection[str] = ()
) -> dict[str, Any]:
    """The Data Package descriptor of an interchange directory in ``format``.

    ``without``: tables the directory does not hold (the optional sick-leave
    tables of a register without an extract)."""
    ids = (
        "patient_id holds keyed pseudonyms (HMAC-SHA256 with the registry holder's secret), "
        "no personnummer."
        if pseudonymised
        else "patient_id holds personnummer or samordningsnummer: the files identify patients."
    )
    return {
        "$schema": PROFILE,
        "name": "painreg-interchange",
        "title": "painreg: the register as tidy tables (interchange format)",
        "description": (
            "Chronic pain rehabilitation quality register: units, unit-year totals, patients, "
            "registrations, answers and the derived scores. " + ids + " The format, its "
            "conventions and the validation rules: docs/interchange.md of painreg."
        ),
        "resources": [_resource(t, format) for t in TABLES.values() if t.name not in without],
    }


def datapackage_json(
    format: str = "csv", *, pseudonymised: bool = False, without: Collection[str] = ()
) -> str:
    """:func:`datapackage` as the text of ``datapackage.json`` (stable key order)."""
    descriptor = datapackage(format, pseudonymised=pseudonymised, without=without)
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class CodebookRow:
    """One line of the codebook: a column (``code`` empty) or one of its codes."""

    table: str
    column: str
    type: str
    rules: str
    description: str
    code: str = ""
    label_sv: str = ""
    label_en: str = ""


#: The words of :attr:`CodebookRow.type`, for people.
TYPE_WORDS: dict[str, str] = {
    "string": "text",
    "enum": "code",
    "list": "list",
    "int": "integer",
    "float": "number",
    "date": "date",
    "bool": "boolean",
}


def type_text(column: Column) -> str:
    text = TYPE_WORDS[column.type]
    return text + (f" (≤ {column.max_length})" if column.max_length else "")


def rules_text(column: Column, *, with_codes: bool = True) -> str:
    parts = []
    if column.optional:
        parts.append("optional column")
    parts.append("may be empty" if column.nullable else "required")
    if column.default is not None:
        parts.append(f"empty means `{str(column.default).lower()}`")
    if column.references:
        parts.append(f"refers to `{column.references}`")
    if with_codes and column.choices:
        parts.append("codes: " + ", ".join(f"`{c}`" for c in column.choices))
    return "; ".join(parts)


def rows() -> list[CodebookRow]:
    """Every column of every table, each followed by its codes and their labels."""
    result = []
    for table in TABLES.values():
        for column in table.columns:
            base = {
                "table": table.name,
                "column": column.name,
                "type": type_text(column),
                "rules": rules_text(column, with_codes=False).replace("`", ""),
                "description": _description(column),
            }
            result.append(CodebookRow(**base))
            for code in code_list(column) or ():
                result.append(
                    CodebookRow(**base, code=code.value, label_sv=code.sv, label_en=code.en)
                )
    return result


def coded_lists() -> list[tuple[vocabulary.CodeList, list[str]]]:
    """Each code list the format uses, with the ``table.column`` names that use it."""
    found: dict[str, tuple[vocabulary.CodeList, list[str]]] = {}
    for table in TABLES.values():
        for column in table.columns:
            codes = code_list(column)
            if codes is not None:
                found.setdefault(codes.name, (codes, []))[1].append(f"{table.name}.{column.name}")
    return list(found.values())
