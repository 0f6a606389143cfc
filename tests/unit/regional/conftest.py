"""Shared fixtures: a register shaped like the Jämtland Härjedalen audit (2021)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from painreg.regional.waiting import Registration

D = dt.date
UNIT_COLUMNS = ["unit_id", "name", "region_code", "care_level"]
REG_COLUMNS = [
    "registration_id", "patient_id", "unit_id", "category", "referral_date", "first_visit_date",
    "rehab_start_date", "rehab_end_date", "discontinued", "discontinuation_reason",
    "main_diagnosis", "education", "work_measures",
]  # fmt: skip


@pytest.fixture
def audit_registrations() -> list[Registration]:
    """27 rehab starts during 2021 and 35 seen patients still waiting on 31 December 2021
    (audit of Region Jämtland Härjedalen 2021: about 27 places a year, about 35 waiting)."""
    started = [
        Registration(f"s{i}", "J1", "rehab", D(2020, 1, 1), D(2020, 3, 1),
                     D(2021, 1, 5) + dt.timedelta(days=13 * i), None)
        for i in range(27)
    ]  # fmt: skip
    waiting = [
        Registration(f"w{i}", "J1", "rehab", D(2021, 1, 1),
                     D(2021, 2, 1) + dt.timedelta(days=7 * i), None, None)
        for i in range(35)
    ]  # fmt: skip
    return started + waiting


@pytest.fixture
def register_dir(tmp_path: Path, audit_registrations: list[Registration]) -> Path:
    """The interchange tables units.csv and registrations.csv (ARCHITECTURE.md) of that register,
    plus one unit in Stockholm with a registration of its own."""
    directory = tmp_path / "register"
    directory.mkdir()
    with (directory / "units.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(UNIT_COLUMNS)
        writer.writerow(["J1", "Smärtrehab Östersund", "23", "specialist"])
        writer.writerow(["S1", "Smärtcentrum Stockholm", "01", "specialist"])
    other = Registration("x1", "S1", "rehab", D(2021, 1, 1), D(2021, 2, 1), None, None)
    with (directory / "registrations.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REG_COLUMNS)
        for r in [*audit_registrations, other]:
            dates = [r.referral_date, r.first_visit_date, r.rehab_start_date, r.rehab_end_date]
            writer.writerow(
                [r.registration_id, f"p{r.registration_id}", r.unit_id, r.category,
                 *[d.isoformat() if d else "" for d in dates], "false", "", "M79.7", "", ""]
            )  # fmt: skip
    return directory
