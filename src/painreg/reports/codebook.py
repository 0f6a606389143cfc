"""The codebook of the interchange format as an Excel workbook (one sheet, *Kodbok*).

The content is :func:`painreg.tidy.codebook.rows` (the same as
``datapackage.json`` and ``docs/interchange.md``); the writer is the one
Excel writer of :mod:`painreg.reports.publishing`, which writes text as text
(a label or description never becomes a formula).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from painreg.outputs import write_outputs
from painreg.reports.publishing import ExcelBook, Table
from painreg.tidy import codebook

SHEET = "Kodbok"
TITLE = "Kodbok: utbytesformatets tabeller, kolumner och koder"
COLUMNS = [
    "Tabell",
    "Kolumn",
    "Typ",
    "Regler",
    "Beskrivning (engelska)",
    "Kod",
    "Etikett (svenska)",
    "Etikett (engelska)",
]
NOTE = (
    "En rad per kolumn, följd av en rad per tillåten kod med dess etiketter. "
    "Samma innehåll som datapackage.json (Frictionless Data Package) och "
    "docs/interchange.md."
)


def codebook_workbook() -> bytes:
    """The codebook workbook's bytes."""
    rows = [
        [r.table, r.column, r.type, r.rules, r.description, r.code, r.label_sv, r.label_en]
        for r in codebook.rows()
    ]
    book = ExcelBook()
    # A fixed creation date (the only changing byte): the same codebook gives the
    # same file, so an export, imported and exported again, gives the same bytes.
    book.book.set_properties({"created": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)})
    sheet = book.table_sheet(Table.of_values(TITLE, COLUMNS, rows), SHEET, note=NOTE)
    sheet.set_column(0, 1, 22)
    sheet.set_column(2, 3, 18)
    sheet.set_column(4, 4, 60)
    sheet.set_column(5, 7, 28)
    return book.close()


def write_codebook(
    directory: Path | str,
    format: str = "csv",
    *,
    pseudonymised: bool = False,
    private: bool = False,
) -> list[Path]:
    """Write ``datapackage.json`` and ``codebook.xlsx`` into ``directory``; their paths.

    ``private``: mode 0600, as the tables of an identified export beside them. The
    optional sick-leave tables are described only when the directory holds them."""
    from painreg.tidy.schema import SICK_LEAVE_TABLES, table_path

    without = [t for t in SICK_LEAVE_TABLES if table_path(Path(directory), t) is None]
    return write_outputs(
        directory,
        [
            (
                codebook.DESCRIPTOR_NAME,
                codebook.datapackage_json(format, pseudonymised=pseudonymised, without=without),
            ),
            (codebook.WORKBOOK_NAME, codebook_workbook()),
        ],
        private=private,
    )
