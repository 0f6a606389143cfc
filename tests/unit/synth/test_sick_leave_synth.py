"""The synthetic sick-leave extract: valid, deterministic, shaped as documented."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from painreg.synth.sick_leave import EMPLOYER_DAYS, coverage, generate_extract
from painreg.tidy.schema import read_table
from painreg.tidy.validation import validate_directory

YEARS = (2018, 2021)


@pytest.fixture(scope="module")
def extract(synthetic_register: Callable[..., Path], tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("with-sick-leave")
    shutil.copytree(synthetic_register(0.05, YEARS), directory, dirs_exist_ok=True)
    generate_extract(directory, seed=2021, years=YEARS)
    return directory


def test_it_is_a_valid_extract_of_the_register(extract: Path) -> None:
    report = validate_directory(extract)
    assert report.ok, [str(p) for p in report.sorted_problems()[:5]]
    assert report.counts == {}  # nothing to clip: periods lie inside the covered period
    cov = read_table(extract, "sick_leave_coverage").to_pylist()
    assert cov == [dict(zip(("covers_from", "covers_to"), coverage(YEARS), strict=True))]


def test_it_is_deterministic(extract: Path, tmp_path: Path) -> None:
    shutil.copytree(extract, tmp_path / "again")
    generate_extract(tmp_path / "again", seed=2021, years=YEARS)
    assert (tmp_path / "again" / "sick_leave.csv").read_bytes() == (
        extract / "sick_leave.csv"
    ).read_bytes()


def test_its_shape(extract: Path) -> None:
    periods = read_table(extract, "sick_leave").to_pandas()
    benefits = periods["benefit"].value_counts(normalize=True)
    assert set(benefits.index) == {
        "sickness", "rehabilitation", "sickness_compensation", "activity_compensation"
    }  # fmt: skip
    assert benefits["sickness"] > 0.8
    extents = periods.loc[periods["benefit"] == "sickness", "extent"].value_counts(normalize=True)
    assert 0.45 < extents[100] < 0.75
    patients = periods["patient_id"].nunique()
    rehab = read_table(extract, "registrations").to_pandas()
    assert 0.4 < patients / rehab["patient_id"].nunique() < 0.8
    assert EMPLOYER_DAYS == 14
