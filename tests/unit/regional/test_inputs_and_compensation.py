"""Input validation and the extra compensation rule (3 000 kr per contact, capped nationally)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreg.errors import UserError
from painreg.regional.inputs import TreatmentData, read_treatments
from painreg.regional.tables import TableOptions, build_tables


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "treatments.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_empty_cell_is_not_reported_and_a_zero_is_zero(tmp_path: Path) -> None:
    rows = read_treatments(_write(tmp_path, "year,region_code,kbt,ipt\n2020,01,0,\n"))
    assert rows[(2020, "01")]["kbt"] == 0
    assert rows[(2020, "01")]["ipt"] is None


def test_it_names_the_row_and_column_of_every_bad_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "year,region_code,kbt,ipt\n2020,01,-3,\n2020,02,1,1\n20x0,01,,\n")
    with pytest.raises(UserError) as error:
        read_treatments(path)
    message = str(error.value)
    assert "treatments.csv row 2, column kbt: '-3' is not a whole number" in message
    assert "row 3, column region_code: '02' is not an SCB county code" in message
    assert "row 4, column year" in message


def test_it_rejects_an_aggregate_that_disagrees_with_its_parts(tmp_path: Path) -> None:
    with pytest.raises(
        UserError, match="column mmr_total: 5 is not the sum of mmr1 \\+ mmr2 \\(4\\)"
    ):
        read_treatments(_write(tmp_path, "year,region_code,mmr1,mmr2,mmr_total\n2020,01,1,3,5\n"))


def test_it_rejects_unknown_columns_and_duplicate_rows(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown column"):
        read_treatments(_write(tmp_path, "year,region_code,cbt\n2020,01,1\n"))
    with pytest.raises(UserError, match="a second row for 01 in 2020"):
        read_treatments(_write(tmp_path, "year,region_code,kbt\n2020,01,1\n2020,1,2\n"))


def _contacts(**by_region: tuple[int | None, int | None]) -> TreatmentData:
    return TreatmentData(
        rows={
            (2020, code): {"employer_contacts": employer, "employment_service_contacts": service}
            for code, (employer, service) in by_region.items()
        }
    )


def test_the_compensation_is_3000_kr_per_contact_below_the_cap() -> None:
    """DOMAIN.md: 3 000 kr × (employer + employment-service contacts)."""
    comp = build_tables(_contacts(**{"01": (10, 2), "03": (0, 0)}), 2020)["compensation"]
    assert comp["computed_sek"] == 36_000
    assert comp["regions"]["01"]["payable_sek"] == 36_000
    assert comp["regions"]["03"]["payable_sek"] == 0  # reported zero
    assert comp["regions"]["04"]["payable_sek"] is None  # not reported


def test_the_compensation_is_capped_at_the_national_maximum_and_shared_in_proportion() -> None:
    """Hand check: 20 000 contacts × 3 000 kr = 60 Mkr > 50 Mkr;
    each region gets 50/60 of its 3 000 kr × n."""
    comp = build_tables(_contacts(**{"01": (12_000, 0), "03": (5_000, 3_000)}), 2020)[
        "compensation"
    ]
    assert comp["computed_sek"] == 60_000_000
    assert comp["payable_sek"] == 50_000_000 and comp["capped"]
    assert comp["regions"]["01"]["payable_sek"] == pytest.approx(30_000_000)
    assert comp["regions"]["03"]["payable_sek"] == pytest.approx(20_000_000)


def test_a_region_reporting_only_one_kind_of_contact_counts_what_it_reported() -> None:
    comp = build_tables(_contacts(**{"01": (7, None)}), 2020)["compensation"]
    assert comp["regions"]["01"]["computed_sek"] == 21_000


def test_years_outside_the_agreements_have_no_compensation_unless_a_rate_is_given() -> None:
    data = TreatmentData(rows={(2022, "01"): {"employer_contacts": 2}})
    assert build_tables(data, 2022)["compensation"] is None
    comp = build_tables(data, 2022, options=TableOptions(compensation_rate=1000))["compensation"]
    assert comp["payable_sek"] == 2000 and comp["cap_sek"] is None


def test_it_asks_for_a_year_that_is_in_the_data() -> None:
    with pytest.raises(UserError, match="no treatment counts for 2021"):
        build_tables(TreatmentData(rows={(2020, "01"): {"kbt": 1}}), 2021)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["01", "03", "09", "12", "25"]),
        st.tuples(st.none() | st.integers(0, 500), st.none() | st.integers(0, 500)),
    )
)
def test_national_figures_add_the_reported_regions_and_stay_empty_when_none_reported(
    by_region: dict[str, tuple[int | None, int | None]],
) -> None:
    """Property: national = sum of reported cells; None (not 0) when no region reported."""
    data = TreatmentData(
        rows={(2020, c): {"mmr1": a, "mmr2": b} for c, (a, b) in by_region.items()}
    )
    national = build_tables(data, 2020)["national"] if data.rows else None
    if national is None:
        return
    reported = [v for pair in by_region.values() for v in pair if v is not None]
    assert national["mmr_total"] == (sum(reported) if reported else None)
    ones = [a for a, _ in by_region.values() if a is not None]
    assert national["mmr1"] == (sum(ones) if ones else None)
