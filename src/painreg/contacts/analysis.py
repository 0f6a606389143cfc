"""The whole follow-up of a contact extract: read, validate, measure, compare.

This is what ``painreg contacts analyze`` runs and what the report renders
(the report computes nothing itself). The result is a plain dict, the JSON
of docs/contacts.md: internal, unsuppressed numbers for the coordinator; every
rendered output suppresses small cells (``painreg.reports.contacts_report``).

Before/after (``compare``): the same measures for the second period and,
for every share of the cohort, the difference *period minus comparison
period* in percentage points with Newcombe's hybrid score 95% interval
(``painreg.analytics.stats``). Run the later period as ``--from/--to`` and
the earlier as ``--compare-from/--compare-to`` to read a negative
difference as a decrease, as the health centre's report does ("en
minskning med ca 6 %-enheter").
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

from painreg.contacts.engine import connect, file_numbers, materialise, read_files, records
from painreg.contacts.mapping import Mapping, load_mapping
from painreg.contacts.measures import (
    ROW_LIMIT,
    Options,
    Period,
    cohort_episodes,
    compute,
    period_contacts,
    scan_extract,
)
from painreg.contacts.schema import (
    CERTIFICATE_REQUIRED,
    CONTACT_OPTIONAL,
    CONTACT_REQUIRED,
    DEFAULT_DRUG_GROUPS,
    LISTING_OPTIONAL,
    LISTING_REQUIRED,
    PRESCRIPTION_OPTIONAL,
    PRESCRIPTION_REQUIRED,
    PROFESSIONS,
    REFERRAL_OPTIONAL,
    REFERRAL_REQUIRED,
)
from painreg.contacts.screen import screen
from painreg.contacts.validate import (
    LIST_LIMIT,
    ValidationReport,
    _count,
    duplicate_groups,
    prepare_certificates,
    prepare_contacts,
    prepare_listings,
    prepare_prescriptions,
    prepare_referrals,
    rejection_report,
)
from painreg.errors import UserError

#: Shares compared before/after: name -> path of the numerator in the measures.
SHARES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("multiple_professions", ("multiple_professions",)),
    ("single_profession_single_caregiver", ("single_profession_single_caregiver",)),
    ("multiple_caregivers_any_profession", ("multiple_caregivers_any_profession",)),
    ("frequent_attenders", ("frequent_attenders",)),
    ("sick_leave", ("sick_leave", "patients")),
    *((f"diagnosed_by_{p}", ("diagnosed_by_profession", p)) for p in PROFESSIONS),
)


def read_contacts(con, paths, mapping: Mapping, workdir: Path):
    """The checked (not yet counted) contact table of contact files."""
    raw = read_files(
        con,
        list(paths),
        required=CONTACT_REQUIRED,
        optional=CONTACT_OPTIONAL,
        mapping=mapping,
        workdir=workdir,
    )
    return prepare_contacts(raw, mapping)


def _stager(con, stack: contextlib.ExitStack):
    """``stage(expr) -> table``: materialised, released when ``stack`` closes."""

    def stage(expr):
        table, release = materialise(con, expr)
        stack.callback(release)
        return table

    return stage


def load_contacts(con, paths, mapping: Mapping, workdir: Path, stage, strict: bool = False):
    """(checked contacts, validation report) of contact files."""
    prepared = read_contacts(con, paths, mapping, workdir)
    report = screen(prepared, stage).report("contacts")
    _strict(report, strict, "contacts")
    return prepared, report


def load_certificates(con, paths, mapping: Mapping, workdir: Path, strict: bool = False):
    raw = read_files(
        con,
        list(paths),
        required=CERTIFICATE_REQUIRED,
        optional=(),
        mapping=mapping,
        workdir=workdir,
    )
    prepared = prepare_certificates(raw, mapping)
    report = rejection_report(prepared, "certificates")
    _strict(report, strict, "certificates")
    return prepared, report


#: The optional tables beside the extract: kind -> (required, optional, preparation).
SIDE_TABLES = {
    "prescriptions": (PRESCRIPTION_REQUIRED, PRESCRIPTION_OPTIONAL, prepare_prescriptions),
    "listings": (LISTING_REQUIRED, LISTING_OPTIONAL, prepare_listings),
    "referrals": (REFERRAL_REQUIRED, REFERRAL_OPTIONAL, prepare_referrals),
}


def load_side_table(con, kind: str, paths, mapping: Mapping, workdir: Path, strict: bool = False):
    """(checked table, validation report) of an optional input (``SIDE_TABLES``)."""
    required, optional, prepare = SIDE_TABLES[kind]
    raw = read_files(
        con, list(paths), required=required, optional=optional, mapping=mapping, workdir=workdir
    )
    prepared = prepare(raw, mapping)
    report = rejection_report(prepared, kind)
    _strict(report, strict, kind)
    return prepared, report


def _strict(report: ValidationReport, strict: bool, what: str) -> None:
    if strict and report.rejected:
        first = report.rejected_rows[0]
        problem = first["problems"][0]
        raise UserError(
            f"--strict: {report.rejected} {what} row(s) rejected; first: {first['file']} "
            f"row {first['row']}, column {problem['column']} ({problem['value']!r}): "
            f"{problem['reason']}. Fix the file or run without --strict to see all"
        )


def validate_files(
    paths,
    *,
    certificates=(),
    mapping_path: str | Path | None = None,
    engine: str = "duckdb",
    con=None,
    strict: bool = False,
) -> dict[str, Any]:
    """Validation only (``painreg contacts validate``): rejections and all exact duplicates."""
    mapping = load_mapping(mapping_path)
    con = con or connect(engine)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="painreg-contacts-"))
        stage = _stager(con, stack)
        prepared, report = load_contacts(con, paths, mapping, Path(tmp), stage, strict)
        extra, groups = duplicate_groups(prepared.valid(), prepared.columns)
        report.duplicate_rows, report.duplicates = extra, groups
        result = {"contacts": report.as_dict()}
        if certificates:
            cprep, creport = load_certificates(con, certificates, mapping, Path(tmp), strict)
            extra, groups = duplicate_groups(cprep.valid(), cprep.columns)
            creport.duplicate_rows, creport.duplicates = extra, groups
            result["certificates"] = creport.as_dict()
    return result


def analyze(
    paths,
    *,
    prefixes: tuple[str, ...],
    period: Period,
    compare: Period | None = None,
    unit: str | None = None,
    by_unit: bool = False,
    frequent_threshold: int = 10,
    min_visits: int = 2,
    gap_days: int = 5,
    certificates=(),
    mapping_path: str | Path | None = None,
    engine: str = "duckdb",
    con=None,
    strict: bool = False,
    prescriptions=(),
    listings=(),
    referrals=(),
    drug_groups: dict[str, tuple[str, ...]] | None = None,
    units_reference: dict[str, dict[str, Any]] | None = None,
    monthly: bool = False,
    baseline_to: str | None = None,
) -> dict[str, Any]:
    """The follow-up JSON (docs/contacts.md) for contact files ``paths``.

    ``prescriptions``, ``listings``, ``referrals``: the optional tables'
    files; ``drug_groups``: group name -> ATC prefixes (default DOMAIN.md's
    four); ``units_reference``: :func:`painreg.contacts.units.read_units`.
    ``monthly``: also every calendar month of the period (``monthly``) and
    Anhøj's runs analysis of each series (``run_charts``), its median frozen
    over the months up to ``baseline_to`` (``YYYY-MM``; default all months).
    """
    if min_visits < 2:
        raise UserError("--min-visits must be at least 2 (COC and SECON need two contacts)")
    if frequent_threshold < 0 or gap_days < 0:
        raise UserError("--frequent-threshold and the sick-leave gap must not be negative")
    for p in (period, compare):
        if p is not None and p.end < p.start:
            raise UserError(f"period {p.start} to {p.end} ends before it starts")
    options = Options(prefixes, frequent_threshold, min_visits, gap_days)
    mapping = load_mapping(mapping_path)
    con = con or connect(engine)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="painreg-contacts-")))
        stage = _stager(con, stack)

        # Validation column by column, then only the cohort's rows for the measures.
        prepared = read_contacts(con, paths, mapping, tmp)
        screened = screen(prepared, stage)
        report = screened.report("contacts")
        _strict(report, strict, "contacts")
        periods = [period] if compare is None else [period, compare]
        months = month_periods(period) if monthly else []
        if baseline_to is not None and baseline_to not in [
            m.start.strftime("%Y-%m") for m in months
        ]:
            raise UserError(
                f"--baseline-to {baseline_to!r} is not a month of the period (YYYY-MM, "
                f"{period.start:%Y-%m} to {period.end:%Y-%m})"
            )
        first_month = len(periods)
        periods = periods + months
        cohort = scan_extract(prepared, periods, options, unit, stage, screened)
        _report_duplicates(cohort.contacts, report, file_numbers(paths))
        episodes, cert_report = None, None
        if certificates:
            cprep, cert_report = load_certificates(con, certificates, mapping, tmp, strict)
            valid = cprep.valid()
            if unit is not None:
                valid = valid.filter(valid.unit_id == unit)
            episodes = stage(cohort_episodes(valid, cohort, options))
        side_reports: dict[str, ValidationReport] = {}
        side: dict[str, Any] = {}
        for kind, files in (
            ("prescriptions", prescriptions),
            ("listings", listings),
            ("referrals", referrals),
        ):
            if files:
                prep, side_reports[kind] = load_side_table(con, kind, files, mapping, tmp, strict)
                side[kind] = stage(prep.valid())
        care = _CareInputs(
            side, drug_groups or DEFAULT_DRUG_GROUPS, units_reference, screened, cohort, stage
        )
        care.raw_contacts = prepared.raw

        result: dict[str, Any] = {
            "diagnoses": list(prefixes),
            "period": period.as_dict(),
            "unit": unit,
            "engine": con.name,
        }

        def measure(index: int, which: Period) -> dict[str, Any]:
            """Every measure of the period ``index`` (0 the period, 1 the comparison)."""
            rows = period_contacts(cohort.contacts, index)
            measures = _measure(rows, which, options, by_unit, episodes, cohort, stage)
            measures.update(care.measure(index, which, rows, unit, by_unit))
            return measures

        main = measure(0, period)
        result.update(main)
        if compare is not None:
            other = measure(1, compare)
            other = {"period": compare.as_dict(), **other}
            other["differences"] = differences(main, other)
            for uid, measures in other.get("units", {}).items():
                if uid in main.get("units", {}):
                    measures["differences"] = differences(main["units"][uid], measures)
            result["comparison"] = other
        if months:
            series, counts = {}, {}
            for offset, month in enumerate(months):
                rows = period_contacts(cohort.contacts, first_month + offset)
                m = _measure(rows, month, options, False, episodes, cohort, stage)
                m.update(care.measure(first_month + offset, month, rows, unit, False))
                key = f"{month.start:%Y-%m}"
                series[key], counts[key] = monthly_values(m)
            result["monthly"] = series
            result["monthly_counts"] = counts
            result["run_charts"] = run_charts(series, baseline_to)
        result["validation"] = {"contacts": report.as_dict()}
        if cert_report is not None:
            result["validation"]["certificates"] = cert_report.as_dict()
        for kind, side_report in side_reports.items():
            result["validation"][kind] = side_report.as_dict()
        if units_reference:
            result["units_reference"] = units_reference
        return result


def month_periods(period: Period) -> list[Period]:
    """The calendar months of ``period``, the first and last cut to it."""
    import calendar
    from datetime import date

    months = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        last = date(year, month, calendar.monthrange(year, month)[1])
        months.append(Period(max(period.start, date(year, month, 1)), min(period.end, last)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


#: The monthly shares (docs/contacts.md "Improvement work"): name -> (count, denominator)
#: of a period's measures.
MONTHLY_SHARES: dict[str, Any] = {
    "multiple_professions": lambda m: (m["multiple_professions"], m["patients"]),
    "single_profession_single_caregiver": lambda m: (
        m["single_profession_single_caregiver"],
        m["patients"],
    ),
    "frequent_attenders": lambda m: (m["frequent_attenders"], m["patients"]),
    "sick_leave": lambda m: (m["sick_leave"]["patients"], m["patients"]),
    "addictive_drugs": lambda m: (m["prescriptions"]["cohort"]["any"]["patients"], m["patients"]),
    "with_regular_physician": lambda m: (
        m["named_contacts"]["with_regular_physician"],
        m["named_contacts"]["listed"],
    ),
    "referrals_within_90": lambda m: (
        m["referrals"]["wait_days_to_first_visit"]["within_90"],
        m["referrals"]["wait_days_to_first_visit"]["n"],
    ),
}
#: Every monthly measure, in the order reports list them: the cohort's size, the shares
#: and the mean UPC.
MONTHLY_MEASURES: tuple[str, ...] = (
    "patients",
    "multiple_professions",
    "single_profession_single_caregiver",
    "frequent_attenders",
    "continuity_upc",
    "sick_leave",
    "addictive_drugs",
    "with_regular_physician",
    "referrals_within_90",
)

#: Monthly measures that need an optional input: name -> the key its measures have then.
_NEEDS = {
    "sick_leave": "sick_leave",
    "addictive_drugs": "prescriptions",
    "with_regular_physician": "named_contacts",
    "referrals_within_90": "referrals",
}


def monthly_values(measures: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """A month's values of :data:`MONTHLY_MEASURES` (shares as fractions; None: no one),
    and each share's ``[count, denominator]`` (what the report needs to publish it)."""
    values: dict[str, Any] = {}
    parts: dict[str, list[int]] = {}
    for name in MONTHLY_MEASURES:
        if _NEEDS.get(name, "patients") not in measures:
            continue
        if name == "patients":
            values[name] = measures["patients"]
        elif name == "continuity_upc":
            values[name] = measures["continuity"]["upc"]
        else:
            count, denominator = MONTHLY_SHARES[name](measures)
            values[name] = count / denominator if denominator else None
            parts[name] = [int(count), int(denominator)]
    return values, parts


def run_charts(series: dict[str, dict[str, Any]], baseline_to: str | None) -> dict[str, Any]:
    """Anhøj's runs analysis of every monthly series (``run_charts`` of the JSON)."""
    from painreg.analytics.stats import run_chart

    months = list(series)
    last = months.index(baseline_to) if baseline_to is not None else len(months) - 1
    names = [n for n in MONTHLY_MEASURES if any(n in values for values in series.values())]
    charts = {}
    for name in names:
        values = [series[m].get(name) for m in months]
        baseline = [v for v in values[: last + 1] if v is not None]
        chart = run_chart(values, baseline=len(baseline))
        charts[name] = {
            "baseline": {"from": months[0], "to": months[last]} if months else None,
            "median": chart.median,
            "longest_run": chart.longest_run,
            "longest_run_limit": chart.longest_run_limit,
            "crossings": chart.crossings,
            "crossings_limit": chart.crossings_limit,
            "signal": chart.signal,
        }
    return charts


def region_referrals(
    paths,
    *,
    period: Period,
    units_reference: dict[str, dict[str, Any]],
    region: str,
    mapping_path: str | Path | None = None,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """Referrals sent in ``period`` from or to a unit of ``region`` (the units file says which).

    For ``painreg regional planning --referrals``: the ``referrals`` and
    ``referral_flows`` objects of :func:`painreg.contacts.care.referrals`, and
    the validation report of the files (``validation``).
    """
    from painreg.contacts import care

    units = [uid for uid, u in units_reference.items() if u.get("region_code") == region]
    if not units:
        raise UserError(
            f"the units file names no unit of region {region}: give each unit its region_code"
        )
    mapping = load_mapping(mapping_path)
    con = connect(engine)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="painreg-referrals-")))
        prepared, report = load_side_table(con, "referrals", paths, mapping, tmp, strict=False)
        valid = prepared.valid()
        valid = valid.filter(valid.from_unit_id.isin(units) | valid.to_unit_id.isin(units))
        levels = {
            uid: u["pain_care_level"]
            for uid, u in units_reference.items()
            if u.get("pain_care_level") is not None
        }
        result = care.referrals(valid, period, None, levels)
        result["validation"] = report.as_dict()
        return result


class _CareInputs:
    """Prescribing, named contacts and referrals of a period, from the optional tables."""

    def __init__(self, side, groups, units_reference, screened, cohort, stage):
        self.side, self.groups, self.screened = side, groups, screened
        self.cohort, self.stage = cohort, stage
        self.levels = {
            uid: u["pain_care_level"]
            for uid, u in (units_reference or {}).items()
            if u.get("pain_care_level") is not None
        }
        self._birth_years = None
        self.raw_contacts = None

    def birth_years(self):
        if self._birth_years is None:
            from painreg.contacts.care import patient_birth_years

            patients = self.side["prescriptions"].select("patient_id").distinct()
            self._birth_years = self.stage(
                patient_birth_years(self.screened, self.raw_contacts, patients)
            )
        return self._birth_years

    def measure(self, index: int, period: Period, rows, unit, by_unit: bool) -> dict[str, Any]:
        from painreg.contacts import care

        if not self.side:
            return {}
        out: dict[str, Any] = {}
        cohort = self.stage(care.cohort_patients(self.cohort, index))
        listed = None
        if "listings" in self.side:
            listed = self.stage(care.listed_on(self.side["listings"], period.end))
        if "prescriptions" in self.side:
            out.update(
                care.prescriptions(
                    self.side["prescriptions"],
                    period,
                    self.groups,
                    cohort,
                    self.birth_years(),
                    listed,
                )
            )
        if listed is not None:
            ids = self.cohort.ids
            contacts = rows.inner_join(ids, rows.patient_id.cast("int64") == ids._p.cast("int64"))
            out.update(
                care.named_contacts(
                    listed,
                    cohort,
                    contacts,
                    self.cohort.code("profession", "physician"),
                    self.screened.normal["caregiver_id"],
                    by_unit,
                )
            )
        if "referrals" in self.side:
            out.update(care.referrals(self.side["referrals"], period, unit, self.levels))
        return out


def _report_duplicates(contacts, report: ValidationReport, files: dict[int, str]) -> None:
    """Exact duplicates among the cohort contacts (of all periods), counted and listed."""
    dup = contacts.filter(contacts._copies > 1)
    extra = records(dup.aggregate(n=(dup._copies - 1).sum()))[0]["n"]
    listing = records(dup.order_by("_first").limit(LIST_LIMIT).select("_first", "_copies"))
    report.duplicate_rows = _count(extra)
    report.duplicates_scope = "contacts of cohort patients in the analysed period(s)"
    report.duplicates = [
        {
            "first": {"file": files[d["_first"] // ROW_LIMIT], "row": d["_first"] % ROW_LIMIT},
            "copies": d["_copies"],
        }
        for d in listing
    ]


def _measure(contacts, period, options, by_unit, sick_leave, cohort, stage) -> dict[str, Any]:
    measures = compute(contacts, [], options, cohort, sick_leave, period, stage).get(())
    if measures is None:  # nobody in the cohort
        from painreg.contacts.measures import _empty, _finish

        measures = _empty(options)
        _finish(measures, options, sick_leave is not None)
    if by_unit:
        units = compute(contacts, ["unit_id"], options, cohort, sick_leave, period, stage)
        measures["units"] = {k[0]: v for k, v in sorted(units.items())}
    return measures


def _get(measures: dict[str, Any], path: tuple[str, ...]) -> int:
    value: Any = measures
    for key in path:
        value = value.get(key, 0) if isinstance(value, dict) else 0
    return int(value or 0)


def differences(main: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Shares of the cohort in both periods, and main minus other in percentage points."""
    from painreg.analytics.stats import newcombe_difference_interval

    n1, n2 = main["patients"], other["patients"]
    out: dict[str, Any] = {}
    for name, path in SHARES:
        if path[0] == "sick_leave" and "sick_leave" not in main:
            continue
        x1, x2 = _get(main, path), _get(other, path)
        if name.startswith("diagnosed_by_") and x1 == 0 and x2 == 0:
            continue
        entry: dict[str, Any] = {"period": [x1, n1], "compare": [x2, n2]}
        if n1 and n2:
            low, high = newcombe_difference_interval(x1, n1, x2, n2)
            entry["difference_pp"] = 100 * (x1 / n1 - x2 / n2)
            entry["ci95_pp"] = [100 * low, 100 * high]
        else:
            entry["difference_pp"] = None
            entry["ci95_pp"] = None
        out[name] = entry
    return out
