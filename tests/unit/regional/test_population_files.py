"""Loading SCB's population in one command, the illustrative demo population, and (with a
real SCB export) every published per-1000 rate of the SKR 2020 report."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.regional.inputs import load_treatment_data
from painreg.regional.population import (
    ILLUSTRATIVE_NOTE,
    SCB_NATIONAL_TOTALS,
    AgeBand,
    illustrative_population,
    read_population,
)
from painreg.regional.regions import REGIONS
from painreg.regional.tables import build_tables

EXAMPLE = Path(__file__).resolve().parents[3] / "src/painreg/regional/examples/skr-2020"

PXWEB = (
    '"region","ålder","kön","2020"\n'
    '"01 Stockholms län","16 år","män",100\n'
    '"01 Stockholms län","16 år","kvinnor",110\n'
    '"03 Uppsala län","100+ år","kvinnor",7\n'
)


def test_load_checks_an_scb_export_and_writes_the_tidy_file(tmp_path, capsys):
    export = tmp_path / "BE0101A.csv"
    export.write_text(PXWEB, encoding="cp1252")
    assert main(["regional", "population", "load", str(export), "--data", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "2020: 2 regions, 217 persons" in out
    pop = read_population(tmp_path / "d" / "population.csv")
    assert pop.in_band(2020, "01", AgeBand(16, 67)) == 210
    assert pop.counts[(2020, "03")] == {("F", 100): 7}
    assert pop.note == ""


def test_load_refuses_a_file_that_is_not_an_export(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text('"län","år"\n"x","y"\n', encoding="utf-8")
    assert main(["regional", "population", "load", str(bad), "--data", str(tmp_path)]) != 0
    assert "region" in capsys.readouterr().err
    assert not (tmp_path / "population.csv").exists()


def test_the_illustrative_population_is_scaled_to_scb_and_says_what_it_is(tmp_path):
    pop = illustrative_population([2020])
    assert {code for _, code in pop.counts} == set(REGIONS)
    total = sum(sum(cells.values()) for cells in pop.counts.values())
    assert abs(total - SCB_NATIONAL_TOTALS[2020]) < 21 * 202  # rounding per cell only
    assert pop.note == ILLUSTRATIVE_NOTE
    assert main(["regional", "population", "illustrative", "--data", str(tmp_path),
                 "--years", "2020-2021"]) == 0  # fmt: skip
    again = read_population(tmp_path / "population.csv")
    assert again.note == ILLUSTRATIVE_NOTE and again.years == [2020, 2021]
    # Every page that uses it names it: the regional tables' population line.
    tables = build_tables(load_treatment_data(EXAMPLE), 2020, again)
    assert tables["population_source"] == ILLUSTRATIVE_NOTE


SCB_FILE = os.environ.get("PAINREG_SCB_POPULATION")


@pytest.mark.skipif(
    not SCB_FILE,
    reason="needs SCB's population export (PAINREG_SCB_POPULATION=FILE; docs/regional.md "
    "says which table): it cannot be fetched here",
)
def test_every_published_skr_2020_rate_within_rounding():
    """SKR villkor 3 report 2020, tables 7 and 8: every "Per 1000" cell, 2009-2020."""
    series = build_tables(load_treatment_data(EXAMPLE), 2020, read_population(SCB_FILE))["series"]
    ours = {(r["year"], r["region_code"]): r for r in series}
    measures = {"kbt_ipt": "kbt_ipt_per_1000", "mmr_total": "mmr_per_1000"}
    with (EXAMPLE / "published_per_1000.csv").open(encoding="utf-8") as handle:
        published = list(csv.DictReader(handle))
    checked = 0
    for row in published:
        text = row["per_1000_as_published"].strip()
        if not text or row["count"] in ("", "0"):
            continue
        decimals = len(text.partition(",")[2])
        expected = float(text.replace(",", "."))
        rate = ours[(int(row["year"]), row["region_code"])][measures[row["measure"]]]
        assert rate is not None, row
        assert abs(rate - expected) <= 0.5 * 10**-decimals + 1e-9, (row, rate)
        checked += 1
    assert checked > 300


def test_the_demo_writes_its_regional_data_once(tmp_path, monkeypatch):
    from painreg.cli.serve import _demo_regional_data

    monkeypatch.setenv("PAINREG_VAR_DIR", str(tmp_path))
    folder = _demo_regional_data()
    assert folder == tmp_path / "demo-regional"
    assert read_population(folder / "population.csv").note == ILLUSTRATIVE_NOTE
    assert load_treatment_data(folder).get(2020, "01") is not None
    before = (folder / "population.csv").stat().st_mtime_ns
    _demo_regional_data()
    assert (folder / "population.csv").stat().st_mtime_ns == before
