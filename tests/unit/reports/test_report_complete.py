"""The report as the register holder, a unit and a region read it.

Hand-computed checks of the new numbers (pooled years, regions against the
nation, the previous year, the interval format), and the rendered outputs:
cover, contents, method section from the catalogue, no figure numbers or
instrument ids in the text, every unit name whole in the PDF, one PDF per
unit, the Excel appendix's sheets and frozen headers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.reports.annual.regions import region_rows
from painreg.reports.annual.series import previous_year_text
from painreg.reports.annual.unit import UnitContext
from painreg.reports.publishing import format_interval


@pytest.fixture(scope="module")
def synthetic(synthetic_register) -> Path:  # type: ignore[no-untyped-def]
    return synthetic_register(0.03, (2020, 2021), "parquet")  # shared with tests/golden


def _change(improved: int, n: int) -> dict[str, int]:
    return {"n": n, "improved": improved, "unchanged": n - improved, "worsened": 0}


def _context(values_by_year: dict[int, tuple[dict, dict]]) -> UnitContext:
    """A unit U1 and its nation over the years: ``{year: (unit value, national value)}``."""
    series = {
        y: {"specialist": {"national": {"k": nat}, "units": {"U1": {"k": unit}}}}
        for y, (unit, nat) in values_by_year.items()
    }
    year = max(values_by_year)
    return UnitContext("U1", "Enhet 1", "specialist", year, series[year]["specialist"], series)


def test_a_year_too_small_is_pooled_with_the_years_before_until_it_can_be_shown():
    ctx = _context(
        {
            2019: (_change(1, 2), _change(30, 50)),
            2020: (_change(2, 2), _change(40, 60)),
            2021: (_change(1, 2), _change(50, 70)),
        }
    )
    unit, nation, years = ctx.pooled("k", "n")
    # 2 + 2 + 2 = 6 patients over 2019-2021 (3 years: the most pooled), 1 + 2 + 1 improved.
    assert years == "2019–2021"
    assert (unit["n"], unit["improved"]) == (6, 4)
    assert (nation["n"], nation["improved"]) == (180, 120)


def test_a_year_large_enough_is_not_pooled():
    ctx = _context({2020: (_change(2, 9), _change(1, 9)), 2021: (_change(3, 5), _change(9, 10))})
    unit, nation, years = ctx.pooled("k", "n")
    assert years == "2021" and unit == _change(3, 5) and nation == _change(9, 10)


def test_each_region_is_set_against_the_nation_and_small_regions_are_left_out():
    data = {
        "national": {"k": _change(60, 100)},
        "regions": {"01": {"k": _change(45, 90)}, "03": {"k": _change(3, 4)},
                    "05": {"k": _change(5, 6)}},
    }  # fmt: skip
    rows, grey, hidden = region_rows(data, "k", "improved", "n")
    assert [r[0] for r in rows] == ["Riket", "Stockholm", "Östergötland"]
    # 60/100 = 60 %, Wilson 95 % 50,2-69,1; 45/90 = 50 %; 5/6 = 83 %, greyed (5-9).
    assert rows[0][1:] == ["100", "60\xa0%", "50 till 69\xa0%"]
    assert rows[1][2] == "50\xa0%"
    assert grey == [False, False, True] and hidden == 1


def test_the_previous_year_is_written_beside_the_current_one():
    series = {2020: {"specialist": {"national": {"k": _change(30, 40)}}}}
    # 30/40 = 75 %, Wilson 95 % 59,8-85,8.
    assert previous_year_text("k", "specialist", 2021, series) == (
        "2020: 75\xa0% förbättrade (95 % KI 60 till 86\xa0%), n = 40."
    )
    assert previous_year_text("k", "specialist", 2020, series) == ""


def test_an_interval_is_written_one_way():
    assert format_interval(0.25, 0.5, percent=True) == "25 till 50\xa0%"
    assert format_interval(-13.2, 24.0) == "−13 till 24"


def test_the_method_section_names_every_indicator_in_swedish():
    from painreg.analytics.indicators import INDICATORS
    from painreg.reports.annual.method import POPULATION_SV, method_section

    assert {i.population for i in INDICATORS} <= set(POPULATION_SV)
    table = method_section().tables[0]
    assert [r[0].text for r in table.rows] == [i.title_sv for i in INDICATORS]


def _pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", text.decode("utf-8"))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_has_cover_contents_method_and_every_unit_name_whole(synthetic, tmp_path):
    out = tmp_path / "annual"
    assert main(["report", "annual", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out)]) == 0  # fmt: skip
    html = (out / "arsrapport-2021.html").read_text(encoding="utf-8")
    text = _pdf_text(out / "arsrapport-2021.pdf")
    assert text.index("Årsrapport 2021") < text.index("Innehåll") < text.index("Sammanfattning")
    assert "Metod och definitioner" in text and "Resultat per region" in text
    # No figure numbers of another report, no authoring notes, no instrument ids.
    assert not re.search(r"\(figur", html, re.I)
    assert not re.search(r"\b(activity|hads|pcs|eq5d5l) \((initialt|avslut|1 år)\)", html)
    # Every unit name the report shows is whole in the PDF (no cut labels or cells).
    import pyarrow.parquet as pq

    names = pq.read_table(synthetic / "units.parquet").column("name").to_pylist()
    shown = [n for n in names if n in html]
    assert shown
    missing = [n for n in shown if n not in text]
    assert not missing, f"cut or missing in the PDF: {missing}"
    assert "…" not in text
    # The Excel appendix: every sheet the report shows for units, frozen headers.
    with zipfile.ZipFile(out / "arsrapport-2021-bilaga-specialist.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
        for name in (
            "Ifyllnadsgrad",
            "Medelförändring",
            "Utgångsvärden",
            "Kön",
            "Åldersgrupper",
            "Utbildning",
            "Arbetsinriktade åtgärder",
            "Huvuddiagnoser",
        ):
            assert name in sheets
        first = book.read("xl/worksheets/sheet1.xml").decode()
        assert 'state="frozen"' in first
        styles = book.read("xl/styles.xml").decode()
        assert 'formatCode="0\\ %"' in styles  # "12 %", Swedish style


def test_every_units_report_in_one_command(synthetic, tmp_path):
    out = tmp_path / "units"
    assert main(["report", "units", "--all", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out), "--no-pdf"]) == 0  # fmt: skip
    import json

    indicators = tmp_path / "i.json"
    main(["report", "indicators", "--data", str(synthetic), "--year", "2021",
          "--output", str(indicators)])  # fmt: skip
    listed = {u for level in json.loads(indicators.read_text())["care_levels"].values()
              for u in level["units"]}  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"enhetsrapport-{u}-2021.html" for u in listed
    )
    page = (out / f"enhetsrapport-{sorted(listed)[0]}-2021.html").read_text(encoding="utf-8")
    assert "Riket" in page and "Utfall vid avslut" in page and "Utveckling över tid" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_units_pdf_is_led_by_the_unit_with_the_nation_beside(synthetic, tmp_path):
    out = tmp_path / "unit"
    assert main(["report", "units", "S001", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out)]) == 0  # fmt: skip
    text = _pdf_text(out / "enhetsrapport-S001-2021.pdf")
    assert text.startswith("Enhetsrapport 2021: Smärtrehab Stockholm 1")
    assert "Riket" in text and "…" not in text


def test_units_without_a_unit_or_all_is_one_clear_error(synthetic, tmp_path, capsys):
    code = main(["report", "units", "--data", str(synthetic), "--year", "2021",
                 "--output", str(tmp_path / "x")])  # fmt: skip
    assert code == 2 and "--all" in capsys.readouterr().err


def test_the_series_with_the_year_as_a_parameter_counts_as_one_call_per_year(synthetic):
    from painreg.analytics.compute import compute_indicators, yearly_indicators
    from painreg.analytics.load import load_register

    register = load_register(synthetic)
    keys = ("completed_rehab", "response_rate_1y", "hads_anxiety_change", "sex")
    series = yearly_indicators(register, [2020, 2021], keys)
    for year in (2020, 2021):
        one = compute_indicators(register, year, keys=keys, regions=False)["care_levels"]
        assert series[year] == one


def test_a_units_dropout_is_pooled_and_set_against_the_nation():
    from painreg.reports.annual.unit import dropout

    def values(completed, stopped):  # type: ignore[no-untyped-def]
        return {
            "completed_rehab": completed,
            "discontinued": {"own_decision": stopped, "other_medical": 0, "other": 0},
            "response_rate_end": {"numerator": completed - 1, "denominator": completed},
            "response_rate_1y": {"numerator": 2, "denominator": 4},
        }

    series = {
        y: {"specialist": {"national": values(50, 10), "units": {"U1": values(3, 1)}}}
        for y in (2019, 2020, 2021)
    }
    ctx = UnitContext("U1", "Enhet 1", "specialist", 2021, series[2021]["specialist"], series)
    rows = [[c.text for c in row] for row in dropout(ctx).tables[0].rows]
    # Unit: 4 rehab patients a year (1 stopped) -> 2021 alone is under 5, 2020-2021 pooled:
    # 2 of 8 = 25 %; the nation over the same years 20 of 120 = 17 %.
    assert rows[0][1:5] == ["Enhet 1", "2020–2021", "8", "25\xa0%"]
    assert rows[1][1:5] == ["Riket", "2020–2021", "120", "17\xa0%"]
    # No answer at end: 1 of 3 a year -> 2 of 6 = 33 %.
    assert rows[2][3:5] == ["6", "33\xa0%"]
