"""docs/interchange.md, generated from :data:`painreg.tidy.schema.TABLES`.

The datasette/cog habit: the table reference is rendered from the one
declaration of the format, so the document cannot drift from what the
readers, writers and the validator do (``tests/unit/test_docs_drift.py``).
"""

from __future__ import annotations

from painreg.tidy.codebook import DESCRIPTOR_NAME, WORKBOOK_NAME, coded_lists, rules_text, type_text
from painreg.tidy.schema import LIST_SEPARATOR, TABLES

INTRO = """\
# Interchange format: the register as tidy tables

Generated from `painreg.tidy.schema` by `make docs`; do not edit by hand.

The register moves in and out as a directory of tables, one file per table,
all CSV or all Parquet: `units`, `unit_year_totals`, `patients`,
`registrations`, `answers`, and the derived `scores`. The same files are what
`painreg synth registry` writes, what `painreg export` writes, what `painreg
import` reads, and what the analytics read (`painreg.tidy.schema.read_tables`).
Users, audit history and invitations are not part of the format by design.
A sick-leave extract from Försäkringskassan travels beside the register as
two more tables, `sick_leave_coverage` (its covered period, one row) and
`sick_leave` (the benefit periods): always both, or neither. `painreg import`
replaces the register's previous extract with it (the same extract twice
changes nothing), clips periods partly outside the covered period to it and
counts them in its report, refuses periods wholly outside, and refuses
periods of patients the register does not hold unless given
`--skip-unknown-patients` (then they are skipped and counted). `painreg
export` writes the register's extract with the same patient ids as
`patients` (the keyed pseudonym in a pseudonymised export).
`painreg sick-leave convert` turns Försäkringskassan's own shape (its column
names and codes, through a mapping file) into these tables
(docs/annual-report.md).
The codes and labels of every coded column, and the machine-readable
codebook each export carries, are at the end ("Codebook").

## Conventions

- One file per table, named `<table>.csv` or `<table>.parquet`; a directory
  must not hold both for the same table.
- CSV: UTF-8, a header row, comma-separated, dot as decimal separator, fields
  quoted where needed (`painreg export` quotes every text field).
- Dates are ISO `YYYY-MM-DD`; booleans `true` / `false`.
- An empty cell is a missing value; an empty text is never a value.
- List cells hold their elements joined by `{sep}` (`ergonomic{sep}rehab_plan`);
  exports write them sorted and without duplicates. In Parquet and in Arrow
  the list columns are the same `{sep}`-joined text, so a CSV and a Parquet
  snapshot hold the same values.
- Columns marked *optional* may be absent from a file (they are then empty,
  or take their default); all other columns must be present.
- Rows are written sorted by the table's key, so the same register gives the
  same bytes: export, import into an empty database, export again gives
  identical files (tested on SQLite and PostgreSQL).

## Patient ids and pseudonymisation

`patient_id` is the personnummer or samordningsnummer, 12 digits
`YYYYMMDDNNNN` without separator, in an identified export.
`painreg export --pseudonymise` writes instead the HMAC-SHA256 (hex, 64
characters) of that 12-digit form, keyed with the registry holder's secret
`PAINREG_PSEUDONYM_KEY` (environment, at least 32 random characters; keep it safe
and keep it unchanged: the same secret gives the same pseudonym in every
export, so the holder, and only the holder, can link two extracts). Patients
known only by an external id are keyed as HMAC-SHA256 of `ext:<id>`. A
pseudonymised export contains no personnummer anywhere.

On import, an id of the form `YYYYMMDDNNNN` (or `YYYYMMDD-NNNN`) is an
identified patient and must be a valid personnummer or samordningsnummer
whose year matches `birth_year`; any other id (a pseudonym, another
register's id) is kept as an external id: such a patient cannot be invited
to answer but counts in every report. So a research extract round-trips
unchanged.

Opted-out and deleted patients never appear in an export. Every export is
written to the access log with who exported, what (identified or
pseudonymised, format, units, dates) and how many patients.

## Export

`painreg export DIR [--format csv|parquet] [--units CODE ...] [--from DATE]
[--to DATE] [--pseudonymise]` writes every table, `scores` included (the
scores the register stored when the answers were saved), and the codebook
(`datapackage.json`, `codebook.xlsx`: "Codebook" below). `--units` keeps the
named units; `--from`/`--to` keep the registrations whose counting date
(DOMAIN.md: the rehab end date of a rehab registration, the first visit of
an assessment) lies in the range, and the unit-year totals of those years; a
rehab still ongoing belongs to no year and is left out of a dated export.
Without a selection every patient in the register is exported, with one only
those of the exported registrations. The export streams one chunk of registrations at a time and
shows progress.

The interchange tables are machine files: every value is written exactly as
the register holds it, so that export, import and export again give the same
bytes. Unlike the files painreg writes for people (the access extract, the
import's problem report, the Excel appendices), text that starts like a
spreadsheet formula (`=`, `+`, `-`, `@`) is *not* neutralised here: read the
tables with a program, or import the CSV into a spreadsheet as text, never
by opening it directly.

## Import

`painreg import DIR [--check] [--report FILE]` first validates every file
against the format and the instrument catalogue and checks the references
between the files and to what the register already holds. If **any** row is
rejected nothing is written and every problem is listed as
`file, row N, column C: reason` (row numbers count data rows from 1, so row 1
is line 2 of a CSV file); `--report FILE` writes them all to a CSV file.
`--check` validates only.

A valid import is one transaction, loaded in bulk (`COPY` on PostgreSQL,
multi-row inserts on SQLite). On PostgreSQL a large load (200,000 rows or
more into answers or scores) into an empty table drops the table's indexes,
primary key, unique and foreign-key constraints and re-creates them, with the
same names, once the rows are in (one index build and one join per foreign
key instead of millions of row-by-row updates and checks); into a table
that has rows it does so for the foreign keys only. All of it is inside the
import's transaction, so a failure leaves the database as it was, and the
answers and scores tables are locked until the import commits: run large
imports outside opening hours. Rows whose id exists already (unit code,
personnummer or external id, `registration_id`, the same item of the same
occasion of a registration) are left as they are and counted as already
present: importing the same files twice adds nothing. Corrections of
existing data are made in the application, where each change is audited.
The import creates the occasions of new registrations, stores the scores of
every occasion that received answers (computed by
`painreg.instruments.score_answers`, the same function the application uses)
and the occasions' status, and writes one audit event `register.import`
with the counts. A `scores` file in the directory is not read: scores are
always recomputed. `registration_id` of a registration entered in the
application is its database id; an imported one keeps its id.

## Validation

{validation}
Further rules: an assessment has no rehab dates and cannot be discontinued; a
discontinuation reason needs `discontinued = true`; the rehab start is not
before the first visit, nor the first visit before the referral; a unit's
`active_to` is not before its `active_from` and its `hsa_id` is unique;
years of `unit_year_totals` are 2000-2100 and totals not negative; a
`registration_id` the register already holds must name the same patient at
the same unit (a database id in a file from elsewhere is refused rather than
attached to someone else's registration).

## Tables
"""


VALIDATION_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "file readable, UTF-8",
        "units.csv: the file is not UTF-8 text; save it as CSV UTF-8",
    ),
    (
        "required and unknown columns",
        "units.csv, column region_code: required column is missing",
    ),
    (
        "malformed CSV lines",
        "answers.csv, row 7: expected 6 fields, found 5",
    ),
    (
        "required values",
        "registrations.csv, row 3, column first_visit_date: a value is required",
    ),
    (
        "types",
        "answers.csv, row 4, column answered_on: '01/02/2021' is not an ISO date YYYY-MM-DD",
    ),
    (
        "codes",
        "units.csv, row 2, column care_level: 'tertiary' is not one of primary, specialist",
    ),
    (
        "list elements",
        "registrations.csv, row 1, column work_measures: 'flying': each element must be one of …",
    ),
    (
        "ICD-10 shape",
        "registrations.csv, row 2, column main_diagnosis: 'banana' is not an ICD-10 code "
        "(e.g. M79.7)",
    ),
    (
        "lengths",
        "patients.csv, row 5, column patient_id: longer than 64 characters",
    ),
    (
        "catalogue items",
        "answers.csv, row 3, column item: 'zzz_1' is not an item of the instrument catalogue",
    ),
    (
        "catalogue values",
        "answers.csv, row 1, column value: 4 is outside 0-3",
    ),
    (
        "personnummer",
        "patients.csv, row 2, column patient_id: looks like a personnummer but is not "
        "valid: The check digit is wrong. …",
    ),
    (
        "references",
        "registrations.csv, row 2, column unit_id: 'u9' is not in units (neither in the "
        "files nor in the register)",
    ),
    (
        "duplicates",
        "answers.csv, row 2, column item: answered twice: same registration_id, occasion "
        "and item as row 1",
    ),
    (
        "registration rules",
        "registrations.csv, row 1, column rehab_end_date: is before rehab_start_date",
    ),
    (
        "occasions of assessments",
        "answers.csv, row 9, column occasion: 'end': an assessment registration has only "
        "the initial occasion",
    ),
)


CODES_INTRO = """\
## Codebook: codes and labels

The codes a coded column allows, with their Swedish and English labels
(`painreg.tidy.vocabulary`). `painreg export` writes the same codebook beside
the tables, twice:

- `{descriptor}`: a Frictionless Data Package descriptor (Data Package v2).
  Each table is a resource whose Table Schema gives every column's type, the
  required cells (`constraints.required`), the allowed codes
  (`constraints.enum`, or for a list column a `pattern` that admits only
  allowed codes joined by `;`), the key (`primaryKey`) and the references
  between tables (`foreignKeys`). Each coded column lists its codes in
  `categories`: `label` is the Swedish label, `labels` holds `sv` and `en`.
  Any Frictionless tool reads and checks the files with it, e.g.
  `frictionless validate datapackage.json` in the export's folder. The
  descriptor carries no date, so the same export gives the same bytes.
- `{workbook}`: the same content as one Excel sheet (*Kodbok*): one row per
  column, then one per code with its labels, for people who read the
  codebook in a spreadsheet. Text is written as text, never as a formula.

`painreg codebook DIR` writes both files without a database, for a
researcher who plans an analysis before receiving data.
"""


def render_markdown() -> str:
    examples = ["| check | example message |", "|---|---|"]
    examples += [f"| {check} | `{message}` |" for check, message in VALIDATION_EXAMPLES]
    lines = [INTRO.format(sep=LIST_SEPARATOR, validation="\n".join(examples))]
    for table in TABLES.values():
        lines.append(f"### `{table.name}`")
        lines.append("")
        lines.append(table.description)
        lines.append("")
        key = ", ".join(f"`{k}`" for k in table.key)
        lines.append(f"Key: {key}." + ("" if table.imported else " Not read by import."))
        lines.append("")
        lines.append("| column | type | meaning | rules |")
        lines.append("|---|---|---|---|")
        for col in table.columns:
            lines.append(
                f"| `{col.name}` | {type_text(col)} | {col.description} | {rules_text(col)} |"
            )
        lines.append("")
    lines.append(CODES_INTRO.format(descriptor=DESCRIPTOR_NAME, workbook=WORKBOOK_NAME))
    for codes, columns in coded_lists():
        used = ", ".join(f"`{c}`" for c in columns)
        lines += [f"### `{codes.name}`", "", f"Used by {used}.", ""]
        lines += ["| code | Swedish | English |", "|---|---|---|"]
        lines += [f"| `{c.value}` | {c.sv} | {c.en} |" for c in codes]
        lines.append("")
    return "\n".join(lines)
