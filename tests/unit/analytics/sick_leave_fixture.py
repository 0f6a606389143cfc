"""A small register with a sick-leave extract, every figure computed by hand.

Covered period 2019-01-01 .. 2022-06-30. Completed rehab registrations of 2020:

- r1 (p1, unit S1): first visit 2020-01-10, rehab end 2020-06-30.
  ``before`` 2019-01-10..2020-01-09: sickness 2018-12-01..2019-01-20 100 %
  starts before the window (11 days inside); sickness 2019-06-01..06-30
  100 % and rehabilitation 2019-06-16..07-15 50 % overlap: 15 + 15 (capped at
  one day a day) + 15 × 0.5 = 37.5; total 48.5 (benefit 48.5, compensation 0).
  ``after_1y`` 2020-07-01..2021-06-30: sickness and sickness compensation
  2020-12-01..12-10 at 50 % each = 10; sickness compensation 2021-06-21..
  07-10 25 % spans two windows: 10 × 0.25 = 2.5 here; total 12.5 (benefit 5,
  compensation 7.5). ``after_2y`` 2021-07-01..2022-06-30 (ends on the covered
  period's last day: observable): 2.5 (compensation 2.5).
- r2 (p2, S1): first visit 2020-03-01 (leap year): ``before`` 2019-03-02..
  2020-02-29; sickness 2020-02-28..03-05 75 %: 2 days (28 and 29 February) ×
  0.75 = 1.5. Rehab end 2020-12-31: ``after_1y`` 2021 = 0; ``after_2y`` 2022
  runs past the covered period: not observable.
- r3 (p3, S2): first visit 2019-06-01: ``before`` starts 2018-06-01, before the
  covered period: not observable. Rehab end 2020-12-15: ``after_1y``
  2020-12-16..2021-12-15: sickness 2020-12-16..2021-01-14 100 % = 30;
  ``after_2y`` ends 2022-12-15: not observable.
- r4 (p4, P1, primary): no periods; every window observable, 0 net days.
- Not counted in 2020: r5 (p5, S1) discontinued; r6 (p1, S2) ongoing; r7
  (p2, S1) completed in 2021. p9's period is of a patient without
  registrations.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from painreg.tidy.schema import get_table, write_table

D = dt.date
COVERS = (D(2019, 1, 1), D(2022, 6, 30))


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = get_table(name).arrow_schema
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)


def _reg(rid, patient, unit, first, end, **kw):  # type: ignore[no-untyped-def]
    return {
        "registration_id": rid,
        "patient_id": patient,
        "unit_id": unit,
        "category": "rehab",
        "first_visit_date": first,
        "rehab_start_date": first,
        "rehab_end_date": end,
        "discontinued": kw.pop("discontinued", False),
        "main_diagnosis": "M79.7",
        **kw,
    }


def _p(patient, benefit, first, last, extent):  # type: ignore[no-untyped-def]
    return {
        "patient_id": patient,
        "benefit": benefit,
        "start_date": first,
        "end_date": last,
        "extent": extent,
    }


def tables() -> dict[str, pa.Table]:
    units = [
        {"unit_id": "S1", "name": "Smärtenhet 1", "region_code": "01", "care_level": "specialist"},
        {"unit_id": "S2", "name": "Smärtenhet 2", "region_code": "14", "care_level": "specialist"},
        {"unit_id": "P1", "name": "Vårdcentral 1", "region_code": "01", "care_level": "primary"},
    ]
    patients = [
        {"patient_id": f"p{i}", "sex": "F" if i % 2 else "M", "birth_year": 1970 + i}
        for i in range(1, 10)
    ]
    registrations = [
        _reg("r1", "p1", "S1", D(2020, 1, 10), D(2020, 6, 30)),
        _reg("r2", "p2", "S1", D(2020, 3, 1), D(2020, 12, 31)),
        _reg("r3", "p3", "S2", D(2019, 6, 1), D(2020, 12, 15)),
        _reg("r4", "p4", "P1", D(2020, 2, 1), D(2020, 5, 31)),
        _reg("r5", "p5", "S1", D(2020, 1, 1), D(2020, 3, 1), discontinued=True),
        _reg("r6", "p1", "S2", D(2020, 8, 1), None),
        _reg("r7", "p2", "S1", D(2021, 1, 15), D(2021, 5, 31)),
    ]
    periods = [
        _p("p1", "sickness", D(2018, 12, 1), D(2019, 1, 20), 100),
        _p("p1", "sickness", D(2019, 6, 1), D(2019, 6, 30), 100),
        _p("p1", "rehabilitation", D(2019, 6, 16), D(2019, 7, 15), 50),
        _p("p1", "sickness", D(2020, 12, 1), D(2020, 12, 10), 50),
        _p("p1", "sickness_compensation", D(2020, 12, 1), D(2020, 12, 10), 50),
        _p("p1", "sickness_compensation", D(2021, 6, 21), D(2021, 7, 10), 25),
        _p("p2", "sickness", D(2020, 2, 28), D(2020, 3, 5), 75),
        _p("p3", "sickness", D(2020, 12, 16), D(2021, 1, 14), 100),
        _p("p5", "sickness", D(2019, 5, 1), D(2019, 5, 31), 100),
        _p("p9", "activity_compensation", D(2019, 1, 1), D(2022, 6, 30), 100),
    ]
    return {
        "units": _table("units", units),
        "patients": _table("patients", patients),
        "registrations": _table("registrations", registrations),
        "sick_leave_coverage": _table(
            "sick_leave_coverage", [{"covers_from": COVERS[0], "covers_to": COVERS[1]}]
        ),
        "sick_leave": _table("sick_leave", periods),
    }


def copies(count: int) -> dict[str, pa.Table]:
    """The register with each patient (their registrations and periods) ``count`` times."""
    original = tables()
    out = {"units": original["units"], "sick_leave_coverage": original["sick_leave_coverage"]}
    for name, column in (("patients", "patient_id"), ("sick_leave", "patient_id")):
        parts = []
        for k in range(count):
            t = original[name]
            ids = pa.array([f"{v}-{k}" for v in t.column(column).to_pylist()], pa.string())
            parts.append(t.set_column(t.schema.get_field_index(column), column, ids))
        out[name] = pa.concat_tables(parts)
    parts = []
    for k in range(count):
        t = original["registrations"]
        for column in ("registration_id", "patient_id"):
            ids = pa.array([f"{v}-{k}" for v in t.column(column).to_pylist()], pa.string())
            t = t.set_column(t.schema.get_field_index(column), column, ids)
        parts.append(t)
    out["registrations"] = pa.concat_tables(parts)
    return out


def write(directory: Path, format: str = "csv", count: int = 1) -> Path:
    for name, data in (tables() if count == 1 else copies(count)).items():
        write_table(directory, name, data, format)
    return directory


def W(n, mean, median, with_any):  # type: ignore[no-untyped-def]
    return {"n": n, "mean_net_days": mean, "median_net_days": median, "with_any": with_any}


#: The hand-computed ``sick_leave`` values of 2020 (all benefits together).
EXPECTED_2020 = {
    "specialist": {
        "national": {
            "before": W(2, 25.0, 25.0, 2),
            "after_1y": W(3, 42.5 / 3, 12.5, 2),
            "after_2y": W(1, 2.5, 2.5, 1),
            "none_after": 1,
            "none_after_n": 2,
        },
        "units": {
            "S1": {
                "before": W(2, 25.0, 25.0, 2),
                "after_1y": W(2, 6.25, 6.25, 1),
                "after_2y": W(1, 2.5, 2.5, 1),
                "none_after": 1,
                "none_after_n": 2,
            },
            "S2": {
                "before": W(0, None, None, 0),
                "after_1y": W(1, 30.0, 30.0, 1),
                "after_2y": W(0, None, None, 0),
                "none_after": 0,
                "none_after_n": 0,
            },
        },
    },
    "primary": {
        "national": {
            "before": W(1, 0.0, 0.0, 0),
            "after_1y": W(1, 0.0, 0.0, 0),
            "after_2y": W(1, 0.0, 0.0, 0),
            "none_after": 0,
            "none_after_n": 0,
        },
    },
}
EXPECTED_2020["primary"]["units"] = {"P1": EXPECTED_2020["primary"]["national"]}
