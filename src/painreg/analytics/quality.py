"""Data-quality rules over the whole register: the rule language and its evaluation.

Decision (docs/registry.md, "Data-quality rules"): rules are data. The
register's rules are the YAML file ``quality_rules.yaml`` beside this module;
the register holder adds a rule by adding an entry, no code. A rule has an
``id``, a ``severity`` (``error``, ``warning`` or ``notice``), a ``name`` and
an ``explanation`` in Swedish and English, and one of three bodies:

``check``
    One of the register's entry checks (:data:`ENTRY_CHECKS`), so data entered
    before a check existed is checked by today's rules. The checks call the
    same functions the entry forms and the import call (:mod:`painreg.tidy.rules`,
    :mod:`painreg.tidy.diagnoses`, the instrument catalogue): one place per rule.
``table`` and ``where``
    A finding for every row of ``table`` where the SQL condition ``where`` holds.
``query``
    A SQL ``SELECT`` over the tables below; each row it returns is a finding.
    It returns ``registration_id`` or ``unit_id`` (or both) and may return
    ``occasion``, ``field`` (overrides the rule's ``field``) and ``detail``
    (a short text shown with the finding).

The SQL is DuckDB's, run in memory over the tidy tables (the interchange
format, ``docs/interchange.md``) whether they come from files or from the
database: ``units``, ``unit_year_totals``, ``patients``, ``registrations``
(plus ``counting_year``, :func:`painreg.tidy.rules.counting_year`),
``answers``, ``scores`` (computed by :func:`painreg.instruments.score_answers`),
``occasion_answers`` (per registration and occasion: ``first_answered_on``,
``last_answered_on``, ``items``) and, from the database only, ``occasions``
(``registration_id``, ``occasion``, ``signed_off``; empty when unknown: the
occasions of an imported registration, whose files carry no sign-off per
occasion). A rule that names a table the data does not have in ``requires``
is not run, and the run says so.
``$today`` is the day of the run and ``$name`` a value of the rule's
``parameters``. The SQL cannot read files or the network (DuckDB's external
access is switched off before any rule runs).

Pure: no Django. The findings name registrations by ``registration_id`` and
units by ``unit_id`` only, never a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from painreg.errors import UserError, read_yaml

RULES_FILE = Path(__file__).with_name("quality_rules.yaml")

#: Severities, most serious first, with their Swedish and English labels.
SEVERITIES: dict[str, tuple[str, str]] = {
    "error": ("fel", "error"),
    "warning": ("varning", "warning"),
    "notice": ("upplysning", "notice"),
}

#: Tables a rule may read and whether every source has them.
BASE_TABLES = ("units", "unit_year_totals", "patients", "registrations", "answers", "scores")
DERIVED_TABLES = ("occasion_answers",)
OPTIONAL_TABLES = ("occasions",)
KNOWN_TABLES = BASE_TABLES + DERIVED_TABLES + OPTIONAL_TABLES

_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_RULE_KEYS = {
    "id",
    "severity",
    "name",
    "explanation",
    "field",
    "check",
    "table",
    "where",
    "query",
    "parameters",
    "requires",
}


class QualityRuleError(UserError):
    """A rule file that cannot be used (one line: file, rule, key, why)."""


@dataclass(frozen=True)
class Rule:
    """One data-quality rule (see the module's docstring for the language)."""

    id: str
    severity: str
    name_sv: str
    name_en: str
    explanation_sv: str
    explanation_en: str
    field: str | None = None
    check: str | None = None
    table: str | None = None
    where: str | None = None
    query: str | None = None
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    requires: tuple[str, ...] = ()

    def name(self, language: str = "sv") -> str:
        return self.name_en if language.startswith("en") else self.name_sv

    def explanation(self, language: str = "sv") -> str:
        return self.explanation_en if language.startswith("en") else self.explanation_sv

    def severity_label(self, language: str = "sv") -> str:
        sv, en = SEVERITIES[self.severity]
        return en if language.startswith("en") else sv

    @property
    def kind(self) -> str:
        return "check" if self.check else ("query" if self.query else "where")


@dataclass(frozen=True)
class Finding:
    """One thing a rule found: on a registration (and maybe one occasion and field) or a unit."""

    rule: str
    severity: str
    unit_id: str | None
    registration_id: str | None = None
    occasion: str | None = None
    field: str | None = None
    detail: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What identifies the finding across runs (a finding still there is the same one)."""
        return (
            self.rule,
            self.unit_id or "",
            self.registration_id or "",
            self.occasion or "",
            self.field or "",
        )


@dataclass
class QualityRun:
    """The outcome of running rules: findings, and the rules not run with the reason."""

    today: dt.date
    rules: list[Rule]
    findings: list[Finding] = dataclasses.field(default_factory=list)
    not_run: dict[str, str] = dataclasses.field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Findings per rule id (every rule run, 0 included)."""
        out = {r.id: 0 for r in self.rules if r.id not in self.not_run}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out


# --------------------------------------------------------------------------- the rule file


def _text(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, str]:
    value = entry.get(key)
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(lang), str) and value.get(lang).strip() for lang in ("sv", "en")
    ):
        raise QualityRuleError(f"{where}: '{key}' needs a Swedish and an English text (sv:, en:)")
    return value["sv"].strip(), value["en"].strip()


def parse_rules(data: Any, source: str = "quality rules") -> list[Rule]:
    """Rules from the parsed YAML (``{"rules": [...]}``); every mistake is one clear line."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise QualityRuleError(f"{source}: expected a mapping with a list 'rules'")
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, entry in enumerate(data["rules"], start=1):
        where = f"{source}, rule {number}"
        if not isinstance(entry, Mapping):
            raise QualityRuleError(f"{where}: a rule is a mapping of keys")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            raise QualityRuleError(
                f"{where}: 'id' must be lower-case letters, digits and _ (e.g. ongoing_too_long)"
            )
        where = f"{source}, rule {rule_id}"
        if rule_id in seen:
            raise QualityRuleError(f"{where}: the id is used by an earlier rule")
        seen.add(rule_id)
        unknown = sorted(set(entry) - _RULE_KEYS)
        if unknown:
            raise QualityRuleError(
                f"{where}: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_RULE_KEYS))}"
            )
        severity = entry.get("severity")
        if severity not in SEVERITIES:
            raise QualityRuleError(f"{where}: 'severity' must be one of {', '.join(SEVERITIES)}")
        name = _text(entry, "name", where)
        explanation = _text(entry, "explanation", where)
        bodies = [k for k in ("check", "where", "query") if entry.get(k)]
        if len(bodies) != 1:
            raise QualityRuleError(
                f"{where}: give exactly one of 'check', 'table' + 'where', 'query'"
            )
        check = entry.get("check")
        if check is not None and check not in ENTRY_CHECKS:
            raise QualityRuleError(
                f"{where}: unknown check {check!r}; the entry checks are {', '.join(ENTRY_CHECKS)}"
            )
        table = entry.get("table")
        if entry.get("where") and table not in KNOWN_TABLES:
            raise QualityRuleError(
                f"{where}: 'where' needs 'table', one of {', '.join(KNOWN_TABLES)}"
            )
        for key in ("where", "query", "field"):
            if entry.get(key) is not None and not isinstance(entry.get(key), str):
                raise QualityRuleError(f"{where}: '{key}' must be text")
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int | float | str | bool)
            for k, v in parameters.items()
        ):
            raise QualityRuleError(f"{where}: 'parameters' maps names to numbers or texts")
        if "today" in parameters:
            raise QualityRuleError(f"{where}: 'today' is the day of the run, not a parameter")
        sql = entry.get("where") or entry.get("query") or ""
        missing = sorted(set(_PARAM.findall(sql)) - set(parameters) - {"today"})
        if missing:
            raise QualityRuleError(
                f"{where}: ${', $'.join(missing)} used but not given in 'parameters'"
            )
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        bad = [t for t in requires if t not in KNOWN_TABLES]
        if bad:
            raise QualityRuleError(
                f"{where}: 'requires' names unknown table(s) {', '.join(map(str, bad))}"
            )
        rules.append(
            Rule(
                id=rule_id,
                severity=severity,
                name_sv=name[0],
                name_en=name[1],
                explanation_sv=explanation[0],
                explanation_en=explanation[1],
                field=entry.get("field"),
                check=check,
                table=table,
                where=entry.get("where"),
                query=entry.get("query"),
                parameters=dict(parameters),
                requires=tuple(requires),
            )
        )
    return rules


def load_rules(path: Path | str | None = None) -> list[Rule]:
    """The rules of ``path`` (default: the register's shipped rules)."""
    path = Path(path) if path is not None else RULES_FILE
    return parse_rules(read_yaml(path, "the quality rules", QualityRuleError), str(path))


# --------------------------------------------------------------------------- entry checks

#: A row of an entry check: registration_id, occasion, field, detail.
Row = tuple[str | None, str | None, str | None, str]


def _registration_rows(tables: Mapping[str, pa.Table]) -> Iterator[dict[str, Any]]:
    yield from tables["registrations"].to_pylist()


def _date_check(
    code: str, field_name: str
) -> Callable[[Mapping[str, pa.Table], dt.date], list[Row]]:
    from painreg.tidy import rules

    def check(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
        out: list[Row] = []
        for r in _registration_rows(tables):
            found = rules.date_problems(
                referral_date=r["referral_date"],
                first_visit_date=r["first_visit_date"],
                rehab_start_date=r["rehab_start_date"],
                rehab_end_date=r["rehab_end_date"],
            )
            # A rehab end without start in an assessment is assessment_with_rehab's.
            if code == rules.REHAB_END_WITHOUT_START and r["category"] != "rehab":
                continue
            if code in found:
                out.append((r["registration_id"], None, field_name, ""))
        return out

    return check


def _assessment_with_rehab(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    from painreg.tidy import rules

    out: list[Row] = []
    for r in _registration_rows(tables):
        fields = rules.rehab_fields_of_assessment(
            r["category"],
            rehab_start_date=r["rehab_start_date"],
            rehab_end_date=r["rehab_end_date"],
            discontinued=bool(r["discontinued"]),
        )
        if fields:
            out.append((r["registration_id"], None, "category", ", ".join(fields)))
    return out


def _reason_without_discontinuation(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    from painreg.tidy import rules

    return [
        (r["registration_id"], None, "discontinuation_reason", r["discontinuation_reason"])
        for r in _registration_rows(tables)
        if rules.reason_without_discontinuation(
            discontinued=bool(r["discontinued"]),
            discontinuation_reason=r["discontinuation_reason"],
        )
    ]


def _discontinued_without_reason(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    return [
        (r["registration_id"], None, "discontinuation_reason", "")
        for r in _registration_rows(tables)
        if r["discontinued"] and not r["discontinuation_reason"]
    ]


def _signed_off_incomplete(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    """Signed-off registrations that lack what sign-off requires (signed off before the
    rule, or imported as signed off)."""
    from painreg.tidy import rules

    out: list[Row] = []
    for r in _registration_rows(tables):
        if r.get("signed_off") is False:
            continue  # absent = signed off (the interchange format's default)
        missing = rules.missing_for_sign_off(
            r["category"],
            first_visit_date=r["first_visit_date"],
            main_diagnosis=r["main_diagnosis"],
            rehab_start_date=r["rehab_start_date"],
            rehab_end_date=r["rehab_end_date"],
            discontinued=bool(r["discontinued"]),
            discontinuation_reason=r["discontinuation_reason"],
        )
        out += [(r["registration_id"], None, name, "") for name in missing]
    return out


def _diagnosis_format(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    from painreg.tidy import diagnoses, schema

    out: list[Row] = []
    for r in _registration_rows(tables):
        main = r["main_diagnosis"]
        if main and not diagnoses.is_valid_icd10(main):
            out.append((r["registration_id"], None, "main_diagnosis", main))
        for code in schema.split_list(r.get("secondary_diagnoses")):
            if not diagnoses.is_valid_icd10(code):
                out.append((r["registration_id"], None, "secondary_diagnoses", code))
    return out


_REGISTRATION_DATES = ("referral_date", "first_visit_date", "rehab_start_date", "rehab_end_date")


def _future_dates(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    out: list[Row] = []
    for r in _registration_rows(tables):
        for name in _REGISTRATION_DATES:
            if r[name] is not None and r[name] > today:
                out.append((r["registration_id"], None, name, r[name].isoformat()))
    return out


def _invalid_answers(answers: pa.Table) -> np.ndarray:
    """Row mask of the answers the instrument catalogue rejects (an unknown item, a value
    it does not allow): the import's and the forms' check."""
    from painreg.instruments.engine import find_invalid
    from painreg.instruments.model import InstrumentError, find_item, get_instrument

    bad_rows = np.zeros(answers.num_rows, dtype=bool)
    if not answers.num_rows:
        return bad_rows
    values = np.asarray(answers.column("value").to_numpy(zero_copy_only=False), dtype=float)
    encoded = pc.dictionary_encode(answers.column("item")).combine_chunks()
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
    for code, item_id in enumerate(encoded.dictionary.to_pylist()):
        rows = np.flatnonzero(indices == code)
        try:
            instrument = get_instrument(find_item(item_id).instrument)
        except InstrumentError:
            bad_rows[rows] = True
            continue
        for bad in find_invalid(instrument, {item_id: values[rows]}):
            bad_rows[rows[bad.row]] = True
    return bad_rows


def _answer_values(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    answers = tables["answers"]
    bad = answers.filter(pa.array(_invalid_answers(answers)))
    return [
        (r["registration_id"], r["occasion"], r["item"], f"{r['value']:g}")
        for r in bad.select(["registration_id", "occasion", "item", "value"]).to_pylist()
    ]


def _answer_future(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    answers = tables["answers"]
    late = answers.filter(pc.greater(answers.column("answered_on"), pa.scalar(today, pa.date32())))
    seen = {
        (r["registration_id"], r["occasion"]): r["answered_on"]
        for r in late.select(["registration_id", "occasion", "answered_on"]).to_pylist()
    }
    return [(reg, occ, "answered_on", day.isoformat()) for (reg, occ), day in sorted(seen.items())]


def _answer_outside_window(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    """Forms dated outside their occasion's window (:func:`painreg.tidy.rules.due_window`)."""
    from painreg.tidy import rules

    answers = tables["answers"]
    if not answers.num_rows:
        return []
    spans = answers.group_by(["registration_id", "occasion"]).aggregate(
        [("answered_on", "min"), ("answered_on", "max")]
    )
    regs = {
        r["registration_id"]: r
        for r in tables["registrations"]
        .select(["registration_id", "first_visit_date", "rehab_end_date"])
        .to_pylist()
    }
    out: list[Row] = []
    for row in spans.to_pylist():
        reg = regs.get(row["registration_id"])
        if reg is None:
            continue
        window = rules.due_window(
            row["occasion"],
            first_visit_date=reg["first_visit_date"],
            rehab_end_date=reg["rehab_end_date"],
        )
        if window is None:
            continue
        first, last = row["answered_on_min"], row["answered_on_max"]
        if first < window[0] or last > window[1]:
            day = first if first < window[0] else last
            out.append(
                (
                    row["registration_id"],
                    row["occasion"],
                    "answered_on",
                    f"{day.isoformat()} ({window[0].isoformat()}–{window[1].isoformat()})",
                )
            )
    return sorted(out)


def _assessment_occasions(tables: Mapping[str, pa.Table], today: dt.date) -> list[Row]:
    regs = tables["registrations"]
    assessments = regs.filter(pc.equal(regs.column("category"), "assessment")).column(
        "registration_id"
    )
    answers = tables["answers"]
    wrong = answers.filter(
        pc.and_(
            pc.is_in(answers.column("registration_id"), value_set=assessments.combine_chunks()),
            pc.not_equal(answers.column("occasion"), "initial"),
        )
    )
    found = sorted({(r["registration_id"], r["occasion"]) for r in wrong.to_pylist()})
    return [(reg, occ, "occasion", "") for reg, occ in found]


def _entry_checks() -> dict[str, Callable[[Mapping[str, pa.Table], dt.date], list[Row]]]:
    from painreg.tidy import rules

    return {
        "referral_after_first_visit": _date_check(
            rules.REFERRAL_AFTER_FIRST_VISIT, "referral_date"
        ),
        "rehab_start_before_first_visit": _date_check(
            rules.REHAB_START_BEFORE_FIRST_VISIT, "rehab_start_date"
        ),
        "rehab_end_before_start": _date_check(rules.REHAB_END_BEFORE_START, "rehab_end_date"),
        "rehab_end_without_start": _date_check(rules.REHAB_END_WITHOUT_START, "rehab_start_date"),
        "assessment_with_rehab": _assessment_with_rehab,
        "reason_without_discontinuation": _reason_without_discontinuation,
        "discontinued_without_reason": _discontinued_without_reason,
        "signed_off_incomplete": _signed_off_incomplete,
        "diagnosis_format": _diagnosis_format,
        "future_date": _future_dates,
        "answer_value": _answer_values,
        "answer_in_future": _answer_future,
        "answer_outside_window": _answer_outside_window,
        "assessment_occasion": _assessment_occasions,
    }


#: The register's entry checks a rule may name in ``check``.
ENTRY_CHECKS = _entry_checks()


# --------------------------------------------------------------------------- running


def _with_counting_year(registrations: pa.Table) -> pa.Table:
    from painreg.tidy import rules

    years = [
        rules.counting_year(c, first_visit_date=f, rehab_end_date=e)
        for c, f, e in zip(
            registrations.column("category").to_pylist(),
            registrations.column("first_visit_date").to_pylist(),
            registrations.column("rehab_end_date").to_pylist(),
            strict=True,
        )
    ]
    return registrations.append_column("counting_year", pa.array(years, pa.int64()))


def _scores(answers: pa.Table) -> pa.Table:
    from painreg.analytics.load import _empty, _score

    # Answers the catalogue rejects are answer_value's findings; the rest are scored.
    valid = answers.filter(pa.array(~_invalid_answers(answers)))
    return _score(valid) if valid.num_rows else _empty("scores")


def _complete(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    from painreg.tidy import schema

    out: dict[str, pa.Table] = {}
    for name in ("units", "unit_year_totals", "patients", "registrations", "answers"):
        given = tables.get(name)
        out[name] = (
            given if given is not None else schema.get_table(name).arrow_schema.empty_table()
        )
    out["scores"] = (
        tables["scores"] if tables.get("scores") is not None else _scores(out["answers"])
    )
    if tables.get("occasions") is not None:
        out["occasions"] = tables["occasions"]
    return out


def _connect(tables: Mapping[str, pa.Table]) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    for name, data in tables.items():
        source = data if name != "registrations" else _with_counting_year(data)
        con.register("_source", source)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _source')
        con.unregister("_source")
    con.execute(
        """
        CREATE TABLE occasion_answers AS
        SELECT registration_id, occasion, min(answered_on) AS first_answered_on,
               max(answered_on) AS last_answered_on, count(*) AS items
        FROM answers GROUP BY registration_id, occasion
        """
    )
    # The rules' SQL reads these tables only: no files, no network, no settings.
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _sql_rows(con: Any, rule: Rule, today: dt.date) -> list[dict[str, Any]]:
    import duckdb

    if rule.query:
        sql = rule.query
    else:
        sql = f'SELECT * FROM "{rule.table}" WHERE ({rule.where})'
    values = {"today": today, **rule.parameters}
    used = set(_PARAM.findall(sql))
    try:
        result = con.execute(sql, {k: v for k, v in values.items() if k in used})
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise QualityRuleError(f"rule {rule.id}: its SQL fails: {first}") from None
    if rows and "registration_id" not in names and "unit_id" not in names:
        raise QualityRuleError(
            f"rule {rule.id}: its SQL returns neither registration_id nor unit_id"
        )
    return rows


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def run_rules(
    tables: Mapping[str, pa.Table],
    rules: Iterable[Rule] | None = None,
    *,
    today: dt.date | None = None,
) -> QualityRun:
    """Every rule over the tidy ``tables`` (``occasions`` optional; ``scores`` computed
    when absent). A rule's SQL that fails raises :class:`QualityRuleError` naming it."""
    rules = list(load_rules() if rules is None else rules)
    today = today or dt.date.today()
    data = _complete(tables)
    run = QualityRun(today=today, rules=rules)
    unit_of = dict(
        zip(
            data["registrations"].column("registration_id").to_pylist(),
            data["registrations"].column("unit_id").to_pylist(),
            strict=True,
        )
    )
    con = _connect(data)
    found: dict[tuple, Finding] = {}
    try:
        for rule in rules:
            missing = [t for t in rule.requires if t not in data and t not in DERIVED_TABLES]
            if rule.table and rule.table not in data and rule.table not in DERIVED_TABLES:
                missing.append(rule.table)
            if missing:
                run.not_run[rule.id] = f"needs {', '.join(missing)}, which the data does not have"
                continue
            if rule.check:
                rows = [
                    {"registration_id": r, "occasion": o, "field": f, "detail": d}
                    for r, o, f, d in ENTRY_CHECKS[rule.check](data, today)
                ]
            else:
                rows = _sql_rows(con, rule, today)
            for row in rows:
                registration = row.get("registration_id")
                registration = None if registration is None else str(registration)
                unit = row.get("unit_id") if "unit_id" in row else unit_of.get(registration)
                finding = Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    unit_id=None if unit is None else str(unit),
                    registration_id=registration,
                    occasion=row.get("occasion") or None,
                    field=row.get("field") or rule.field,
                    detail=_text_of(row.get("detail")) if rule.query or rule.check else "",
                )
                found.setdefault(finding.key, finding)
    finally:
        con.close()
    order = {r.id: i for i, r in enumerate(rules)}
    severity = {s: i for i, s in enumerate(SEVERITIES)}
    run.findings = sorted(
        found.values(),
        key=lambda f: (severity[f.severity], order[f.rule], f.unit_id or "", f.key),
    )
    return run


def run_on_directory(
    directory: Path | str, rules: Iterable[Rule] | None = None, *, today: dt.date | None = None
) -> QualityRun:
    """The rules over an interchange directory (CSV or Parquet), before it is imported."""
    from painreg.tidy import schema

    try:
        tables = schema.read_tables(directory, schema.IMPORTED_TABLES)
    except schema.InterchangeError as exc:
        raise UserError(f"{exc}; `painreg import --check DIR` reports every bad cell") from None
    if "registrations" not in tables:
        raise UserError(f"{directory}: no registrations file; nothing to check")
    return run_rules(tables, rules, today=today)


def findings_table(run: QualityRun, language: str = "sv") -> list[list[Any]]:
    """The findings as rows for a file meant for people (header first)."""
    by_id = {r.id: r for r in run.rules}
    header = [
        "rule",
        "severity",
        "unit_id",
        "registration_id",
        "occasion",
        "field",
        "detail",
        "name",
    ]
    rows: list[list[Any]] = [header]
    for f in run.findings:
        rows.append(
            [
                f.rule,
                f.severity,
                f.unit_id or "",
                f.registration_id or "",
                f.occasion or "",
                f.field or "",
                f.detail,
                by_id[f.rule].name(language),
            ]
        )
    return rows


def render_rule_reference() -> str:
    """``docs/quality-rules.md``: every shipped rule, generated from the rule file."""
    lines = [
        "# Data-quality rules",
        "",
        "<!-- Generated by `python -m painreg.cli.docgen` from",
        "`src/painreg/analytics/quality_rules.yaml`; do not edit. -->",
        "",
        "The rules `painreg quality run` applies to the whole register (and to",
        "interchange files with `--data DIR`). The language of the rule file, and how",
        'findings and queries work, are in `docs/registry.md` ("Data quality").',
        "",
        "| id | severity | name (sv) | name (en) | kind |",
        "|---|---|---|---|---|",
    ]
    rules = load_rules()
    for r in rules:
        lines.append(f"| `{r.id}` | {r.severity} | {r.name_sv} | {r.name_en} | {r.kind} |")
    for r in rules:
        lines += ["", f"## `{r.id}`: {r.name_en}", ""]
        lines += [f"- Severity: {r.severity} ({SEVERITIES[r.severity][0]})"]
        if r.field:
            lines.append(f"- Field: `{r.field}`")
        if r.parameters:
            shown = ", ".join(f"`{k}` = {v}" for k, v in r.parameters.items())
            lines.append(f"- Parameters: {shown}")
        if r.requires:
            lines.append(f"- Requires: {', '.join(f'`{t}`' for t in r.requires)} (database only)")
        lines += ["", f"> {r.explanation_sv}", ">", f"> *{r.explanation_en}*", ""]
        if r.check:
            lines.append(f"Entry check `{r.check}` (the same code as the forms and the import).")
        elif r.query:
            lines += ["```sql", r.query.strip(), "```"]
        else:
            lines += ["```sql", f"SELECT * FROM {r.table}", f"WHERE {r.where.strip()}", "```"]
    return "\n".join(lines) + "\n"
