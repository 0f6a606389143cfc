"""`painreg regional tables|planning|waiting` end to end on small files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.regional.inputs import COUNT_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[3] / "src/painreg/regional/examples/skr-2020"

#: The keys at every level of the JSON: every count column of docs/regional.md and the rate.
REQUIRED_KEYS = {
    "kbt", "ipt", "ikbt", "pdt", "emdr", "other_psych", "mmr1", "mmr2", "behavioural",
    "active_training", "other_pain", "mmr_total", "men", "women", "private", "public",
    "employer_contacts", "employment_service_contacts", "mmr_per_1000",
}  # fmt: skip


def test_tables_writes_html_excel_json_and_figures_of_the_example(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        main(["regional", "tables", "--year", "2020", "--data", str(EXAMPLE), "--output", str(out)])
        == 0
    )
    data = json.loads((out / "regional-tables-2020.json").read_text(encoding="utf-8"))
    assert data["year"] == 2020
    assert REQUIRED_KEYS <= set(data["national"])
    assert set(data["regions"]) == {
        "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13",
        "14", "17", "18", "19", "20", "21", "22", "23", "24", "25",
    }  # fmt: skip
    assert all(REQUIRED_KEYS <= set(level) for level in data["regions"].values())
    assert data["national"]["mmr_per_1000"] is None  # no population file
    assert data["regions"]["09"]["kbt"] is None and data["regions"]["08"]["mmr_total"] == 0
    html = (out / "regional-tables-2020.html").read_text(encoding="utf-8")
    assert "Tabell 8" in html and "ej rapporterat" in html and "<svg" in html
    assert "56\u00a0468" in html  # Swedish grouping of the KBT total
    with zipfile.ZipFile(out / "regional-tables-2020.xlsx") as workbook:
        sheets = workbook.read("xl/workbook.xml").decode()
        strings = workbook.read("xl/sharedStrings.xml").decode()
    for sheet in ("table2", "table3", "table4", "table5", "table6", "change", "table7", "table8"):
        assert f'name="{sheet}"' in sheets
    assert "ej rapporterat" in strings
    assert (out / "regional-tables-2020-figure3.svg").read_text(encoding="utf-8").startswith("<svg")


def test_tables_uses_a_population_file_in_the_data_folder(tmp_path: Path) -> None:
    """Hand check: Jämtland Härjedalen's 114 MMR over 52 ages × 2 sexes × 1 000 = 1,1 per 1000."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "treatments.csv").write_text(
        "year,region_code,mmr1,mmr2\n2020,23,109,5\n", encoding="utf-8"
    )
    rows = ["year,region_code,sex,age,population"]
    rows += [f"2020,23,{sex},{age},1000" for sex in "MF" for age in range(0, 101)]
    (data / "population.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        main(
            [
                "regional",
                "tables",
                "--year",
                "2020",
                "--data",
                str(data),
                "--output",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    result = json.loads((tmp_path / "o" / "regional-tables-2020.json").read_text(encoding="utf-8"))
    assert result["regions"]["23"]["mmr_per_1000"] == pytest.approx(114 / 104)
    assert "1,1" in (tmp_path / "o" / "regional-tables-2020.html").read_text(encoding="utf-8")


def test_a_bad_input_is_one_line_and_exit_2_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "treatments.csv").write_text("year,region_code,kbt\n2020,01,many\n", encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(["regional", "tables", "--year", "2020", "--data", str(data), "--output", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert "treatments.csv row 2, column kbt: 'many' is not a whole number" in err
    assert err.count("\n") == 1 and not out.exists()


def test_planning_writes_a_page_with_need_waits_and_charts(
    tmp_path: Path, register_dir: Path
) -> None:
    """Jämtland Härjedalen (23) with the audit's queue: 35 waiting, 27 starts a year -> 15,6 months;
    need from 104 000 inhabitants aged 16-67 × 0,20 × 0,35 × 0,10 = 728 a year (7,0 per 1000)."""
    rows = ["year,region_code,sex,age,population"]
    rows += [f"2021,23,{sex},{age},1000" for sex in "MF" for age in range(0, 101)]
    population = tmp_path / "population.csv"
    population.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    args = ["regional", "planning", "--region", "23", "--year", "2021",
            "--register", str(register_dir), "--population", str(population),
            "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    plan = json.loads((out / "regional-planning-23-2021.json").read_text(encoding="utf-8"))
    assert plan["need"]["need"] == pytest.approx(728)
    assert plan["need"]["delivered_statistics"] is None
    assert plan["waiting"]["total"]["expected_wait_months"] == pytest.approx(35 / 27 * 12)
    html = (out / "regional-planning-23-2021.html").read_text(encoding="utf-8")
    assert "15,6 månader" in html and "7,0 per 1000" in html and html.count("<svg") == 3
    assert "Smärtcentrum Stockholm" not in html  # another region's unit


def test_waiting_writes_every_region_with_units(tmp_path: Path, register_dir: Path) -> None:
    out = tmp_path / "waits.json"
    assert (
        main(
            [
                "regional",
                "waiting",
                "--register",
                str(register_dir),
                "--year",
                "2021",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["regions"]) == {"01", "23"}
    assert result["regions"]["23"]["total"]["queue"]["waiting_for_rehab"] == 35


def test_planning_rejects_an_unknown_region(tmp_path: Path, capsys) -> None:
    code = main(["regional", "planning", "--region", "02", "--year", "2020", "--data", str(EXAMPLE),
                 "--output", str(tmp_path)])  # fmt: skip
    assert code == 2 and "not an SCB county code" in capsys.readouterr().err


def test_columns_of_the_treatment_format_are_those_documented() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs/regional.md").read_text(encoding="utf-8")
    assert COUNT_COLUMNS
    for column in COUNT_COLUMNS:
        assert f"`{column}`" in doc


def test_the_regional_core_does_not_import_django() -> None:
    """ARCHITECTURE.md: the pure cores never import Django."""
    import subprocess
    import sys

    code = (
        "import sys, painreg.regional.tables, painreg.regional.planning, painreg.regional.need, "
        "painreg.regional.population, painreg.regional.waiting, painreg.cli.regional; "
        "assert 'django' not in sys.modules, 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_planning_adds_referral_flows_between_care_levels(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "unit_id,name,region_code,pain_care_level,owner\n"
        "VC1,Vårdcentral Ett,23,1,public\nVC2,Vårdcentral Två,23,1,private\n"
        "SP1,Smärtmottagningen,23,3,public\nOTHER,Annan region,01,3,public\n",
        encoding="utf-8",
    )
    rows = ["patient_id,from_unit_id,to_unit_id,sent_on,first_visit_on,returned"]
    # Six from level 1 to 3 in 2020, waits 10-14 days, the sixth returned; one outside.
    for i in range(5):
        rows.append(f"p{i},VC{1 + i % 2},SP1,2020-03-01,2020-03-{11 + i},")
    rows.append("p5,VC2,SP1,2020-03-01,,ja")
    rows.append("x,OTHER,OTHER,2020-03-01,2020-03-02,")
    referrals = tmp_path / "referrals.csv"
    referrals.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["regional", "planning", "--region", "23", "--year", "2020",
                 "--data", str(EXAMPLE), "--referrals", str(referrals), "--units", str(units),
                 "--output", str(out)]) == 0  # fmt: skip
    data = json.loads((out / "regional-planning-23-2020.json").read_text(encoding="utf-8"))
    refs = data["referrals"]
    assert refs["referrals"]["sent"] == 6 and refs["referrals"]["returned"] == 1
    assert [
        (f["from_level"], f["to_level"], f["sent"]) for f in refs["referral_flows"]["levels"]
    ] == [(1, 3, 6)]
    html = (out / "regional-planning-23-2020.html").read_text(encoding="utf-8")
    assert "Remisser mellan vårdnivåer" in html
    assert "median 12 dagar" in html  # waits 10, 11, 12, 13, 14


def test_planning_referrals_need_a_units_file(tmp_path: Path, capsys) -> None:
    referrals = tmp_path / "r.csv"
    referrals.write_text("patient_id,from_unit_id,to_unit_id,sent_on\n", encoding="utf-8")
    args = ["--data", str(EXAMPLE), "--referrals", str(referrals), "--output", str(tmp_path)]
    code = main(["regional", "planning", "--region", "23", "--year", "2020", *args])
    assert code == 2 and "--referrals needs --units" in capsys.readouterr().err
