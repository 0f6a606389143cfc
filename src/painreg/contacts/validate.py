"""Validation of contact extracts and certificates: every rejected row named, with reasons.

The rule for every input: bad input is reported by file, row, column
and reason; rejected rows are counted and listed, never silently dropped;
``--strict`` makes any rejection fatal. Checks are Ibis expressions over the
raw table (so they run where the data is, on any engine, in one scan for
the counts); the normalised columns built here are what the measures read.

Normalisation (DOMAIN.md): diagnosis codes upper-cased without the dot and
kept as a ``;``-wrapped list; professions, sex and contact types mapped
through the mapping file, an unknown value rejected; empty caregiver or
profession is kept as missing (a contact without an identified caregiver
still counts as a contact). Exact duplicates (equal in every canonical
column after normalisation) are counted once and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painreg.contacts.codes import CODE_LIST_PATTERN, CODE_PATTERN
from painreg.contacts.engine import records
from painreg.contacts.mapping import Mapping
from painreg.contacts.schema import CONTACT_COLUMNS, EXTENTS, MIN_BIRTH_YEAR

ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
#: How many rejected rows and duplicate groups are listed (all are counted).
LIST_LIMIT = 1000


@dataclass(frozen=True)
class Check:
    column: str
    reason: str
    bad: Any  # ibis BooleanValue; True where the row fails this check
    #: The raw columns the check reads. A check of one column is decided by
    #: that column's value alone, so it can be run over the column's distinct
    #: values (:func:`screen`); any other check is run row by row.
    inputs: tuple[str, ...] = ()


@dataclass
class Prepared:
    """A raw table with its normalised columns and its checks."""

    table: Any  # raw columns, normalised columns (prefixed "n_"), one flag per check
    checks: list[Check]
    columns: tuple[str, ...]  # canonical column names (normalised as n_<name>)
    raw: Any = None  # the raw table the above was built from
    #: (raw table, columns or None for all) -> Prepared: the same checks on another table
    builder: Any = None
    #: Columns whose raw type is already the normalised one (a typed Parquet date
    #: or year): normalised per row with no text processing, never looked up.
    direct: tuple[str, ...] = ()

    def subset(self, raw, only: tuple[str, ...] | None = None) -> Prepared:
        """The same normalisation and checks over a filtered raw table.

        Whether a row is accepted depends on that row only, so checking a
        cheaply pre-filtered raw table gives the same rows as filtering the
        checked one, at a fraction of the cost on a large extract. ``only``:
        normalise these columns and run the checks that read only them (the
        other checks never fail, the other columns are not normalised), for a
        lookup or a check of a few columns.
        """
        return self.builder(raw, only)

    @property
    def flags(self) -> list[str]:
        return [f"_bad{i}" for i in range(len(self.checks))]

    def any_bad(self):
        import ibis

        flags = [self.table[f] for f in self.flags]
        return ibis.or_(*flags) if flags else ibis.literal(False)

    def valid(self):
        """The accepted rows: canonical names, normalised values, plus ``_file``/``_row``."""
        t = self.table.filter(~self.any_bad())
        return t.select("_file", "_row", **{c: t[f"n_{c}"] for c in self.columns})


@dataclass
class ValidationReport:
    """Counts and listings of what was rejected or merged (the raw JSON keeps all of it)."""

    kind: str
    rows: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)  # "column: reason" -> rows
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    duplicate_rows: int = 0  # extra copies merged into one
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    duplicates_scope: str = "all rows"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "rejected": self.rejected,
            "by_reason": dict(sorted(self.by_reason.items())),
            "rejected_rows": self.rejected_rows,
            "rejected_rows_listed": len(self.rejected_rows),
            "duplicate_rows": self.duplicate_rows,
            "duplicates": self.duplicates,
            "duplicates_scope": self.duplicates_scope,
        }


def _text(col):
    return col.cast("string").strip()


def _is_date(col) -> bool:
    """Whether a raw column is typed as a date (a date or a timestamp, as Parquet can hold)."""
    return col.type().is_date() or col.type().is_timestamp()


def normalise_direct(col):
    """The normalised value of a typed raw column: the date of a date or timestamp, an integer."""
    dtype = col.type()
    if dtype.is_timestamp():
        return col.date()
    if dtype.is_integer():
        return col.cast("int64")
    return col


def _date(col):
    """(normalised date, bad-format flag, missing flag) for a text or date column."""
    import ibis

    if _is_date(col):
        return normalise_direct(col), ibis.literal(False), col.isnull()
    raw = _text(col)
    parsed = ibis.ifelse(raw.re_search(ISO_DATE), raw.try_cast("date"), ibis.null("date"))
    missing = raw.isnull() | (raw == "")
    return parsed, ~missing & parsed.isnull(), missing


def _with_mappings(raw, mapping: Mapping, columns: tuple[str, ...], joined: tuple[str, ...]):
    """``raw`` plus, per mapped column, its folded text ``_f_<c>`` and canonical value ``_v_<c>``.

    Only the ``joined`` columns are looked up; the others are left empty.

    The mapping is a left join with a small lookup table rather than a CASE
    expression: engines expand a CASE of dozens of local values into as many
    evaluations of the folded text per row (Ibis 12 on DuckDB does), which
    made mapping the dearest part of validation.
    """
    import ibis

    from painreg.contacts.engine import lookup_table

    base = raw.mutate(
        **{
            f"_f_{c}": _text(raw[c]).nullif("").lower() if c in joined else ibis.null("string")
            for c in columns
        }
    )
    for column in columns:
        if column not in joined:
            base = base.mutate(**{f"_v_{column}": ibis.null("string")})
            continue
        values = mapping.value_map(column)
        lookup = lookup_table(
            raw._find_backend(),
            {f"_k_{column}": list(values), f"_v_{column}": list(values.values())},
        )
        base = base.left_join(lookup, base[f"_f_{column}"] == lookup[f"_k_{column}"]).drop(
            f"_k_{column}"
        )
    return base


def _mapped(base, column: str):
    """(canonical value or null, folded raw text or null) of a mapped column."""
    return base[f"_v_{column}"], base[f"_f_{column}"]


#: Contact columns normalised through the mapping file.
MAPPED_CONTACT_COLUMNS = ("sex", "profession", "contact_type")


def prepare_contacts(source, mapping: Mapping, only: tuple[str, ...] | None = None) -> Prepared:
    """Normalise a raw contact table and attach its checks (``only``: see ``Prepared.subset``)."""
    import ibis

    joined = tuple(c for c in MAPPED_CONTACT_COLUMNS if only is None or c in only)
    raw = _with_mappings(source, mapping, MAPPED_CONTACT_COLUMNS, joined)
    direct = tuple(
        c
        for c, typed in (
            ("contact_date", _is_date(source.contact_date)),
            ("birth_year", source.birth_year.type().is_integer()),
        )
        if typed
    )

    checks: list[Check] = []
    n: dict[str, Any] = {}

    n["patient_id"] = _text(raw.patient_id).nullif("")
    checks.append(Check("patient_id", "missing", n["patient_id"].isnull(), ("patient_id",)))

    n["sex"], sex_raw = _mapped(raw, "sex")
    checks.append(Check("sex", "missing", sex_raw.isnull(), ("sex",)))
    checks.append(
        Check(
            "sex",
            "unknown value (not F/M or mapped)",
            sex_raw.notnull() & n["sex"].isnull(),
            ("sex",),
        )
    )

    n["contact_date"], bad_date, missing_date = _date(raw.contact_date)
    checks.append(Check("contact_date", "missing", missing_date, ("contact_date",)))
    checks.append(Check("contact_date", "not a date (YYYY-MM-DD)", bad_date, ("contact_date",)))

    if "birth_year" in direct:
        n["birth_year"] = normalise_direct(raw.birth_year)
        bad_year = ibis.literal(False)
        # An integer is never blank: no text conversion of every row.
        missing_year = raw.birth_year.isnull()
    else:
        by_raw = _text(raw.birth_year).nullif("")
        n["birth_year"] = ibis.ifelse(
            by_raw.re_search(r"^[0-9]{4}$"), by_raw.try_cast("int64"), ibis.null("int64")
        )
        bad_year = by_raw.notnull() & n["birth_year"].isnull()
        missing_year = raw.birth_year.isnull() | (_text(raw.birth_year) == "")
    checks.append(Check("birth_year", "missing", missing_year, ("birth_year",)))
    checks.append(Check("birth_year", "not a four-digit year", bad_year, ("birth_year",)))
    checks.append(
        Check(
            "birth_year",
            f"before {MIN_BIRTH_YEAR} or after the contact date",
            n["birth_year"].notnull()
            & n["contact_date"].notnull()
            & (
                (n["birth_year"] < MIN_BIRTH_YEAR)
                | (n["birth_year"] > n["contact_date"].year().cast("int64"))
            ),
            ("birth_year", "contact_date"),
        )
    )

    n["unit_id"] = _text(raw.unit_id).nullif("")
    checks.append(Check("unit_id", "missing", n["unit_id"].isnull(), ("unit_id",)))
    # A contact without an identified caregiver is still a contact: kept, empty.
    n["caregiver_id"] = _text(raw.caregiver_id).nullif("")

    n["profession"], prof_raw = _mapped(raw, "profession")
    checks.append(
        Check(
            "profession",
            "unknown profession (not in the mapping file)",
            prof_raw.notnull() & n["profession"].isnull(),
            ("profession",),
        )
    )
    n["contact_type"], type_raw = _mapped(raw, "contact_type")
    checks.append(
        Check(
            "contact_type",
            "unknown contact type (not in the mapping file)",
            type_raw.notnull() & n["contact_type"].isnull(),
            ("contact_type",),
        )
    )
    n["contact_time"] = _text(raw.contact_time).nullif("")
    checks.append(
        Check(
            "contact_time",
            "not a time (HH:MM)",
            n["contact_time"].notnull() & ~n["contact_time"].re_search(CLOCK_TIME),
            ("contact_time",),
        )
    )

    codes = _text(raw.diagnoses).fill_null("").upper().replace(".", "").replace(" ", "")
    # Wrapped in separators (";R522;M545;"); an empty element (";;") is harmless.
    n["diagnoses"] = ibis.literal(";") + codes + ";"
    checks.append(
        Check(
            "diagnoses",
            "malformed diagnosis code (ICD-10 or KSH97-P, e.g. R52.2, J45-P)",
            ~n["diagnoses"].re_search(CODE_LIST_PATTERN),
            ("diagnoses",),
        )
    )
    prepared = _assemble(raw, n, checks, CONTACT_COLUMNS, only)
    prepared.raw = source
    prepared.direct = direct
    prepared.builder = lambda other, only=None: prepare_contacts(other, mapping, only)
    return prepared


def prepare_certificates(raw, mapping: Mapping) -> Prepared:
    """Normalise a raw sick-leave certificate table and attach its checks."""
    import ibis

    checks: list[Check] = []
    n: dict[str, Any] = {}
    n["patient_id"] = _text(raw.patient_id).nullif("")
    checks.append(Check("patient_id", "missing", n["patient_id"].isnull()))
    n["unit_id"] = _text(raw.unit_id).nullif("")
    checks.append(Check("unit_id", "missing", n["unit_id"].isnull()))
    for column in ("start_date", "end_date"):
        n[column], bad, missing = _date(raw[column])
        checks.append(Check(column, "missing", missing))
        checks.append(Check(column, "not a date (YYYY-MM-DD)", bad))
    checks.append(
        Check(
            "end_date",
            "before start_date",
            n["end_date"].notnull() & n["start_date"].notnull() & (n["end_date"] < n["start_date"]),
        )
    )
    extent = _text(raw.extent).nullif("")
    n["extent"] = ibis.ifelse(extent.isin(EXTENTS), extent.try_cast("int64"), ibis.null("int64"))
    checks.append(Check("extent", "not 25, 50, 75 or 100", n["extent"].isnull()))
    n["diagnosis"] = _text(raw.diagnosis).fill_null("").upper().replace(".", "").replace(" ", "")
    checks.append(
        Check(
            "diagnosis",
            "missing or malformed diagnosis code",
            ~n["diagnosis"].re_search(f"^{CODE_PATTERN}$"),
        )
    )
    prepared = _assemble(raw, n, checks, tuple(n))
    prepared.builder = lambda other, only=None: prepare_certificates(other, mapping)
    return prepared


def _identifier(raw, column: str, n: dict[str, Any], checks: list[Check], required: bool) -> None:
    """An identifier column: text without surrounding space; empty is missing."""
    n[column] = _text(raw[column]).nullif("")
    if required:
        checks.append(Check(column, "missing", n[column].isnull()))


def _date_column(raw, column: str, n: dict[str, Any], checks: list[Check], required: bool) -> None:
    n[column], bad, missing = _date(raw[column])
    if required:
        checks.append(Check(column, "missing", missing))
    checks.append(Check(column, "not a date (YYYY-MM-DD)", bad))


def _not_before(n: dict[str, Any], checks: list[Check], later: str, earlier: str) -> None:
    checks.append(
        Check(
            later,
            f"before {earlier}",
            n[later].notnull() & n[earlier].notnull() & (n[later] < n[earlier]),
        )
    )


#: Spellings of a yes/no cell (folded), as Swedish and English exports write them.
TRUE_WORDS = ("true", "1", "yes", "ja", "j", "y", "sant")
FALSE_WORDS = ("false", "0", "no", "nej", "n", "falskt")
#: An ATC code: a letter, two digits, then letters and digits (at most 7 characters).
ATC_PATTERN = r"^[A-Z][0-9]{2}[A-Z0-9]{0,4}$"


def atc_code(col):
    """An ATC code compared as DOMAIN.md says: upper-cased, without spaces or dots."""
    return _text(col).fill_null("").upper().replace(".", "").replace(" ", "")


def prepare_prescriptions(raw, mapping: Mapping) -> Prepared:
    """Normalise a raw prescription table (``prescriptions``) and attach its checks."""
    base = _with_mappings(raw, mapping, ("profession",), ("profession",))
    checks: list[Check] = []
    n: dict[str, Any] = {}
    _identifier(base, "patient_id", n, checks, required=True)
    _identifier(base, "unit_id", n, checks, required=True)
    _date_column(base, "prescribed_on", n, checks, required=True)
    n["atc"] = atc_code(base.atc)
    checks.append(
        Check("atc", "missing or not an ATC code (e.g. N02AX02)", ~n["atc"].re_search(ATC_PATTERN))
    )
    ddd = _text(base.ddd).nullif("").replace(",", ".")
    n["ddd"] = ddd.try_cast("float64")
    checks.append(
        Check(
            "ddd",
            "not a non-negative number",
            ddd.notnull() & (n["ddd"].isnull() | (n["ddd"] < 0)),
        )
    )
    _identifier(base, "caregiver_id", n, checks, required=False)
    n["profession"], prof_raw = _mapped(base, "profession")
    checks.append(
        Check(
            "profession",
            "unknown profession (not in the mapping file)",
            prof_raw.notnull() & n["profession"].isnull(),
        )
    )
    prepared = _assemble(base, n, checks, tuple(n))
    prepared.builder = lambda other, only=None: prepare_prescriptions(other, mapping)
    return prepared


def prepare_listings(raw, mapping: Mapping) -> Prepared:
    """Normalise a raw listing table (``listings``) and attach its checks."""
    checks: list[Check] = []
    n: dict[str, Any] = {}
    _identifier(raw, "patient_id", n, checks, required=True)
    _identifier(raw, "unit_id", n, checks, required=True)
    _date_column(raw, "listed_from", n, checks, required=True)
    _date_column(raw, "listed_to", n, checks, required=False)
    _not_before(n, checks, "listed_to", "listed_from")
    _identifier(raw, "regular_physician_id", n, checks, required=False)
    _identifier(raw, "regular_contact_id", n, checks, required=False)
    prepared = _assemble(raw, n, checks, tuple(n))
    prepared.builder = lambda other, only=None: prepare_listings(other, mapping)
    return prepared


def prepare_referrals(raw, mapping: Mapping) -> Prepared:
    """Normalise a raw referral table (``referrals``) and attach its checks."""
    import ibis

    checks: list[Check] = []
    n: dict[str, Any] = {}
    _identifier(raw, "patient_id", n, checks, required=True)
    _identifier(raw, "from_unit_id", n, checks, required=True)
    _identifier(raw, "to_unit_id", n, checks, required=True)
    _date_column(raw, "sent_on", n, checks, required=True)
    _date_column(raw, "accepted_on", n, checks, required=False)
    _date_column(raw, "first_visit_on", n, checks, required=False)
    _not_before(n, checks, "accepted_on", "sent_on")
    _not_before(n, checks, "first_visit_on", "sent_on")
    word = _text(raw.returned).nullif("").lower()
    n["returned"] = (
        ibis.cases((word.isin(TRUE_WORDS), True), (word.isin(FALSE_WORDS), False))
        if word.type().is_string()
        else word
    )
    checks.append(
        Check(
            "returned",
            "not a yes/no value (true/false, ja/nej, 1/0)",
            word.notnull() & ~word.isin(TRUE_WORDS + FALSE_WORDS),
        )
    )
    n["returned"] = n["returned"].fill_null(False)
    _identifier(raw, "reason_code", n, checks, required=False)
    prepared = _assemble(raw, n, checks, tuple(n))
    prepared.builder = lambda other, only=None: prepare_referrals(other, mapping)
    return prepared


def _assemble(
    raw,
    n: dict[str, Any],
    checks: list[Check],
    columns: tuple[str, ...],
    keep: tuple[str, ...] | None = None,
) -> Prepared:
    """The prepared table; ``keep``: only these columns' normalised values and checks.

    A check of other columns is kept as never failing (its index unchanged):
    a lookup of one column compiles a small query, not the whole table's.
    """
    import ibis

    def kept(check: Check) -> bool:
        return keep is None or (bool(check.inputs) and set(check.inputs) <= set(keep))

    # A null flag (a check over a null value) means "not failed": fill with False
    # so the same row is rejected on every engine.
    flags = {f"_bad{i}": c.bad.fill_null(False) for i, c in enumerate(checks) if kept(c)}
    values = {f"n_{k}": v for k, v in n.items() if keep is None or k in keep}
    table = raw.mutate(**values, **flags)
    checks = [
        Check(c.column, c.reason, table[f"_bad{i}"] if kept(c) else ibis.literal(False), c.inputs)
        for i, c in enumerate(checks)
    ]
    return Prepared(table, checks, columns, raw=raw)


def rejection_report(prepared: Prepared, kind: str, limit: int = LIST_LIMIT) -> ValidationReport:
    """Count the rows failing each check (one scan) and list the first ``limit`` of them."""
    t = prepared.table
    counts = t.aggregate(
        _rows=t.count(),
        _rejected=prepared.any_bad().cast("int64").sum(),
        **{f: t[f].cast("int64").sum() for f in prepared.flags},
    )
    row = records(counts)[0]
    report = ValidationReport(
        kind=kind, rows=int(row["_rows"]), rejected=int(row["_rejected"] or 0)
    )
    for flag, check in zip(prepared.flags, prepared.checks, strict=True):
        count = int(row[flag] or 0)
        if count:
            report.by_reason[f"{check.column}: {check.reason}"] = count
    _list_rejected(prepared, report, limit)
    return report


def _list_rejected(prepared: Prepared, report: ValidationReport, limit: int) -> None:
    if not report.rejected:
        return
    t = prepared.table
    raw_columns = sorted({c.column for c in prepared.checks})
    listing = (
        t.filter(prepared.any_bad())
        .order_by(["_file", "_row"])
        .limit(limit)
        .select("_file", "_row", *raw_columns, *prepared.flags)
    )
    for record in records(listing):
        problems = [
            {
                "column": check.column,
                "value": _plain(record[check.column]),
                "reason": check.reason,
            }
            for flag, check in zip(prepared.flags, prepared.checks, strict=True)
            if record[flag]
        ]
        report.rejected_rows.append(
            {"file": record["_file"], "row": int(record["_row"]), "problems": problems}
        )


def duplicate_groups(valid, columns: tuple[str, ...], limit: int = LIST_LIMIT):
    """Exact duplicates among ``valid`` rows: (extra copies, listing of groups).

    Equality is over the canonical columns after normalisation (so ``R52.2``
    and ``R522`` in otherwise equal rows are one contact recorded twice).
    """
    import ibis

    pos = valid._file + ibis.literal(":") + valid._row.cast("string").lpad(12, "0")
    grouped = (
        valid.mutate(_pos=pos)
        .group_by(list(columns))
        .aggregate(_copies=ibis._.count(), _first=ibis._._pos.min(), _last=ibis._._pos.max())
        .filter(ibis._._copies > 1)
    )
    total = records(grouped.aggregate(extra=(grouped._copies - 1).sum()))[0]["extra"]
    listing = records(grouped.order_by("_first").limit(limit))
    groups = [
        {
            "first": _position(r["_first"]),
            "copies": int(r["_copies"]),
            "example_last": _position(r["_last"]),
        }
        for r in listing
    ]
    return int(total or 0), groups


def _count(value: Any) -> int:
    """A count or sum from an engine: a sum over no rows is null."""
    return 0 if _plain(value) is None else int(value)


def _position(pos: str) -> dict[str, Any]:
    file, _, row = pos.rpartition(":")
    return {"file": file, "row": int(row)}


def _plain(value: Any) -> Any:
    """A listed value as JSON can hold it (dates as ISO text, NaN as null)."""
    import math

    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    return value
