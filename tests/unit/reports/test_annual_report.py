"""The annual report, the unit report and the indicators JSON on a small synthetic register.

End to end through the `painreg` command: synthetic register -> indicators ->
published outputs, checking the publishing rules (DOMAIN.md) on what is shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from painreg.cli import main
from painreg.reports.publishing import MIN_PUBLISHED, MIN_SOLID, format_number


@pytest.fixture(scope="module")
def synthetic(synthetic_register) -> Path:  # type: ignore[no-untyped-def]
    return synthetic_register(0.03, (2020, 2021), "parquet")  # shared with tests/golden


@pytest.fixture(scope="module")
def register(synthetic: Path):  # type: ignore[no-untyped-def]
    from painreg.analytics.load import load_register

    return load_register(synthetic)


@pytest.fixture(scope="module")
def report(register):  # type: ignore[no-untyped-def]
    """The 2021 annual report of the register (built once, read by several tests)."""
    from painreg.reports.annual import build_report

    return build_report(register, 2021)


def test_indicators_json_runs_end_to_end_on_a_synthetic_register(synthetic, tmp_path):
    out = tmp_path / "indicators.json"
    assert main(["report", "indicators", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    assert result["year"] == 2021
    for level in ("specialist", "primary"):
        data = result["care_levels"][level]
        units = data["units"].values()
        assert data["national"]["completed_rehab"] == sum(u["completed_rehab"] for u in units)
        assert data["national"]["completed_rehab"] > 0
        change = data["national"]["hads_anxiety_change"]
        assert change["n"] == sum(v for k, v in change.items() if k != "n")


def test_published_unit_rows_respect_the_publishing_rules(report):
    checked = 0
    for level in report.levels:
        for section in level.sections:
            for table in section.tables:
                if table.title != "Per enhet":
                    continue
                for row, grey in zip(table.rows, table.grey, strict=True):
                    n = int(row[1].text.replace("\xa0", ""))
                    assert n >= MIN_PUBLISHED
                    assert grey == (n < MIN_SOLID)
                    checked += 1
    assert checked > 0


def test_annual_report_writes_html_and_an_appendix_per_care_level(synthetic, tmp_path):
    out = tmp_path / "annual"
    assert main(["report", "annual", "--data", str(synthetic), "--year", "2021",
                 "--output", str(out), "--no-pdf"]) == 0  # fmt: skip
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "arsrapport-2021-bilaga-primary.xlsx",
        "arsrapport-2021-bilaga-specialist.xlsx",
        "arsrapport-2021.html",
    ]
    html = (out / "arsrapport-2021.html").read_text(encoding="utf-8")
    assert "trattdiagram" in html and "<svg" in html
    assert "Wilson" in html


def test_unit_report_renders_a_pdf_for_one_unit(synthetic, register, tmp_path):
    unit = register.units.filter(register.units.care_level == "specialist").unit_id.to_pandas()[0]
    out = tmp_path / "unit"
    assert main(["report", "unit", unit, "--data", str(synthetic), "--year", "2021",
                 "--output", str(out)]) == 0  # fmt: skip
    pdf = out / f"enhetsrapport-{unit}-2021.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_an_unknown_unit_is_one_clear_error(synthetic, tmp_path, capsys):
    code = main(["report", "unit", "NOPE", "--data", str(synthetic), "--year", "2021",
                 "--output", str(tmp_path)])  # fmt: skip
    assert code == 2
    assert "no unit 'NOPE'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_missing_data_directory_is_one_clear_error(tmp_path, capsys):
    code = main(["report", "indicators", "--data", str(tmp_path / "nope"), "--year", "2021",
                 "--output", str(tmp_path / "x.json")])  # fmt: skip
    assert code == 2
    assert "no such directory" in capsys.readouterr().err


def test_the_report_shows_mental_wellbeing_over_the_years_as_figure_32_does(register, report):
    from painreg.analytics.compute import compute_indicators
    from painreg.reports.annual.model import mean_ci

    level = next(level for level in report.levels if level.level == "specialist")
    tables = [
        t for s in level.sections for t in s.tables if t.title.startswith("Psykiskt välbefinnande")
    ]
    assert len(tables) == 1
    rows = {row[0].text: [cell.text for cell in row] for row in tables[0].rows}
    assert set(rows) == {"2020", "2021"}
    national = compute_indicators(register, 2021)["care_levels"]["specialist"]["national"]
    mean, _low, _high = mean_ci(national["mental_wellbeing_end"])
    assert 0 < mean < 100
    assert rows["2021"][2] == format_number(mean, 1)


def _mpi_sections(report):  # type: ignore[no-untyped-def]
    return [s for level in report.levels for s in level.sections if "(MPI)" in s.title]


def test_without_the_mpi_classifier_figure_22_says_so_instead_of_a_chart(report):
    from painreg.reports.annual import MPI_NOT_CLASSIFIED

    sections = _mpi_sections(report)
    assert len(sections) == 2  # one per care level
    for section in sections:
        assert section.charts == [] and section.tables == []
        assert section.paragraphs == [MPI_NOT_CLASSIFIED + "."]


def test_with_an_injected_mpi_classifier_figure_22_is_drawn(synthetic):
    from painreg.analytics.load import load_register
    from painreg.reports.annual import MPI_NOT_CLASSIFIED, build_report

    def classifier(scales):  # type: ignore[no-untyped-def]
        # A stand-in for the holder's classifier (the MPI-S one is not published).
        return ["adaptive_coper" if v <= 3 else "dysfunctional" for v in scales["life_control"]]

    options = {"item_key": {"life_control": ["mpi_1", "mpi_2"]}, "profile_classifier": classifier}
    report = build_report(load_register(synthetic, mpi_options=options), 2021)
    specialist = _mpi_sections(report)[0]
    assert MPI_NOT_CLASSIFIED not in " ".join(specialist.paragraphs)
    assert specialist.charts and specialist.tables[0].rows
