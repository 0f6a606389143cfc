"""Small extracts written as CSV and analysed on DuckDB (shared by the tests)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from painreg.contacts.analysis import analyze
from painreg.contacts.measures import Period

COLUMNS = (
    "patient_id",
    "sex",
    "birth_year",
    "contact_date",
    "unit_id",
    "caregiver_id",
    "profession",
    "contact_type",
    "diagnoses",
)
YEAR = Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31))


def contact(
    patient="p1",
    day="2020-03-01",
    caregiver="d1",
    profession="physician",
    diagnoses="",
    unit="U1",
    sex="F",
    birth_year=1960,
    contact_type="visit",
    **extra,
):
    return {
        "patient_id": patient,
        "sex": sex,
        "birth_year": birth_year,
        "contact_date": day,
        "unit_id": unit,
        "caregiver_id": caregiver,
        "profession": profession,
        "contact_type": contact_type,
        "diagnoses": diagnoses,
        **extra,
    }


def write_csv(path: Path, rows: list[dict], columns=None) -> Path:
    columns = list(columns or (rows[0].keys() if rows else COLUMNS))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return path


def run(
    tmp_path: Path, rows: list[dict], prefixes=("R522",), period=YEAR, certificates=None, **kwargs
) -> dict:
    path = write_csv(tmp_path / "contacts.csv", rows)
    certs = ()
    if certificates is not None:
        certs = (write_csv(tmp_path / "certificates.csv", certificates),)
    return analyze([path], prefixes=tuple(prefixes), period=period, certificates=certs, **kwargs)


def dx_rows() -> list[dict]:
    """A region: BIG (12 patients, varied), MID (6), SMALL (2) health centres."""
    rows = []
    for i in range(12):
        rows.append(
            contact(
                f"b{i}",
                "2020-03-01",
                "d1",
                diagnoses="R52.2",
                unit="BIG",
                sex="F" if i % 3 else "M",
            )
        )
        rows.append(
            contact(f"b{i}", "2020-04-01", "d2" if i < 3 else "d1", diagnoses="R52.2", unit="BIG")
        )
        if i < 2:
            rows.append(
                contact(
                    f"b{i}", "2020-05-01", "f1", "physiotherapist", diagnoses="R52.2", unit="BIG"
                )
            )
    for i in range(6):
        rows.append(contact(f"m{i}", "2020-03-01", "d9", diagnoses="R52.2", unit="MID"))
    for i in range(2):
        rows.append(contact(f"s{i}", "2020-03-01", "d8", diagnoses="R52.2", unit="SMALL"))
    return rows
