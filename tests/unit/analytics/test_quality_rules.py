"""Every shipped data-quality rule: a fixture that triggers it and one that does not.

The fixtures are small tidy tables built by hand; ``TODAY`` is fixed so the
date rules are exact. Each case is (rule id, tables that trigger it, tables
that do not), and the test asserts the triggering registration (or unit) is
found by that rule and nothing by that rule in the clean variant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from painreg.analytics import quality
from painreg.errors import UserError
from painreg.tidy import schema

TODAY = dt.date(2024, 6, 1)
D = dt.date


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    full = [{c: row.get(c) for c in table.column_names} for row in rows]
    return schema.conform(table, pa.Table.from_pylist(full, schema=table.arrow_schema))


def reg(rid: str = "r1", **values: Any) -> dict[str, Any]:
    """A clean, signed-off, completed rehab registration at unit A."""
    row = {
        "registration_id": rid,
        "patient_id": f"p-{rid}",
        "unit_id": "A",
        "category": "rehab",
        "referral_date": D(2022, 12, 1),
        "first_visit_date": D(2023, 1, 10),
        "rehab_start_date": D(2023, 2, 1),
        "rehab_end_date": D(2023, 5, 1),
        "discontinued": False,
        "discontinuation_reason": None,
        "main_diagnosis": "M79.7",
        "signed_off": True,
    }
    row.update(values)
    return row


def ans(rid: str, occasion: str, item: str, value: float, day: dt.date) -> dict[str, Any]:
    return {
        "registration_id": rid,
        "occasion": occasion,
        "item": item,
        "value": value,
        "answered_on": day,
        "source": "staff",
    }


def tables(
    registrations: list[dict[str, Any]],
    answers: list[dict[str, Any]] = (),
    occasions: list[dict[str, Any]] | None = None,
) -> dict[str, pa.Table]:
    out = {
        "units": _table(
            "units",
            [
                {"unit_id": u, "name": u, "region_code": "01", "care_level": "specialist"}
                for u in ("A", "B")
            ],
        ),
        "registrations": _table("registrations", registrations),
        "answers": _table("answers", list(answers)),
    }
    if occasions is not None:
        out["occasions"] = pa.Table.from_pylist(
            occasions,
            schema=pa.schema(
                [("registration_id", pa.string()), ("occasion", pa.string()),
                 ("signed_off", pa.bool_())]
            ),
        )  # fmt: skip
    return out


def _rate_year(unit: str, year: int, n: int, answered: int, prefix: str) -> tuple[list, list]:
    regs, answers = [], []
    for i in range(n):
        rid = f"{prefix}{year}-{i}"
        end = D(year, 6, 1)
        regs.append(
            reg(rid, unit_id=unit, first_visit_date=D(year, 1, 10),
                rehab_start_date=D(year, 2, 1), rehab_end_date=end, referral_date=None)
        )  # fmt: skip
        if i < answered:
            answers.append(ans(rid, "end", "nprs_1", 5, end))
    return regs, answers


def _response_rate(second_year_answered: int) -> dict[str, pa.Table]:
    r1, a1 = _rate_year("A", 2022, 10, 8, "x")
    r2, a2 = _rate_year("A", 2023, 10, second_year_answered, "x")
    return tables(r1 + r2, a1 + a2)


def _outlier(value: float) -> dict[str, pa.Table]:
    regs, answers = [], []
    for i in range(25):
        rid = f"s{i}"
        regs.append(reg(rid))
        answers.append(ans(rid, "initial", "eq5d5l_vas", 48 + 2 * (i % 3), D(2023, 1, 10)))
    answers[0] = ans("s0", "initial", "eq5d5l_vas", value, D(2023, 1, 10))
    return tables(regs, answers)


#: rule id -> (the triggering tables, the clean tables, what the finding is on)
CASES: dict[str, tuple[Callable[[], dict], Callable[[], dict], str]] = {
    "referral_after_first_visit": (
        lambda: tables([reg(referral_date=D(2023, 2, 1))]),
        lambda: tables([reg(referral_date=D(2023, 1, 10))]),
        "r1",
    ),
    "rehab_start_before_first_visit": (
        lambda: tables([reg(rehab_start_date=D(2023, 1, 9))]),
        lambda: tables([reg(rehab_start_date=D(2023, 1, 10))]),
        "r1",
    ),
    "rehab_end_before_start": (
        lambda: tables([reg(rehab_end_date=D(2023, 1, 31))]),
        lambda: tables([reg(rehab_end_date=D(2023, 2, 1))]),
        "r1",
    ),
    "rehab_end_without_start": (
        lambda: tables([reg(rehab_start_date=None)]),
        lambda: tables([reg()]),
        "r1",
    ),
    "assessment_with_rehab": (
        lambda: tables([reg(category="assessment", rehab_end_date=None)]),
        lambda: tables([reg(category="assessment", rehab_start_date=None, rehab_end_date=None)]),
        "r1",
    ),
    "reason_without_discontinuation": (
        lambda: tables([reg(discontinuation_reason="own_decision")]),
        lambda: tables([reg(discontinued=True, discontinuation_reason="own_decision")]),
        "r1",
    ),
    "discontinued_without_reason": (
        lambda: tables([reg(discontinued=True)]),
        lambda: tables([reg(discontinued=True, discontinuation_reason="other")]),
        "r1",
    ),
    "signed_off_incomplete": (
        lambda: tables([reg(main_diagnosis=None)]),
        lambda: tables([reg(main_diagnosis=None, signed_off=False)]),
        "r1",
    ),
    "diagnosis_format": (
        lambda: tables([reg(main_diagnosis="797")]),
        lambda: tables([reg(main_diagnosis="M79.7", secondary_diagnoses="M54.5")]),
        "r1",
    ),
    "future_date": (
        lambda: tables([reg(rehab_end_date=D(2024, 6, 2))]),
        lambda: tables([reg(rehab_end_date=TODAY)]),
        "r1",
    ),
    "answer_value": (
        lambda: tables([reg()], [ans("r1", "initial", "hads_1", 4, D(2023, 1, 10))]),
        lambda: tables([reg()], [ans("r1", "initial", "hads_1", 3, D(2023, 1, 10))]),
        "r1",
    ),
    "answer_in_future": (
        lambda: tables([reg()], [ans("r1", "initial", "nprs_1", 4, D(2024, 6, 2))]),
        lambda: tables([reg()], [ans("r1", "initial", "nprs_1", 4, TODAY)]),
        "r1",
    ),
    "answer_outside_window": (
        # The rehab ended 2023-05-01: the end form is due 2023-05-01..2023-05-31.
        lambda: tables([reg()], [ans("r1", "end", "nprs_1", 4, D(2023, 6, 1))]),
        lambda: tables([reg()], [ans("r1", "end", "nprs_1", 4, D(2023, 5, 31))]),
        "r1",
    ),
    "assessment_occasion": (
        lambda: tables(
            [reg(category="assessment", rehab_start_date=None, rehab_end_date=None)],
            [ans("r1", "end", "nprs_1", 4, D(2023, 5, 1))],
        ),
        lambda: tables(
            [reg(category="assessment", rehab_start_date=None, rehab_end_date=None)],
            [ans("r1", "initial", "nprs_1", 4, D(2023, 1, 10))],
        ),
        "r1",
    ),
    "overlapping_rehab": (
        lambda: tables(
            [
                reg("r1"),
                reg(
                    "r2",
                    patient_id="p-r1",
                    unit_id="B",
                    rehab_start_date=D(2023, 5, 1),
                    rehab_end_date=D(2023, 8, 1),
                ),
            ]
        ),
        lambda: tables(
            [
                reg("r1"),
                reg(
                    "r2",
                    patient_id="p-r1",
                    unit_id="B",
                    rehab_start_date=D(2023, 5, 2),
                    rehab_end_date=D(2023, 8, 1),
                ),
            ]
        ),
        "r1",
    ),
    "followup_before_end": (
        lambda: tables(
            [reg()],
            [
                ans("r1", "end", "nprs_1", 4, D(2023, 5, 10)),
                ans("r1", "followup_1y", "nprs_1", 4, D(2023, 5, 9)),
            ],
        ),
        lambda: tables(
            [reg()],
            [
                ans("r1", "end", "nprs_1", 4, D(2023, 5, 10)),
                ans("r1", "followup_1y", "nprs_1", 4, D(2024, 5, 1)),
            ],
        ),
        "r1",
    ),
    "ongoing_too_long": (
        # Started 2022-05-31: more than two years before 2024-06-01.
        lambda: tables([reg(rehab_start_date=D(2022, 5, 31), rehab_end_date=None)]),
        lambda: tables([reg(rehab_start_date=D(2022, 6, 1), rehab_end_date=None)]),
        "r1",
    ),
    "score_outlier": (
        # 48, 50, 52 repeating: median 50, MAD 2, spread 2.9652; k × spread = 11.86
        lambda: _outlier(62.0),  # 12 from the median
        lambda: _outlier(61.0),  # 11 from the median
        "s0",
    ),
    "occasion_not_signed_off": (
        lambda: tables(
            [reg()],
            [ans("r1", "initial", "nprs_1", 4, D(2024, 4, 1))],  # 61 days before TODAY
            [{"registration_id": "r1", "occasion": "initial", "signed_off": False}],
        ),
        lambda: tables(
            [reg()],
            [ans("r1", "initial", "nprs_1", 4, D(2024, 4, 2))],  # 60 days: not yet
            [{"registration_id": "r1", "occasion": "initial", "signed_off": False}],
        ),
        "r1",
    ),
    "response_rate_halved": (
        lambda: _response_rate(4),  # 80 % -> 40 %: halved
        lambda: _response_rate(5),  # 80 % -> 50 %: not halved
        "unit:A",
    ),
}


def _found(run: quality.QualityRun, rule: str) -> list[quality.Finding]:
    return [f for f in run.findings if f.rule == rule]


def test_every_shipped_rule_has_a_case() -> None:
    assert {r.id for r in quality.load_rules()} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers_on_its_fixture_and_not_on_the_clean_one(rule_id: str) -> None:
    bad, good, on = CASES[rule_id]
    found = _found(quality.run_rules(bad(), today=TODAY), rule_id)
    assert found, f"{rule_id} did not trigger"
    if on.startswith("unit:"):
        assert {(f.unit_id, f.registration_id) for f in found} == {(on[5:], None)}
    else:
        assert on in {f.registration_id for f in found}
        assert all(f.unit_id for f in found)
    clean = quality.run_rules(good(), today=TODAY)
    assert rule_id not in clean.not_run
    assert not _found(clean, rule_id), f"{rule_id} triggered on the clean fixture"


def test_overlap_is_found_at_both_units_without_naming_the_other() -> None:
    bad = CASES["overlapping_rehab"][0]()
    found = _found(quality.run_rules(bad, today=TODAY), "overlapping_rehab")
    assert {(f.unit_id, f.registration_id, f.detail) for f in found} == {
        ("A", "r1", ""),
        ("B", "r2", ""),
    }


def test_response_rate_detail_names_both_years() -> None:
    (finding,) = _found(quality.run_rules(_response_rate(4), today=TODAY), "response_rate_halved")
    assert finding.detail == "2023: 40 % (2022: 80 %)"


def test_a_rule_needing_occasions_is_not_run_on_files() -> None:
    run = quality.run_rules(tables([reg()]), today=TODAY)
    assert "occasion_not_signed_off" in run.not_run
    assert "occasion_not_signed_off" not in run.counts()


def test_an_occasion_whose_sign_off_is_unknown_is_not_flagged() -> None:
    data = CASES["occasion_not_signed_off"][0]()
    data["occasions"] = data["occasions"].set_column(2, "signed_off", pa.array([None], pa.bool_()))
    assert not _found(quality.run_rules(data, today=TODAY), "occasion_not_signed_off")


def test_invalid_answers_do_not_stop_the_scores_of_the_others() -> None:
    data = _outlier(62.0)
    data["answers"] = pa.concat_tables(
        [data["answers"], _table("answers", [ans("s1", "end", "eq5d5l_vas", 101, D(2023, 5, 1))])]
    )
    run = quality.run_rules(data, today=TODAY)
    assert _found(run, "answer_value")
    assert _found(run, "score_outlier")


# --------------------------------------------------------------------------- the language


def _rule(**values: Any) -> dict[str, Any]:
    entry = {
        "id": "my_rule",
        "severity": "warning",
        "name": {"sv": "Min regel", "en": "My rule"},
        "explanation": {"sv": "Förklaring.", "en": "Explanation."},
        "table": "registrations",
        "where": "main_diagnosis IS NULL",
        "field": "main_diagnosis",
    }
    entry.update(values)
    return {k: v for k, v in entry.items() if v is not None}


def test_a_register_holder_adds_a_rule_without_code(tmp_path: Any) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - id: no_main_diagnosis\n"
        "    severity: notice\n"
        "    name: {sv: Huvuddiagnos saknas, en: No main diagnosis}\n"
        "    explanation: {sv: Ange huvuddiagnos., en: Enter the main diagnosis.}\n"
        "    table: registrations\n"
        "    field: main_diagnosis\n"
        "    parameters: {year: 2023}\n"
        "    where: main_diagnosis IS NULL AND counting_year = $year\n",
        encoding="utf-8",
    )
    rules = quality.load_rules(path)
    run = quality.run_rules(tables([reg(), reg("r2", main_diagnosis=None)]), rules, today=TODAY)
    assert [(f.rule, f.registration_id, f.field) for f in run.findings] == [
        ("no_main_diagnosis", "r2", "main_diagnosis")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"severity": "fatal"}, "'severity' must be one of error, warning, notice"),
        ({"name": {"sv": "Bara svenska"}}, "'name' needs a Swedish and an English text"),
        ({"check": "nonsense", "where": None, "table": None}, "unknown check 'nonsense'"),
        ({"query": "SELECT 1"}, "give exactly one of"),
        ({"table": "people"}, "'where' needs 'table'"),
        ({"where": "rehab_end_date < $when"}, "$when used but not given in 'parameters'"),
        ({"id": "Bad Id"}, "'id' must be lower-case"),
        ({"colour": "red"}, "unknown key(s) colour"),
        ({"requires": ["people"]}, "'requires' names unknown table(s) people"),
    ],
)
def test_a_mistake_in_a_rule_is_one_clear_line(change: dict[str, Any], message: str) -> None:
    with pytest.raises(quality.QualityRuleError) as exc:
        quality.parse_rules({"rules": [_rule(**change)]}, "rules.yaml")
    assert message in str(exc.value)
    assert str(exc.value).startswith("rules.yaml, rule")


def test_a_failing_sql_names_the_rule() -> None:
    rules = quality.parse_rules({"rules": [_rule(where="no_such_column = 1")]})
    with pytest.raises(quality.QualityRuleError, match="rule my_rule: its SQL fails"):
        quality.run_rules(tables([reg()]), rules, today=TODAY)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('{secret}')",
        "SELECT content AS registration_id FROM read_text('{secret}')",
        "COPY (SELECT 1 AS unit_id) TO '{out}'",
        "ATTACH '{out}' AS other",
        "SET enable_external_access = true",
        "LOAD httpfs",
    ],
)
def test_the_sql_cannot_reach_files_settings_or_extensions(tmp_path: Any, sql: str) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("registration_id\nleaked\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    query = sql.format(secret=secret, out=out)
    rules = quality.parse_rules({"rules": [_rule(where=None, table=None, query=query)]})
    with pytest.raises(quality.QualityRuleError, match="its SQL fails"):
        quality.run_rules(tables([reg()]), rules, today=TODAY)
    assert not out.exists()


def test_files_are_checked_before_an_import(tmp_path: Any) -> None:
    data = tables([reg(), reg("r2", rehab_end_date=D(2023, 1, 1))])
    for name, table in data.items():
        schema.write_table(tmp_path, name, table)
    run = quality.run_on_directory(tmp_path, today=TODAY)
    assert [(f.rule, f.registration_id) for f in run.findings] == [("rehab_end_before_start", "r2")]
    assert "occasion_not_signed_off" in run.not_run


def test_a_directory_without_registrations_is_a_user_error(tmp_path: Any) -> None:
    with pytest.raises(UserError, match="no registrations file"):
        quality.run_on_directory(tmp_path)


def test_the_command_checks_files_and_fails_on_an_error(tmp_path: Any, capsys: Any) -> None:
    from painreg.cli import main

    data = tables([reg(), reg("r2", rehab_end_date=D(2023, 1, 1), main_diagnosis="=cmd()")])
    for name, table in data.items():
        schema.write_table(tmp_path / "in", name, table)
    out = tmp_path / "findings.csv"
    code = main(
        ["quality", "run", "--data", str(tmp_path / "in"), "--today", "2024-06-01",
         "--output", str(out), "--language", "en"]
    )  # fmt: skip
    assert code == 1  # an error-severity finding
    printed = capsys.readouterr().out
    assert "rehab_end_before_start: 1 (Rehab ends before it starts)" in printed
    assert "occasion_not_signed_off: not run" in printed
    text = out.read_text(encoding="utf-8")
    assert "rehab_end_before_start,error,A,r2,,rehab_end_date,,Rehab ends before it starts" in text
    assert "'=cmd()" in text  # a formula in a cell is written as text


def test_the_command_lists_the_rules(capsys: Any) -> None:
    from painreg.cli import main

    assert main(["quality", "rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CASES)
    assert "ongoing_too_long\twarning\tPågående i mer än två år" in lines
