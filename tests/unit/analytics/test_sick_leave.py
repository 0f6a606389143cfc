"""Sick leave from Försäkringskassan: net days and the figures against hand-computed values.

The register and every expected value are in ``sick_leave_fixture`` (its
docstring shows the arithmetic). Definitions: DOMAIN.md, "Sick leave from
Försäkringskassan".
"""

from __future__ import annotations

import datetime as dt
import json
import math

import ibis
import pyarrow as pa
import pytest

from painreg.analytics import sick_leave
from painreg.analytics.compute import compute_indicators
from painreg.analytics.context import Context, base_registrations
from painreg.analytics.load import RegisterDataError, load_register, register_from_arrow
from tests.unit.analytics import sick_leave_fixture as fx

D = dt.date


def _net(periods: list[tuple], first: dt.date, last: dt.date) -> float:
    """Net days of one window [first, last] over ``periods`` (benefit, start, end, extent)."""
    regs = ibis.memtable(
        pa.table(
            {
                "registration_id": ["r"],
                "unit_id": ["U"],
                "patient_id": ["p"],
                "first_visit_date": pa.array([last + dt.timedelta(days=1)], pa.date32()),
                "rehab_end_date": pa.array([D(2000, 1, 1)], pa.date32()),
            }
        )
    )
    rows = [fx._p("p", b, s, e, x) for b, s, e, x in periods] or [
        fx._p("other", "sickness", D(2000, 1, 1), D(2000, 1, 1), 100)
    ]
    table = ibis.memtable(fx._table("sick_leave", rows))
    frame = sick_leave.net_days(regs, table, D(1990, 1, 1), D(2100, 1, 1)).to_pandas()
    value = frame.loc[frame["window"] == "before", "net_days"]
    assert len(value) == 1
    return float(value.iloc[0])


# The ``before`` window of a first visit on day d is d − 365 .. d − 1.
WINDOW = (D(2019, 1, 1), D(2019, 12, 31))


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ([], 0.0),
        ([("sickness", D(2019, 3, 1), D(2019, 3, 10), 100)], 10.0),
        ([("sickness", D(2019, 3, 1), D(2019, 3, 10), 25)], 2.5),
        # two 50 % periods on the same days are one whole day a day
        ([("sickness", D(2019, 3, 1), D(2019, 3, 10), 50),
          ("sickness_compensation", D(2019, 3, 1), D(2019, 3, 10), 50)], 10.0),
        # 100 % + 50 % is one day a day, not 1.5
        ([("sickness", D(2019, 3, 1), D(2019, 3, 10), 100),
          ("rehabilitation", D(2019, 3, 6), D(2019, 3, 15), 50)], 10.0 + 2.5),
        # 75 + 50 on five shared days: capped at 1
        ([("sickness", D(2019, 3, 1), D(2019, 3, 10), 75),
          ("activity_compensation", D(2019, 3, 6), D(2019, 3, 10), 50)], 5 * 0.75 + 5 * 1.0),
        # a period that starts before and ends after the window: the window's 365 days
        ([("sickness_compensation", D(2018, 6, 1), D(2020, 6, 1), 100)], 365.0),
        ([("sickness_compensation", D(2018, 6, 1), D(2019, 1, 2), 50)], 1.0),
        # a one-day period on the window's last day
        ([("sickness", D(2019, 12, 31), D(2019, 12, 31), 100)], 1.0),
        # the day after the window does not count
        ([("sickness", D(2020, 1, 1), D(2020, 1, 5), 100)], 0.0),
        # identical periods of different benefits at 25 %: 4 × 25 = 100 %
        ([(b, D(2019, 5, 1), D(2019, 5, 4), 25) for b in
          ("sickness", "rehabilitation", "sickness_compensation", "activity_compensation")], 4.0),
        # adjacent periods: no gap, no double day
        ([("sickness", D(2019, 5, 1), D(2019, 5, 4), 100),
          ("sickness", D(2019, 5, 5), D(2019, 5, 8), 50)], 4.0 + 2.0),
    ],
)  # fmt: skip
def test_net_days_of_a_window(periods: list[tuple], expected: float) -> None:
    assert _net(periods, *WINDOW) == pytest.approx(expected, abs=1e-12)


def test_a_leap_year_window_has_365_days_and_counts_29_february() -> None:
    # First visit 2020-03-01: before = 2019-03-02 .. 2020-02-29.
    whole = [("sickness", D(2019, 1, 1), D(2020, 12, 31), 100)]
    assert _net(whole, D(2019, 3, 2), D(2020, 2, 29)) == 365.0
    leap_day = [("sickness", D(2020, 2, 29), D(2020, 3, 1), 100)]
    assert _net(leap_day, D(2019, 3, 2), D(2020, 2, 29)) == 1.0


def test_windows_follow_the_definition_and_the_covered_period() -> None:
    regs = ibis.memtable(
        pa.table(
            {
                "registration_id": ["a"],
                "unit_id": ["U"],
                "patient_id": ["p"],
                "first_visit_date": pa.array([D(2020, 3, 1)], pa.date32()),
                "rehab_end_date": pa.array([D(2020, 12, 31)], pa.date32()),
            }
        )
    )
    got = sick_leave.windows(regs, D(2019, 3, 2), D(2022, 12, 30)).to_pyarrow().to_pylist()
    day = sick_leave.EPOCH.toordinal()
    rows = {
        r["window"]: (D.fromordinal(day + r["w_first"]), D.fromordinal(day + r["w_last"]))
        for r in got
    }
    assert rows == {
        "before": (D(2019, 3, 2), D(2020, 2, 29)),
        "after_1y": (D(2021, 1, 1), D(2021, 12, 31)),
        # after_2y would end 2022-12-31, a day after the covered period: not observable
    }


def _close(got, expected) -> None:  # type: ignore[no-untyped-def]
    if isinstance(expected, dict):
        assert set(got) == set(expected)
        for k in expected:
            _close(got[k], expected[k])
    elif isinstance(expected, float):
        assert math.isclose(got, expected, rel_tol=1e-12), (got, expected)
    else:
        assert got == expected
        assert type(got) is type(expected)


@pytest.fixture(scope="module")
def register():  # type: ignore[no-untyped-def]
    return register_from_arrow(fx.tables())


def test_figures_per_level_and_unit_against_hand_computed(register) -> None:  # type: ignore[no-untyped-def]
    result = compute_indicators(register, 2020)
    for level, expected in fx.EXPECTED_2020.items():
        data = result["care_levels"][level]
        _close(data["national"]["sick_leave"], expected["national"])
        for unit, values in expected["units"].items():
            _close(data["units"][unit]["sick_leave"], values)


def test_regions_hold_the_figures_of_their_units(register) -> None:  # type: ignore[no-untyped-def]
    result = compute_indicators(register, 2020)["care_levels"]["specialist"]
    _close(result["regions"]["01"]["sick_leave"], fx.EXPECTED_2020["specialist"]["units"]["S1"])
    _close(result["regions"]["14"]["sick_leave"], fx.EXPECTED_2020["specialist"]["units"]["S2"])
    # Stockholm's healthcare region is S1's; Västra's is S2's
    _close(
        result["healthcare_regions"]["stockholm_gotland"]["sick_leave"],
        fx.EXPECTED_2020["specialist"]["units"]["S1"],
    )
    for key in ("regions", "healthcare_regions"):
        assert all("sick_leave" in values for values in result[key].values())


def test_benefit_groups_split_the_periods(register) -> None:  # type: ignore[no-untyped-def]
    ctx = Context(register=register, base=base_registrations(register), year=2020)
    groups = sick_leave.group_figures(register, ctx, "specialist")
    # r1: benefit 48.5 / 5 / 0; compensation 0 / 7.5 / 2.5. r2 (sickness): 1.5 / 0.
    # r3 (sickness): after_1y 30.
    _close(groups["benefit"]["before"], fx.W(2, 25.0, 25.0, 2))
    _close(groups["benefit"]["after_1y"], fx.W(3, 35.0 / 3, 5.0, 2))
    _close(groups["compensation"]["before"], fx.W(2, 0.0, 0.0, 0))
    _close(groups["compensation"]["after_1y"], fx.W(3, 2.5, 0.0, 1))
    _close(groups["compensation"]["after_2y"], fx.W(1, 2.5, 2.5, 1))
    assert (
        groups["all"]
        == compute_indicators(register, 2020)["care_levels"]["specialist"]["national"]["sick_leave"]
    )


def test_no_extract_no_key(register) -> None:  # type: ignore[no-untyped-def]
    tables = fx.tables()
    del tables["sick_leave"], tables["sick_leave_coverage"]
    result = compute_indicators(register_from_arrow(tables), 2020)
    assert "sick_leave" not in result["care_levels"]["specialist"]["national"]


def test_one_table_of_the_two_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fx.write(tmp_path)
    (tmp_path / "sick_leave_coverage.csv").unlink()
    with pytest.raises(RegisterDataError, match="sick_leave_coverage is missing"):
        load_register(tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_indicators_json_interface(tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """``painreg report indicators --data DIR --year Y``: the keys and values, exactly."""
    from painreg.cli import main

    data = fx.write(tmp_path / "data", fmt)
    out = tmp_path / "indicators.json"
    assert main(["report", "indicators", "--data", str(data), "--year", "2020",
                 "--output", str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text(encoding="utf-8"))
    for level, expected in fx.EXPECTED_2020.items():
        got = result["care_levels"][level]
        assert list(got["national"]["sick_leave"]) == [
            "before", "after_1y", "after_2y", "none_after", "none_after_n"
        ]  # fmt: skip
        assert list(got["national"]["sick_leave"]["before"]) == [
            "n", "mean_net_days", "median_net_days", "with_any"
        ]  # fmt: skip
        _close(got["national"]["sick_leave"], expected["national"])
        for unit, values in expected["units"].items():
            _close(got["units"][unit]["sick_leave"], values)
    # n = 0: null mean and median
    assert result["care_levels"]["specialist"]["units"]["S2"]["sick_leave"]["before"] == {
        "n": 0, "mean_net_days": None, "median_net_days": None, "with_any": 0
    }  # fmt: skip
