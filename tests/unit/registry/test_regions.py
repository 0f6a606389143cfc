"""The 21 regions: one list of SCB county codes wherever the code keeps one."""

from __future__ import annotations

from painreg.regional.regions import REGIONS
from painreg.registry.models import REGION_CODES, HealthcareRegion
from painreg.registry.regions import region_rows
from painreg.tidy.schema import REGION_CODES as INTERCHANGE_CODES


def test_the_data_file_the_model_the_interchange_format_and_regional_agree() -> None:
    """SCB länskoder: 01, 03-10, 12-14, 17-25 (02, 11, 15 and 16 were merged away)."""
    codes = [row["code"] for row in region_rows()]
    assert len(codes) == 21
    assert tuple(codes) == REGION_CODES == INTERCHANGE_CODES
    assert set(codes) == set(REGIONS)


def test_every_region_belongs_to_one_of_the_six_healthcare_regions() -> None:
    groups = {row["healthcare_region"] for row in region_rows()}
    assert groups == set(HealthcareRegion.values)
    by_group = {}
    for row in region_rows():
        by_group.setdefault(row["healthcare_region"], []).append(row["code"])
    assert by_group["stockholm_gotland"] == ["01", "09"]
    assert by_group["norra"] == ["22", "23", "24", "25"]
