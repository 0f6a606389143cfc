"""Rates per 1000, age bands, population files and missing regions, checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from painreg.errors import UserError
from painreg.regional.inputs import TreatmentData
from painreg.regional.population import AgeBand, Population, default_age_band, read_population
from painreg.regional.regions import REGIONS
from painreg.regional.tables import TableOptions, build_tables, per_1000
from painreg.reports.regional_report import rate_cell, share_cell


def _population(year: int, per_age: int, regions: list[str] | None = None) -> Population:
    """``per_age`` men and as many women at every age 0-100 in each region."""
    pop = Population(source="test")
    for code in regions or list(REGIONS):
        pop.counts[(year, code)] = {(sex, age): per_age for sex in "MF" for age in range(101)}
    return pop


def test_the_default_age_band_is_16_to_65_before_2017_and_16_to_67_from_2017() -> None:
    """SKR 2020 report, footnote 2 of table 8: 16-65 for 2009-2016, 16-67 from 2017."""
    assert str(default_age_band(2016)) == "16-65"
    assert str(default_age_band(2017)) == "16-67"


def test_the_age_band_includes_both_ends() -> None:
    pop = _population(2020, 10, ["01"])
    # 16..67 is 52 ages × 2 sexes × 10 persons.
    assert pop.in_band(2020, "01", AgeBand(16, 67)) == 1040
    assert pop.in_band(2020, "01", AgeBand(16, 65)) == 1000
    assert pop.in_band(2020, "01", AgeBand(16, 67), sex="F") == 520


def test_a_rate_is_the_count_per_1000_in_the_band() -> None:
    """Hand check: 52 treatments among 1 040 inhabitants = 50,0 per 1000."""
    data = TreatmentData(rows={(2020, "01"): {"mmr1": 50, "mmr2": 2}})
    tables = build_tables(data, 2020, _population(2020, 10, ["01"]))
    assert tables["regions"]["01"]["population"] == 1040
    assert tables["regions"]["01"]["mmr_per_1000"] == pytest.approx(50.0)
    assert rate_cell(tables["regions"]["01"]["mmr_per_1000"], 52).text == "50,0"


def test_an_older_year_uses_the_older_band() -> None:
    data = TreatmentData(rows={(2016, "01"): {"mmr_total": 100}, (2020, "01"): {"mmr_total": 104}})
    pop = _population(2016, 10, ["01"])
    pop.counts.update(_population(2020, 10, ["01"]).counts)
    series = {
        r["year"]: r for r in build_tables(data, 2020, pop)["series"] if r["region_code"] == "01"
    }
    assert series[2016]["age_band"] == "16-65"
    assert series[2016]["mmr_per_1000"] == pytest.approx(100.0)  # 100 / 1 000
    assert series[2020]["mmr_per_1000"] == pytest.approx(100.0)  # 104 / 1 040


def test_a_given_age_band_overrides_the_default() -> None:
    data = TreatmentData(rows={(2020, "01"): {"mmr_total": 100}})
    tables = build_tables(
        data, 2020, _population(2020, 10, ["01"]), TableOptions(age_band=AgeBand(16, 65))
    )
    assert tables["regions"]["01"]["mmr_per_1000"] == pytest.approx(100.0)


def test_the_national_rate_needs_every_region_in_the_population() -> None:
    """Without all 21 regions the national denominator would be too small: no rate."""
    data = TreatmentData(rows={(2020, "01"): {"mmr_total": 10}})
    assert (
        build_tables(data, 2020, _population(2020, 10, ["01"]))["national"]["mmr_per_1000"] is None
    )
    full = build_tables(data, 2020, _population(2020, 10))["national"]
    assert full["population"] == 21 * 1040
    assert full["mmr_per_1000"] == pytest.approx(10 / (21 * 1040) * 1000)


def test_a_region_missing_from_the_data_is_not_reported_and_not_counted_as_zero() -> None:
    data = TreatmentData(rows={(2020, "01"): {"mmr1": 3, "mmr2": 0}})
    tables = build_tables(data, 2020, _population(2020, 10))
    assert tables["regions"]["03"]["mmr_total"] is None
    assert tables["regions"]["03"]["mmr_per_1000"] is None
    assert rate_cell(None, None).text == "ej rapporterat"
    assert tables["national"]["mmr_total"] == 3
    assert "03" in tables["not_reported"]["pain"] and "01" not in tables["not_reported"]["pain"]


def test_a_reported_zero_gives_a_zero_rate() -> None:
    data = TreatmentData(rows={(2020, "01"): {"mmr1": 0, "mmr2": 0}})
    level = build_tables(data, 2020, _population(2020, 10, ["01"]))["regions"]["01"]
    assert level["mmr_per_1000"] == 0.0
    assert rate_cell(level["mmr_per_1000"], 0).text == "0,0"


def test_a_rate_that_rounds_to_zero_is_shown_as_below_0_1() -> None:
    """SKR 2020, table 8: Kronoberg's 5 MMR (2019) is printed "< 0,1"."""
    assert rate_cell(0.049, 6).text == "<0,1"
    assert rate_cell(0.05, 6).text == "0,1"  # half up
    assert per_1000(6, 0) is None


def test_shares_are_shown_from_5_and_marked_below_10() -> None:
    """DOMAIN.md publishing rules: proportions for denominators of 5 or more, greyed below 10."""
    assert share_cell(2, 4).text == "2"
    assert "otillräckligt underlag" in share_cell(2, 8).text
    assert share_cell(16, 85).text == "16 (19\u00a0%)"


def test_it_reads_an_scb_pxweb_export_in_windows_1252_with_semicolons(tmp_path: Path) -> None:
    """The layout of SCB's PxWeb CSV export: region label with code, "16 år", "100+ år",
    kön as män/kvinnor, one column per year; civilstånd summed over."""
    text = (
        '"region";"civilstånd";"ålder";"kön";"2019";"2020"\n'
        '"01 Stockholms län";"ogifta";"16 år";"män";"100";"110"\n'
        '"01 Stockholms län";"gifta";"16 år";"män";"1";"2"\n'
        '"01 Stockholms län";"ogifta";"16 år";"kvinnor";"90";"95"\n'
        '"01 Stockholms län";"ogifta";"100+ år";"kvinnor";"5";"6"\n'
        '"0114 Upplands Väsby";"ogifta";"16 år";"män";"7";"7"\n'
        '"03 Uppsala län";"ogifta";"68 år";"män";"50";".."\n'
    )
    path = tmp_path / "population.csv"
    path.write_bytes(text.encode("cp1252"))
    pop = read_population(path)
    assert pop.in_band(2020, "01", AgeBand(16, 67)) == 110 + 2 + 95
    assert pop.in_band(2019, "01", AgeBand(16, 100), sex="F") == 95
    assert pop.in_band(2020, "03", AgeBand(16, 67)) is None  # ".." = no figure, not 0
    assert pop.in_band(2019, "03", AgeBand(16, 68)) == 50
    assert pop.years == [2019, 2020]


def test_it_reads_an_english_export_with_a_month_column(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        "region,age,sex,2020M11\n"
        "01 Stockholm county,16 years,men,10\n"
        "01 Stockholm county,total,men,99\n",
        encoding="utf-8",
    )
    assert read_population(path).in_band(2020, "01", AgeBand(16, 67)) == 10


def test_it_reads_the_tidy_layout(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        "year,region_code,sex,age,population\n2020,1,F,20,7\n2020,01,M,20,3\n", encoding="utf-8"
    )
    assert read_population(path).in_band(2020, "01", AgeBand(16, 67)) == 10


def test_a_bad_population_cell_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        '"region","ålder","kön","2020"\n"01 Stockholms län","16 år","män","tio"\n', encoding="utf-8"
    )
    with pytest.raises(UserError, match=r"pop.csv row 2, column 2020: 'tio' is not a count"):
        read_population(path)
